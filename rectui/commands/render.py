"""Plain-text and JSON renderings of recordings and cost summaries for a terminal or a script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..formatting import format_duration, format_money, format_time
from ..plivo.models import Recording
from ..server_text import safe_text
from ..triage import fields
from ..triage.costs import CostSummary, sparkline


@dataclass(frozen=True, slots=True)
class TableColumn:
    heading: str
    width: int
    align: str
    field: str
    """The key of `table_values` (or of the export's row values) it shows."""


TABLE_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("RECORDING ID", 36, "<", "recording_id"),
    TableColumn("ADDED", 19, "<", "add_time"),
    TableColumn("TYPE", 10, "<", "recording_type"),
    TableColumn("FMT", 3, "<", "recording_format"),
    TableColumn("DURATION", 8, ">", "duration"),
    TableColumn("FROM", 16, "<", "from_number"),
    TableColumn("TO", 22, "<", "to_number"),
    TableColumn("DAYS", 5, ">", "days_stored"),
    TableColumn("COST/MO", 9, ">", "monthly_cost"),
)


def table_values(rec: Recording, now: datetime, utc: bool) -> dict[str, str]:
    """The default table's cells, readable: local (or UTC) time, 1:05 durations, dollars."""
    computed = fields.compute(rec, now)
    return {
        "recording_id": rec.recording_id,
        "add_time": format_time(rec.add_time, utc=utc).removesuffix(" UTC"),
        "recording_type": rec.recording_type or "",
        "recording_format": rec.recording_format or "",
        "duration": format_duration(rec.duration_s),
        "from_number": rec.from_number or "",
        "to_number": rec.to_number or "",
        "days_stored": str(computed.days_stored),
        "monthly_cost": format_money(computed.monthly_cost),
    }


def recording_table(rec: Recording, now: datetime, utc: bool) -> list[tuple[str, str]]:
    c = fields.compute(rec, now)
    rows = [
        ("recording_id", rec.recording_id),
        ("added", f"{format_time(rec.add_time, utc=True)} ({format_time(rec.add_time)} local)"),
        ("type", rec.recording_type or "—"),
        ("format", rec.recording_format or "—"),
        ("duration", format_duration(rec.duration_s, tenths=True)),
        ("billed duration", "—" if c.rounded_seconds is None else f"{c.rounded_seconds} s"),
        ("billable minutes", "—" if c.billable_minutes is None else f"{c.billable_minutes}"),
        ("from", rec.from_number or "—"),
        ("to", rec.to_number or "—"),
        ("call_uuid", rec.call_uuid or "—"),
        ("conference", rec.meeting_name or "—"),
        ("days stored", str(c.days_stored)),
        ("free storage until", format_time(c.free_until, utc=utc, seconds=False)),
        ("storage rate", f"{format_money(c.rate)} per minute per month"),
        ("monthly cost", format_money(c.monthly_cost) + ("" if c.past_free else " (still free)")),
        ("server's monthly amount", format_money(rec.monthly_recording_storage_amount)),
        ("media", rec.recording_url or "—"),
    ]
    return rows


def costs_json(summary: CostSummary) -> dict[str, Any]:
    def money(value: Decimal) -> str:
        return f"{value.normalize():f}"

    return {
        "count": summary.count,
        "total_minutes": money(summary.total_minutes.quantize(Decimal("0.001"))),
        "billable_minutes": money(summary.billable_minutes),
        "past_free_count": summary.past_free_count,
        "monthly_cost": money(summary.monthly_cost),
        "projected_monthly_cost": money(summary.projected_monthly_cost),
        "unknown_duration": summary.unknown_duration,
        "costliest_empty_reason": summary.costliest_empty_reason,
        "costliest": [
            {
                "recording_id": c.recording.recording_id,
                "monthly_cost": money(c.monthly_cost),
                "billable_minutes": money(c.billable_minutes),
                "add_time": c.recording.add_time.astimezone(UTC).isoformat(),
            }
            for c in summary.costliest
        ],
        "weeks": [
            {
                "start": w.start.isoformat(),
                "count": w.count,
                "billable_minutes": money(w.billable_minutes),
                "monthly_cost": money(w.monthly_cost),
            }
            for w in summary.weeks
        ],
    }


def costs_text(summary: CostSummary, *, utc: bool) -> str:
    minutes = f"{summary.total_minutes:,.1f}"
    lines = [
        f"recordings               {summary.count:,}",
        f"recorded minutes         {minutes}",
        f"billable minutes         {summary.billable_minutes.normalize():,f}",
        f"past the free 90 days    {summary.past_free_count:,}",
        f"monthly cost now         {format_money(summary.monthly_cost)}",
        f"monthly cost in 30 days  {format_money(summary.projected_monthly_cost)}",
    ]
    if summary.weeks:
        chart = sparkline(w.monthly_cost for w in summary.weeks)
        first, last = summary.weeks[0].start, summary.weeks[-1].start
        lines.append(f"cost by week added       {chart}  (weeks of {first} … {last})")
    if summary.costliest_empty_reason:
        lines.append(f"costliest               none: {summary.costliest_empty_reason}")
    if summary.costliest:
        lines.append("costliest:")
        for c in summary.costliest:
            added = format_time(c.recording.add_time, utc=utc, seconds=False)
            lines.append(
                f"  {safe_text(c.recording.recording_id)}  {format_money(c.monthly_cost):>10}/mo  "
                f"{c.billable_minutes.normalize():f} min  added {added}"
            )
    return "\n".join(lines) + "\n"
