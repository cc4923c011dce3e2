"""What the recording table shows, as plain text: the columns, how they fit a width, and each
cell's text and style. Pure (no Textual): tested without an App, and the widget
(rectui/ui/widgets/recording_table.py) only turns it into Strips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.cells import cell_len, set_cell_size

from ...formatting import format_duration, format_money, format_time
from ...listing.columns import DEFAULT_COLUMNS, who_text
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


def fit_middle(text: str, width: int) -> str:
    """`text` in exactly `width` cells, cut in the middle when too long: both ends of a number
    tell numbers apart (`+1415…0123`), and a SIP URI keeps its domain
    (`sip:dave…@phone.plivo.com`)."""
    if len(text) <= width or not text.isascii() or width < 5:
        return fit(text, width)
    at = text.find("@")
    if text.startswith("sip:") and at > 0:
        head = width - 1 - (len(text) - at)
        # Too narrow for the domain: the user tells them apart better than the domain.
        return text[:head] + "…" + text[at:] if head >= 5 else fit(text, width)
    head = width // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


ARROW = " → "


def who_cell(recording: Recording, width: int) -> str:
    """The Who column: the conference or MPC name, else From → To with each end cut in its
    middle, in `width` cells."""
    name = recording.meeting_name
    if name:
        return fit(safe_text(name), width)
    ends = [safe_text(n) for n in (recording.from_number, recording.to_number) if n]
    if len(ends) < 2:
        return fit_middle(ends[0] if ends else "—", width)
    a, b = ends
    room = width - len(ARROW)
    if len(a) + len(b) <= room or room < 10:
        return fit_middle(a + ARROW + b, width)
    # Each end gets half, or what the other end leaves over.
    a_width = len(a) if len(a) <= room // 2 else max(room // 2, room - len(b))
    return fit_middle(a, a_width) + ARROW + fit_middle(b, room - a_width)


# -- columns and layout -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    short_header: str
    width: int
    """What it gets before any row is measured (typical content)."""
    min_width: int
    """Narrowest it gets (never narrower than its content for numbers: those are dropped
    rather than cut)."""
    most: int
    """The widest it gets, whatever the rows hold (a hostile server's 50,000-character name)."""
    priority: int
    """0 is dropped last when the table is narrow."""
    right: bool = False
    steps: tuple[int, ...] = ()
    """The only widths it takes, narrowest first (the timestamp: with or without the year and
    the seconds); empty: any width from min_width up."""


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        # key, header, short header, width, minimum, most, priority (0 = kept longest)
        Column("added", "Added", "Added", 19, 11, 19, 0, steps=(11, 16, 19)),
        Column("who", "Who", "Who", 28, 19, 60, 1),
        Column("duration", "Duration", "Dur", 5, 10, 10, 2, right=True),
        Column("money", "$/month", "$/mo", 5, 12, 12, 3, right=True),
        Column("type", "Type", "Type", 10, 6, 12, 4, steps=(6, 10)),  # "conf" or "conference"
        Column("days", "Days", "Days", 4, 6, 6, 5, right=True),
        Column("format", "Fmt", "Fmt", 3, 6, 6, 6),
        # A cut number is still told apart by its ends (fit_middle).
        Column("from", "From", "From", 13, 10, 30, 7),
        Column("to", "To", "To", 13, 10, 30, 8),
        Column("name", "Conference / MPC", "Name", 16, 8, 40, 7),
        Column("owner", "Owner", "Owner", 20, 10, 20, 9),
        Column("id", "ID", "ID", 36, 13, 36, 10),
    )
}
"""Every column the table can show; `columns` in the configuration picks and orders them."""

MARK_WIDTH = 2
"""The mark glyph column plus its gap."""

