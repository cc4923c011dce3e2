"""What the recording table shows, as plain text: the columns, how they fit a width, and each
cell's text and style. Pure (no Textual): tested without an App, and the widget
(rectui/ui/widgets/recording_table.py) only turns it into Strips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.cells import cell_len, set_cell_size

from ...formatting import format_duration, format_money, format_time
from ...plivo.models import Recording
from ...plivo.pricing import storage_days
from ...plivo.recording_cost import recording_cost
from ...server_text import safe_text

# -- text safety ------------------------------------------------------------------------------


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or truncate (with an ellipsis) `text` to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    length = len(text) if text.isascii() else cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
        length = width
    padding = " " * (width - length)
    return padding + text if right else text + padding


# -- columns and layout -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    short_header: str
    width: int
    """Preferred width: what the column gets before anything grows."""
    min_width: int
    priority: int
    """0 is dropped last when the table is narrow."""
    right: bool = False
    grow: int = 0
    """Extra cells this column may absorb when the terminal is wide (long names, SIP URIs)."""
    snap: bool = False
    """Grows from min_width to width in one step or not at all."""


COLUMNS: tuple[Column, ...] = (
    # key, header, short header, preferred, minimum, priority (0 = kept longest)
    Column("added", "Added", "Added", 19, 16, 0, snap=True),  # seconds only when there is room
    Column("type", "Type", "Type", 10, 6, 3, snap=True),  # "conf" until "conference" fits
    # 13 cells hold the E.164 numbers seen in practice (+1 and 10 digits, +44 7…, +91 …);
    # a cut number is useless, so they never go narrower.
    Column("from", "From", "From", 13, 13, 5, grow=20),
    Column("to", "To", "To", 13, 13, 6, grow=24),
    Column("name", "Conference / MPC", "Name", 16, 8, 4, grow=40),
    Column("duration", "Duration", "Dur", 8, 7, 1, right=True),
    Column("format", "Fmt", "Fmt", 4, 3, 8),
    Column("days", "Days", "Days", 5, 4, 7, right=True),
    Column("money", "$/month", "$/mo", 9, 8, 2, right=True),
)

MARK_WIDTH = 2
"""The mark glyph column plus its gap."""


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    columns: tuple[tuple[Column, int], ...]
    gap: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column, _ in self.columns)


def layout_columns(width: int, columns: Iterable[Column] = COLUMNS) -> Layout:
    """Choose columns and widths for `width` cells.

    Columns are taken by priority at their preferred width while they fit (so a narrow table
    shows a few readable columns rather than many truncated ones), then remaining columns at
    their minimum width, and finally spare cells let the free-text columns grow.
    """
    order = list(columns)
    available = max(1, width - MARK_WIDTH)
    by_priority = sorted(order, key=lambda c: c.priority)
    widths: dict[str, int] = {}

    def used() -> int:
        return sum(widths.values()) + len(widths) - 1

    # First the most important columns at a comfortable width, stopping at the first that does
    # not fit (so lower priorities never crowd out higher ones); then whatever else still fits
    # at its minimum width.
    for column in by_priority:
        widths[column.key] = column.min_width if column.snap else column.width
        if used() > available:
            del widths[column.key]
            break
    if not widths and by_priority[0].min_width > available:
        # Absurdly narrow: the most important column alone, cut to fit.
        widths[by_priority[0].key] = available
    for column in by_priority:
        if column.key not in widths:
            widths[column.key] = column.min_width
            if used() > available:
                del widths[column.key]
    extra = available - used()
    chosen = [c for c in by_priority if c.key in widths]
    for column in chosen:
        # Grow towards the preferred width; a snapping column (the timestamp: with or without
        # seconds) grows all the way or not at all.
        need = column.width - widths[column.key]
        if need > 0 and (extra >= need or not column.snap):
            widths[column.key] += min(extra, need)
            extra -= min(extra, need)
    # The free-text columns share what is left in proportion to how much they may grow.
    growing = [c for c in chosen if c.grow]
    budget = min(extra, sum(c.grow for c in growing))
    if budget > 0:
        total_grow = sum(c.grow for c in growing)
        for column in growing:
            add = min(column.grow, budget * column.grow // total_grow)
            widths[column.key] += add
            extra -= add
    # Spare cells left on a wide terminal go into the gaps, which reads much better than a
    # ragged empty band on the right.
    gap = 2 if len(widths) > 1 and extra >= len(widths) - 1 else 1
    return Layout(width, tuple((c, widths[c.key]) for c in order if c.key in widths), gap)


def _type_text(value: str | None, width: int) -> str:
    if not value:
        return "—"
    text = safe_text(value)
    if len(text) > width and text == "conference":
        return "conf"
    return text


def _money(recording: Recording, now: datetime) -> tuple[str, bool]:
    """The monthly storage charge as text, and whether it is non-zero (billed)."""
    amount = recording_cost(recording, now).monthly_amount
    return format_money(amount), bool(amount)


def cells(recording: Recording, layout: Layout, utc: bool, now: datetime) -> list[tuple[str, str]]:
    """(text, style-name) for each column of the layout; style-name "" means the row style."""
    out: list[tuple[str, str]] = []
    for column, width in layout.columns:
        key = column.key
        style = ""
        if key == "added":
            text = format_time(recording.add_time, utc=utc, seconds=width >= 19)
            text = text.removesuffix(" UTC")  # the header says "UTC"; the cells stay short
        elif key == "type":
            text = _type_text(recording.recording_type, width)
        elif key == "from":
            text = safe_text(recording.from_number) if recording.from_number else "—"
        elif key == "to":
            text = safe_text(recording.to_number) if recording.to_number else "—"
        elif key == "name":
            name = recording.meeting_name
            text = safe_text(name) if name else "—"
        elif key == "duration":
            text = format_duration(recording.duration_s)
        elif key == "format":
            text = safe_text(recording.recording_format) if recording.recording_format else "—"
        elif key == "days":
            days = recording.recording_storage_duration
            text = str(days if days is not None else storage_days(recording.add_time, now))
        else:  # money
            text, billed = _money(recording, now)
            # Free storage is the common, uninteresting case: it recedes; charges stand out.
            style = "recording-table--billed" if billed else "recording-table--muted"
        if text == "—":
            style = "recording-table--muted"
        out.append((fit(text, width, column.right), style))
    return out


def unavailable_reason(row: Any) -> str:
    """A one-line reason for the listing's stand-in of a malformed row."""
    reason = getattr(row, "reason", None) or getattr(row, "error", None) or row
    return safe_text(" ".join(str(reason).split()))


def header_text(layout: Layout, utc: bool) -> str:
    """The sticky header line: each column's title, short where the full one does not fit."""
    parts = [" " * MARK_WIDTH]
    for number, (column, column_width) in enumerate(layout.columns):
        if number:
            parts.append(" " * layout.gap)
        header = column.header if len(column.header) <= column_width else column.short_header
        if column.key == "added" and utc:
            header = "Added (UTC)" if column_width >= 11 else "UTC"
        parts.append(fit(header, column_width, column.right))
    return "".join(parts)
