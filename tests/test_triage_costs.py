"""The storage-cost summary, from hand-made recordings with known answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from rectui.plivo.models import Recording
from rectui.triage.costs import CostAccumulator, sparkline, summarize, summarize_async

NOW = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def rec(rid: str, days_ago: float, duration_s: float | None, **extra: str) -> Recording:
    obj: dict[str, object] = {
        "recording_id": rid,
        "add_time": (NOW - timedelta(days=days_ago)).isoformat(sep=" "),
        **extra,
    }
    if duration_s is not None:
        obj["recording_duration_ms"] = f"{duration_s * 1000:.5f}"
    return Recording.from_api(obj)


def test_totals_free_period_projection_and_costliest() -> None:
    rows = [
        rec("old-long", 200, 3600),  # 60 billable minutes, past free: 0.024/month
        rec("old-short", 100, 20),  # under a minute bills as one: 0.0004
        rec("old-rated", 95, 120, recording_storage_rate="0.001"),  # own rate: 0.002
        rec("turning", 75, 600),  # free today, past 90 days within the next 30: 0.004 then
        rec("new", 1, 30),  # free now and in 30 days
        rec("no-duration", 300, None),
    ]
    summary = summarize(rows, now=NOW, top_n=2)

    assert summary.count == 6
    assert summary.unknown_duration == 1
    assert summary.total_minutes == Decimal("60") + Decimal("20") / 60 + 2 + 10 + Decimal("0.5")
    assert summary.billable_minutes == 60 + 1 + 2 + 10 + 1
    assert summary.past_free_count == 4  # no-duration is past free too, at no cost
    assert summary.monthly_cost == Decimal("0.024") + Decimal("0.0004") + Decimal("0.002")
    assert summary.projected_monthly_cost == summary.monthly_cost + Decimal("0.004")
    assert [c.recording.recording_id for c in summary.costliest] == ["old-long", "old-rated"]
    assert summary.costliest[0].monthly_cost == Decimal("0.024")


def test_weeks_are_contiguous_buckets_for_a_chart() -> None:
    rows = [rec("a", 0, 60), rec("b", 1, 120), rec("c", 22, 60), rec("d", 120, 600)]
    summary = summarize(rows, now=NOW)
    weeks = summary.weeks
    assert weeks[0].start == date(2025, 2, 3) and weeks[-1].start == date(2025, 6, 2)
    assert all(w.start.weekday() == 0 for w in weeks)
    assert {b.start - a.start for a, b in pairwise(weeks)} == {timedelta(days=7)}
    assert sum(w.count for w in weeks) == 4
    assert weeks[-1].count == 2 and weeks[-1].billable_minutes == 3
    assert weeks[0].monthly_cost == Decimal("0.004")
    assert sum(1 for w in weeks if w.count == 0) == len(weeks) - 3
    assert sparkline(w.monthly_cost for w in weeks)[0] == "█"


def test_ties_keep_the_first_seen_and_top_zero_lists_nothing() -> None:
    rows = [rec(f"r{i}", 100, 60) for i in range(5)]
    assert [c.recording.recording_id for c in summarize(rows, now=NOW, top_n=3).costliest] == [
        "r0",
        "r1",
        "r2",
    ]
    assert summarize(rows, now=NOW, top_n=0).costliest == []
    assert summarize([], now=NOW).weeks == []


async def test_async_rows_with_progress() -> None:
    rows = [rec("a", 100, 60), rec("b", 10, 60)]

    async def stream() -> AsyncIterator[Recording]:
        for row in rows:
            yield row

    seen: list[int] = []
    summary = await summarize_async(stream(), now=NOW, progress=seen.append)
    assert seen == [1, 2]
    acc = CostAccumulator(now=NOW)
    for row in rows:
        acc.add(row)
    assert acc.summary().monthly_cost == summary.monthly_cost == Decimal("0.0004")


def test_sparkline_scales_to_the_largest() -> None:
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""


def test_an_empty_costliest_list_says_why() -> None:
    free = [rec("young", 10, 600), rec("younger", 2, 60)]
    summary = summarize(free, now=NOW)
    assert summary.costliest == [] and summary.first_billed == free[0].add_time + timedelta(90)
    assert summary.costliest_empty_reason == (
        "nothing is billed yet: every recording is in its free 90 days; "
        f"the first is billed from {summary.first_billed:%Y-%m-%d}"
    )
    assert summarize([], now=NOW).costliest_empty_reason == "no recordings match the filter"
    assert summarize(free, now=NOW, top_n=0).costliest_empty_reason is None  # none asked for
    billed = summarize([*free, rec("old", 200, 60)], now=NOW)
    assert billed.costliest and billed.costliest_empty_reason is None
