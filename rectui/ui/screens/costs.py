"""The storage-cost view (`$`): what the current filter's recordings cost, and where.

It reads every row of the filter (`iter_all`, with a progress bar; esc stops it) into a
`CostSummary` (rectui.triage.costs: all arithmetic through rectui.plivo.pricing) and shows the
totals, a weekly bar chart (recordings, cost or minutes: `m` switches) and the ten costliest
recordings. Once everything is loaded the main table can be sorted by cost, duration or age
from here (c / u / a), and Enter on a costly row jumps to it in the table.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, ProgressBar, Static

from rectui.error_text import one_line
from rectui.formatting import format_money, format_time
from rectui.plivo.pricing import FREE_STORAGE_DAYS
from rectui.plivo.recording_cost import recording_cost
from rectui.triage.costs import PROJECTION_DAYS, CostSummary, WeekBucket, summarize_async

from ...server_text import safe_text
from ..actions import bindings
from ..widgets.key_footer import KeyFooter

BLOCKS = " ▁▂▃▄▅▆▇█"
CHART_ROWS = 6

METRICS: tuple[tuple[str, str], ...] = (
    ("count", "Recordings per week"),
    ("cost", "Monthly storage cost per week ($)"),
    ("minutes", "Billable minutes per week"),
)


def bucket_value(bucket: WeekBucket, metric: str) -> Decimal:
    if metric == "count":
        return Decimal(bucket.count)
    if metric == "cost":
        return bucket.monthly_cost
    return bucket.billable_minutes


def axis_number(value: Decimal, metric: str) -> str:
    if metric == "cost":
        return format_money(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def number(value: Decimal | int) -> str:
    """Thousands separators; whole numbers without decimals, others to one decimal."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def bar_chart(buckets: list[WeekBucket], metric: str, width: int) -> Text:
    """Weekly bars drawn with block characters, with a labelled y axis (0 and the maximum) and
    an x axis of week dates (UTC Mondays). Weeks are merged when there are more than columns."""
    if not buckets:
        return Text("No recordings: nothing to chart", style="dim")
    values = [bucket_value(b, metric) for b in buckets]
    top = max(values)
    top_label = axis_number(top, metric)
    label_width = max(len(top_label), 1)
    room = max(1, width - label_width - 2)
    group = max(1, math.ceil(len(values) / room))
    merged = [sum(values[i : i + group], Decimal(0)) for i in range(0, len(values), group)]
    starts = [buckets[i].start for i in range(0, len(buckets), group)]
    top = max(merged)
    top_label = axis_number(top, metric)
    label_width = max(len(top_label), 1)
    column = max(1, min(6, room // len(merged)))
    bar = max(1, column - 1) if column > 2 else column
    eighths = [
        0 if top <= 0 else max(1 if v > 0 else 0, round(float(v / top) * CHART_ROWS * 8))
        for v in merged
    ]
    text = Text(no_wrap=True, overflow="crop")
    for row in range(CHART_ROWS):
        level = CHART_ROWS - 1 - row
        label = top_label if row == 0 else ""
        text.append(f"{label:>{label_width}} ┤", style="dim")
        for filled in eighths:
            fill = min(8, max(0, filled - level * 8))
            text.append(BLOCKS[fill] * bar, style="bold")
            text.append(" " * (column - bar))
        text.append("\n")
    plot = column * len(merged)
    text.append(f"{'0':>{label_width}} └" + "─" * plot + "\n", style="dim")
    first, last = starts[0].isoformat(), starts[-1].isoformat()
    caption = "week starting (UTC)"
    axis = " " * (label_width + 2)
    if len(merged) == 1:
        axis += f"{first}  {caption}"
    elif plot >= len(first) + len(last) + len(caption) + 4:
        gap = plot - len(first) - len(last) - len(caption)
        axis += first + " " * (gap // 2) + caption + " " * (gap - gap // 2) + last
    elif plot >= len(first) + len(last) + 1:
        axis += first + " " * (plot - len(first) - len(last)) + last
    else:
        axis += f"{first} → {last}  {caption}"
    text.append(axis, style="dim")
    return text


class WeekChart(Static):
    """The weekly bar chart; re-drawn for its width."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.buckets: list[WeekBucket] = []
        self.metric = METRICS[0][0]

    def show(self, buckets: list[WeekBucket], metric: str) -> None:
        self.buckets = buckets
        self.metric = metric
        self.border_title = dict(METRICS)[metric]
        self.border_subtitle = "m: recordings · cost · minutes"
        self.refresh(layout=True)

    def render(self) -> Text:
        return bar_chart(self.buckets, self.metric, max(10, self.content_size.width))


@dataclass(frozen=True, slots=True)
class CostActions:
    """What the cost view can do to the main table."""

    sort: Callable[[str], None]
    goto: Callable[[str], None]


class CostScreen(ModalScreen[None]):
    """Full screen, but modal: the main screen's keys (d, p, /…) do nothing here."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("costs")

    def __init__(
        self,
        rows: Callable[[], AsyncIterator[object]],
        *,
        total: int,
        now: datetime,
        summary: str,
        utc: bool,
        actions: CostActions,
    ) -> None:
        """`rows()` iterates every recording of the filter (raising if it cannot: the one-line
        message is shown)."""
        super().__init__(id="cost-screen")
        self._rows = rows
        self.total = total
        self.now = now
        self.filter_summary = summary
        self.utc = utc
        self.actions = actions
        self.summary: CostSummary | None = None
        self.error: str | None = None
        self._metric = 0

    def compose(self) -> ComposeResult:
        yield Label(f"Storage costs · {self.filter_summary}", id="cost-title", markup=False)
        with Vertical(id="cost-loading"):
            # Error text from the server lands here: never read it as markup.
            yield Label(
                f"Reading {self.total:,} recordings… esc stops",
                id="cost-loading-text",
                markup=False,
            )
            yield ProgressBar(total=max(1, self.total), show_eta=False, id="cost-progress")
        with Horizontal(id="cost-top"):
            yield Static("", id="cost-facts")
            yield WeekChart(id="cost-chart")
        table: DataTable[Text] = DataTable(id="cost-top10", cursor_type="row", zebra_stripes=True)
        table.border_title = "Costliest 10 (today's monthly storage cost)"
        table.border_subtitle = "enter: show in the table"
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#cost-top", Horizontal).display = False
        self.query_one("#cost-top10", DataTable).display = False
        self._load()

    @property
    def loaded(self) -> bool:
        return self.summary is not None

    @work(exclusive=True, group="costs", exit_on_error=False)
    async def _load(self) -> None:
        bar = self.query_one("#cost-progress", ProgressBar)
        text = self.query_one("#cost-loading-text", Label)

        def progress(seen: int) -> None:
            bar.update(total=max(1, self.total, seen), progress=seen)
            if seen % 20 == 0 or seen == self.total:
                text.update(f"Reading {seen:,} of {self.total:,} recordings… esc stops")

        try:
            summary = await summarize_async(self._rows(), now=self.now, progress=progress)  # type: ignore[arg-type]
        except Exception as exc:
            self._fail(one_line(exc))
            return
        self.summary = summary
        self._show(summary)

    def _fail(self, message: str) -> None:
        self.error = self.app.redact(message) if hasattr(self.app, "redact") else message
        label = self.query_one("#cost-loading-text", Label)
        label.update(f"Could not read every recording: {self.error} · esc goes back")
        label.add_class("-error")

    # -- showing --------------------------------------------------------------------------------

    def _show(self, summary: CostSummary) -> None:
        self.query_one("#cost-loading", Vertical).display = False
        self.query_one("#cost-top", Horizontal).display = True
        self.query_one("#cost-facts", Static).update(self._facts(summary))
        self.query_one(WeekChart).show(summary.weeks, METRICS[self._metric][0])
        table = self.query_one("#cost-top10", DataTable)
        table.display = True
        table.clear(columns=True)
        for label, key in (
            ("#", "rank"),
            ("Added", "added"),
            ("Days", "days"),
            ("Billable", "minutes"),
            ("$/month", "cost"),
            ("Call / conference", "who"),
            ("Recording id", "id"),
        ):
            table.add_column(label, key=key)
        for rank, costly in enumerate(summary.costliest, 1):
            rec = costly.recording
            who = rec.meeting_name or " → ".join(x for x in (rec.from_number, rec.to_number) if x)
            table.add_row(
                Text(str(rank), justify="right"),
                Text(format_time(rec.add_time, utc=self.utc, seconds=False)),
                # The detail pane's count: the server's where it sent one.
                Text(str(recording_cost(rec, self.now).days), justify="right"),
                Text(f"{number(costly.billable_minutes)} min", justify="right"),
                Text(format_money(costly.monthly_cost), justify="right"),
                Text(safe_text(who or "—")),
                Text(safe_text(rec.recording_id)),
                key=rec.recording_id,
            )
        # Empty: why (the core says it, as `rectui costs` does), not a bare frame.
        table.border_subtitle = summary.costliest_empty_reason or "enter: show in the table"
        table.focus()

    def _facts(self, s: CostSummary) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(justify="right", style="bold", no_wrap=True)
        rows = [
            ("Recordings", number(s.count)),
            ("Total minutes", f"{s.total_minutes:,.1f}"),
            ("Billable minutes", number(s.billable_minutes)),
            (f"Past the free {FREE_STORAGE_DAYS} days", number(s.past_free_count)),
            ("Monthly storage cost today", format_money(s.monthly_cost)),
            (f"Projected in {PROJECTION_DAYS} days", format_money(s.projected_monthly_cost)),
        ]
        if s.unknown_duration:
            rows.append(("Without a duration", number(s.unknown_duration)))
        for label, value in rows:
            grid.add_row(label, value)
        return grid

    # -- keys -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("metric", "sort") and not self.loaded:
            return None  # shown, greyed out, until every row is in
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_metric(self) -> None:
        if self.summary is None:
            return
        self._metric = (self._metric + 1) % len(METRICS)
        self.query_one(WeekChart).show(self.summary.weeks, METRICS[self._metric][0])

    def action_sort(self, name: str) -> None:
        if self.summary is None:
            return
        self.dismiss(None)
        self.actions.sort(name)

    @on(DataTable.RowSelected, "#cost-top10")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        self.dismiss(None)
        self.actions.goto(str(event.row_key.value))
