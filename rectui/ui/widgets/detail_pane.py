"""The detail pane: every field of the highlighted recording, made readable, costs checked.

Everything the server sent is shown through `rich.text.Text`, never as markup: a conference called
`[red]x[/]` must read exactly like that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rectui.formatting import format_duration, format_minutes, format_money, format_time
from rectui.plivo.models import Recording
from rectui.plivo.pricing import (
    FREE_STORAGE_DAYS,
    STORAGE_RATE,
    billable_minutes,
    expected_monthly_amount,
    free_storage_ends,
    past_free_period,
    rounded_duration_seconds,
    storage_days,
)

Clock = Callable[[], datetime]

AMOUNT_TOLERANCE = Decimal("0.00001")
"""Plivo prints amounts to five decimals; a smaller difference is rounding, not a billing error."""


@dataclass(frozen=True, slots=True)
class StorageCost:
    """The storage arithmetic for one recording, as shown and as tested."""

    days: int
    days_computed: bool
    """True when the server did not say how long it has been stored and we counted from add_time."""
    rounded_seconds: int | None
    rounded_computed: bool
    free_until: datetime
    rate: Decimal
    server_amount: Decimal | None
    expected_amount: Decimal | None

    @property
    def in_free_period(self) -> bool:
        return not past_free_period(self.days)

    @property
    def billable_minutes(self) -> Decimal | None:
        return None if self.rounded_seconds is None else billable_minutes(self.rounded_seconds)

    @property
    def mismatch(self) -> bool:
        """The server's monthly amount disagrees with what the pricing rules give."""
        if self.server_amount is None or self.expected_amount is None:
            return False
        return abs(self.server_amount - self.expected_amount) >= AMOUNT_TOLERANCE


def storage_cost(recording: Recording, now: datetime) -> StorageCost:
    days = recording.recording_storage_duration
    days_computed = days is None
    if days is None:
        days = storage_days(recording.add_time, now)
    rounded = recording.rounded_recording_duration
    rounded_computed = False
    if rounded is None and recording.recording_duration_ms is not None:
        rounded = rounded_duration_seconds(recording.recording_duration_ms)
        rounded_computed = True
    rate = recording.recording_storage_rate
    rate = STORAGE_RATE if rate is None else rate
    expected = None if rounded is None else expected_monthly_amount(rate, rounded, days)
    return StorageCost(
        days=days,
        days_computed=days_computed,
        rounded_seconds=rounded,
        rounded_computed=rounded_computed,
        free_until=free_storage_ends(recording.add_time),
        rate=rate,
        server_amount=recording.monthly_recording_storage_amount,
        expected_amount=expected,
    )


def _epoch_ms(value: float | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _text(value: Any, style: str = "") -> Text:
    """Server text, literally; None becomes a dim dash."""
    if value is None or value == "":
        return Text("—", style="dim")
    return Text(str(value), style=style)


Row = tuple[str, Text]


def detail_sections(
    recording: Recording, now: datetime, *, utc: bool
) -> list[tuple[str, list[Row]]]:
    """The pane's content as (section, [(label, value)]) so tests can read it without a screen."""
    rec = recording
    cost = storage_cost(rec, now)

    duration = Text(format_duration(rec.duration_s, tenths=True))
    if cost.billable_minutes is not None:
        duration.append(f"  billed as {format_minutes(cost.billable_minutes)}", style="dim")
        if cost.rounded_computed:
            duration.append(" (computed)", style="dim italic")
    recording_rows: list[Row] = [
        ("ID", _text(rec.recording_id, "bold")),
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
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            extra_rows.append((key, _text(shown)))
        sections.append(("Other fields", extra_rows))
    return sections


def render_details(recording: Recording | None, now: datetime, *, utc: bool) -> RenderableType:
    if recording is None:
        return Text("No recording selected.", style="dim")
    parts: list[RenderableType] = []
    for title, rows in detail_sections(recording, now, utc=utc):
        if parts:
            parts.append(Text(""))
        parts.append(Text(title, style="bold underline"))
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="dim", no_wrap=True, min_width=13, max_width=13)
        grid.add_column(ratio=1, overflow="fold")
        for label, value in rows:
            grid.add_row(Text(label), value)
        parts.append(grid)
    return Group(*parts)


class DetailPane(VerticalScroll, can_focus=True):
    """Scrollable; focus it (Enter on the table) to scroll long URLs and extra fields."""

    BORDER_TITLE = "Details"

    def __init__(self, clock: Clock, *, utc: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.utc = utc
        self.recording: Recording | None = None

    def compose(self) -> ComposeResult:
        yield Static(render_details(None, self.clock(), utc=self.utc), id="detail-body")

    def show(self, recording: Recording | None) -> None:
        if recording is self.recording:
            return
        self.recording = recording
        self.query_one("#detail-body", Static).update(
            render_details(recording, self.clock(), utc=self.utc)
        )
        self.scroll_home(animate=False)