SORT_ARROWS = {True: "▼", False: "▲"}


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    columns: tuple[tuple[Column, int], ...]
    gap: int
    sort: tuple[str, bool] | None = None
    """(column, descending) the header marks, if that column is shown."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column, _ in self.columns)

    def column_at(self, x: int) -> str | None:
        """The column under cell `x` of a line (a click on the header), gaps included."""
        left = MARK_WIDTH
        for column, width in self.columns:
            if left <= x < left + width + self.gap:
                return column.key
            left += width + self.gap
        return None


def layout_columns(
    width: int,
    names: Iterable[str] = DEFAULT_COLUMNS,
    measured: Mapping[str, int] | None = None,
    sort: tuple[str, bool] | None = None,
) -> Layout:
    """Choose columns and widths for `width` cells.

    `measured` is the widest text of each column in the rows on screen: widths follow content.
    Columns are taken by priority at their narrowest while they fit (a column that does not fit
    is dropped whole, never squeezed below its minimum); the spare cells then widen the free
    columns (Who) to their usual width, the stepped ones (the timestamp), the free columns to
    their content, make room for full headers, and last widen the gaps.
    """
    order = [COLUMNS[name] for name in names]
    measured = measured or {}
    available = max(1, width - MARK_WIDTH)
    sort_key = sort[0] if sort else None

    def title(column: Column, text: str) -> int:
        return len(text) + (2 if column.key == sort_key else 0)  # " ▼"

    want = {
        c.key: max(title(c, c.short_header), min(c.most, measured.get(c.key, c.width)))
        for c in order
    }
    least = {c.key: min(c.steps[0] if c.steps else c.min_width, want[c.key]) for c in order}
    by_priority = sorted(order, key=lambda c: c.priority)
    widths: dict[str, int] = {}

    def spare() -> int:
        return available - (sum(widths.values()) + len(widths) - 1)

    for column in by_priority:
        widths[column.key] = least[column.key]
        if spare() < 0:
            del widths[column.key]
        if not widths:
            # Absurdly narrow: the most important column alone, cut to fit.
            widths[column.key] = available
            break
    chosen = [c for c in by_priority if c.key in widths]
    free = [c for c in chosen if not c.steps]
    # Free columns to their usual width, then the stepped ones (the timestamp's year and
    # seconds), then the free columns to their content (a long SIP URI).
    for column, most in (
        [(c, c.width) for c in free]
        + [(c, 0) for c in chosen if c.steps]
        + [(c, c.most) for c in free]
    ):
        goal = min(want[column.key], most) if most else want[column.key]
        if column.steps:
            fits = [w for w in column.steps if w <= min(goal, widths[column.key] + spare())]
            goal = max(fits, default=widths[column.key])
        widths[column.key] = max(widths[column.key], min(goal, widths[column.key] + spare()))
    for column in chosen:
        # Room for the full header ("Duration" rather than "Dur").
        need = title(column, column.header) - widths[column.key]
        if 0 < need <= spare():
            widths[column.key] += need
    # Spare cells left on a wide terminal go into the gaps, which reads better than columns
    # packed against a ragged empty band on the right.
    gap = 2 if len(widths) > 1 and spare() >= len(widths) - 1 else 1
    return Layout(width, tuple((c, widths[c.key]) for c in order if c.key in widths), gap, sort)


def _type_text(value: str | None, width: int | None) -> str:
    if not value:
        return "—"
    text = safe_text(value)
    if width is not None and len(text) > width and text == "conference":
        return "conf"
    return text


def _money(recording: Recording, now: datetime) -> tuple[str, bool]:
    """The monthly storage charge as text, and whether it is non-zero (billed)."""
    amount = recording_cost(recording, now).monthly_amount
    return format_money(amount), bool(amount)


def _plain(value: str | None) -> str:
    return safe_text(value) if value else "—"


def cell_text(recording: Recording, key: str, width: int | None, utc: bool, now: datetime) -> str:
    """A column's text for one recording, before it is fitted (`width` None: as wide as it
    wants, for measuring)."""
    if key == "added":
        seconds = width is None or width >= 19
        # The header says "UTC"; the cells stay short; a narrow table drops the year.
        text = format_time(recording.add_time, utc=utc, seconds=seconds).removesuffix(" UTC")
        return text if width is None or width >= 16 else text[5:]
    if key == "type":
        return _type_text(recording.recording_type, width)
    if key == "who":
        return _plain(who_text(recording))
    if key == "duration":
        return format_duration(recording.duration_s)
    if key == "days":
        days = recording.recording_storage_duration
        return str(days if days is not None else storage_days(recording.add_time, now))
    if key == "money":
        return _money(recording, now)[0]
    if key == "name":
        return _plain(recording.meeting_name)
    if key == "owner":
        return _plain(recording.owner_auth_id)
    attr = {"format": "recording_format", "from": "from_number", "to": "to_number"}
    return _plain(getattr(recording, attr.get(key, "recording_id")))


def text_widths(
    recording: Recording, names: Iterable[str], utc: bool, now: datetime
) -> dict[str, int]:
    """How wide each column's text is for one recording (`widest` combines rows)."""
    # "added" is left out: it is always as wide as its format.
    return {
        key: cell_len(cell_text(recording, key, None, utc, now)) for key in names if key != "added"
    }


def widest(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The widest text of each column over rows' `text_widths` (what `layout_columns` calls
    measured)."""
    out: dict[str, int] = {}
    for widths in rows:
        for key, length in widths.items():
            if length > out.get(key, 0):
                out[key] = length
    return out


_MIDDLE_CUT = {"from", "to", "id", "owner"}


def cells(recording: Recording, layout: Layout, utc: bool, now: datetime) -> list[tuple[str, str]]:
    """(text, style-name) for each column of the layout; style-name "" means the row style."""
    out: list[tuple[str, str]] = []
    for column, width in layout.columns:
        key = column.key
        style = ""
        if key == "who":
            text = who_cell(recording, width)
        else:
            raw = cell_text(recording, key, width, utc, now)
            text = fit_middle(raw, width) if key in _MIDDLE_CUT else fit(raw, width, column.right)
        if key == "money":
            # Free storage is the common, uninteresting case: it recedes; charges stand out.
            billed = _money(recording, now)[1]
            style = "recording-table--billed" if billed else "recording-table--muted"
        if text.strip() == "—":
            style = "recording-table--muted"
        out.append((text, style))
    return out


def unavailable_reason(row: Any) -> str:
    """A one-line reason for the listing's stand-in of a malformed row."""
    reason = getattr(row, "reason", None) or getattr(row, "error", None) or row
    return safe_text(" ".join(str(reason).split()))


def header_text(layout: Layout, utc: bool) -> str:
    """The sticky header line: each column's title, short where the full one does not fit, and
    ▲ or ▼ on the column the rows are sorted by."""
    parts = [" " * MARK_WIDTH]
    sort_key, descending = layout.sort or (None, False)
    for number, (column, column_width) in enumerate(layout.columns):
        if number:
            parts.append(" " * layout.gap)
        arrow = f" {SORT_ARROWS[descending]}" if column.key == sort_key else ""
        header = column.header
        if len(header) + len(arrow) > column_width:
            header = column.short_header
        if column.key == "added" and utc:
            header = "Added (UTC)" if column_width >= 11 + len(arrow) else "UTC"
        parts.append(fit(header + arrow, column_width, column.right))
    return "".join(parts)
