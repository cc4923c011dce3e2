"""The detail pane: every field of the highlighted recording, made readable, costs checked.

Everything the server sent is shown through `rich.text.Text`, never as markup: a conference called
`[red]x[/]` must read exactly like that; and through `safe_text`, so its control characters are
shown, never sent to the terminal.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rectui.formatting import format_duration, format_minutes, format_money, format_time
from rectui.plivo.models import Recording
from rectui.plivo.pricing import (
    FREE_STORAGE_DAYS,
)
from rectui.plivo.recording_cost import recording_cost
from rectui.server_text import safe_json, safe_text

from .transcript_view import TranscriptView

Clock = Callable[[], datetime]


def _epoch_ms(value: float | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


MAX_SHOWN_CHARS = 1000
"""A longer field (a hostile server's 50,000-character name) is cut: folding all of it into the
pane would take it seconds on every highlight."""


def _text(value: Any, style: str = "") -> Text:
    """Server text, literally and with its controls made visible; None becomes a dim dash."""
    if value is None or value == "":
        return Text("—", style="dim")
    whole = value if isinstance(value, str) else str(value)
    text = Text(safe_text(whole[:MAX_SHOWN_CHARS]), style=style)
    if len(whole) > MAX_SHOWN_CHARS:
        text.append(f"… ({len(whole) - MAX_SHOWN_CHARS:,} more characters)", style="dim")
    return text


Row = tuple[str, Text]


def _owner(auth_id: str | None) -> Text:
    """Whose recording it is: the account or which subaccount (read from its URLs)."""
    if not auth_id:
        return _text(None)
    kind = "subaccount" if auth_id.startswith("SA") else "main account"
    text = _text(auth_id)
    text.append(f"  {kind}", style="dim")
    return text


def detail_sections(
    recording: Recording, now: datetime, *, utc: bool
) -> list[tuple[str, list[Row]]]:
    """The pane's content as (section, [(label, value)]) so tests can read it without a screen."""
    rec = recording
    cost = recording_cost(rec, now)

    duration = Text(format_duration(rec.duration_s, tenths=True))
    if cost.billable_minutes is not None:
        duration.append(f"  billed as {format_minutes(cost.billable_minutes)}", style="dim")
        if cost.rounded_computed:
            duration.append(" (computed)", style="dim italic")
    recording_rows: list[Row] = [
        ("ID", _text(rec.recording_id, "bold")),
        ("Owner", _owner(rec.owner_auth_id)),
        ("Type", _text(rec.recording_type)),
        ("Format", _text(rec.recording_format)),
        ("Duration", duration),
    ]

    start, end = _epoch_ms(rec.recording_start_ms), _epoch_ms(rec.recording_end_ms)
    time_rows: list[Row] = [
        ("Added (UTC)", Text(format_time(rec.add_time, utc=True))),
        ("Added (local)", Text(format_time(rec.add_time))),
        ("Started", Text(format_time(start, utc=utc)) if start else _text(None)),
        ("Ended", Text(format_time(end, utc=utc)) if end else _text(None)),
    ]

    stored = Text(f"{cost.days} day{'s' if cost.days != 1 else ''}")
    if cost.days_computed:
        stored.append(" (counted from add time)", style="dim italic")
    free_until = cost.free_until.astimezone(UTC).strftime("%Y-%m-%d")
    if cost.in_free_period:
        left = max(0, FREE_STORAGE_DAYS - cost.days)
        free = Text(f"free for {left} more day{'s' if left != 1 else ''}", style="green")
        free.append(f" (until {free_until})", style="dim")
    else:
        free = Text(f"free period ended {free_until}")
    monthly = Text(format_money(cost.server_amount))
    expected = Text(format_money(cost.expected_amount))
    if cost.mismatch:
        expected.append("  ⚠ differs from the server's amount", style="bold yellow")
        if monthly.plain == expected.plain.split("  ")[0]:  # equal once rounded: say exactly
            expected.append(f" ({cost.server_amount} vs {cost.expected_amount})", style="dim")
    elif cost.server_amount is not None and cost.expected_amount is not None:
        expected.append("  ✓ matches", style="green")
    storage_rows: list[Row] = [
        ("Stored", stored),
        ("Free storage", free),
        ("Rate", Text(f"{format_money(cost.rate)} /min/month")),
        ("Monthly", monthly),
        ("Expected", expected),
    ]

    call_rows: list[Row] = [
        ("From", _text(rec.from_number)),
        ("To", _text(rec.to_number)),
        ("Call UUID", _text(rec.call_uuid)),
        ("Conference", _text(rec.conference_name)),
        ("Conf. UUID", _text(rec.conference_uuid)),
        ("Multiparty", _text(rec.mpc_name)),
        ("MPC UUID", _text(rec.mpc_uuid)),
    ]
    link_rows: list[Row] = [
        ("URL", _text(rec.recording_url)),
        ("Resource", _text(rec.resource_uri)),
    ]
    sections = [
        ("Recording", recording_rows),
        ("Time", time_rows),
        ("Storage", storage_rows),
        ("Call", call_rows),
        ("Links", link_rows),
    ]
    if rec.extra:
        extra_rows: list[Row] = []
        for key, value in sorted(rec.extra.items()):
            shown = value if isinstance(value, str) else safe_json(value)
            extra_rows.append((key, _text(shown)))
        sections.append(("Other fields", extra_rows))
    return sections


LABEL_WIDTH = 13
_GAP = " "
_WRAPPER = Console(width=200, color_system=None, file=io.StringIO())
"""Only for wrapping Text (tabs, cell widths); nothing is printed through it."""


def render_details(recording: Recording | None, now: datetime, *, utc: bool, width: int) -> Text:
    """The pane's content as lines already wrapped to `width` columns: a dim label column, then
    the value (long values such as URLs fold). Plain lines rather than a Rich table, whose
    measuring was most of what a cursor move cost in bench/table.py's profile; and the height is
    known without measuring."""
    if recording is None:
        return Text("No recording selected.", style="dim")
    value_width = max(8, width - LABEL_WIDTH - len(_GAP))
    out = Text()
    for n, (title, rows) in enumerate(detail_sections(recording, now, utc=utc)):
        if n:
            out.append("\n\n")
        out.append(title, style="bold underline")
        for label, value in rows:
            for k, line in enumerate(value.wrap(_WRAPPER, value_width, overflow="fold")):
                out.append("\n")
                out.append(f"{label if k == 0 else '':<{LABEL_WIDTH}.{LABEL_WIDTH}}", "dim")
                out.append(_GAP)
                out.append_text(line)
    return out


def _line_count(text: Text) -> int:
    return text.plain.count("\n") + 1


class _Body(Static):
    def on_resize(self) -> None:
        # A new width (the pane resized, or its scrollbar came or went): wrap again.
        if isinstance(self.parent, DetailPane):
            self.parent.rewrap()


class DetailPane(VerticalScroll, can_focus=True):
    """Scrollable; focus it (Enter on the table) to scroll long URLs and extra fields."""

    BORDER_TITLE = "Details"

    def __init__(self, clock: Clock, *, utc: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.utc = utc
        self.recording: Recording | None = None
        self._lines = 0
        """How many lines the body shows (its height)."""

    def compose(self) -> ComposeResult:
        text = render_details(None, self.clock(), utc=self.utc, width=80)
        self._lines = _line_count(text)
        yield _Body(text, id="detail-body")
        yield TranscriptView(id="transcript-view")

    @property
    def transcript(self) -> TranscriptView:
        return self.query_one("#transcript-view", TranscriptView)

    def show_transcript(self, shown: bool) -> None:
        """Show the transcript instead of the fields (or the fields again)."""
        self.set_class(shown, "-transcript")
        self.border_title = "Transcript" if shown else "Details"
        self.scroll_home(animate=False)

    def show(self, recording: Recording | None) -> None:
        if recording is self.recording:
            return
        self.recording = recording
        self.rewrap()
        self.scroll_home(animate=False)

    def rewrap(self) -> None:
        body = self.query_one("#detail-body", Static)
        width = body.size.width or self.scrollable_content_region.width
        text = render_details(self.recording, self.clock(), utc=self.utc, width=max(1, width))
        lines = _line_count(text)
        if self.recording is None and lines < self._lines:
            # Blank lines keep the height while the cursor passes rows still loading (G, paging),
            # so neither that nor the next recording (as tall, mostly) lays out the screen again.
            text.append("\n" * (self._lines - lines))
            lines = self._lines
        # As many lines (the text comes wrapped to the body's width): nothing moves, so skip the
        # screen's layout pass (which every other widget pays for too).
        body.update(text, layout=lines != self._lines)
        self._lines = lines
