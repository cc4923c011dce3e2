"""Storage-cost summary of a set of recordings: what they cost now, next month, and where.

Fed one recording at a time (`CostAccumulator.add`) so that the UI can summarise a listing of
100,000 rows while it pages in, in constant memory: only the N costliest rows are kept.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ..plivo.models import Recording
from ..plivo.pricing import FREE_STORAGE_DAYS
from . import fields

PROJECTION_DAYS = 30
"""`projected_monthly_cost` is the monthly cost this many days from now, nothing deleted."""


@dataclass(frozen=True, slots=True)
class WeekBucket:
    start: date
    """The Monday (UTC) the week starts on."""
    count: int = 0
    billable_minutes: Decimal = Decimal(0)
    monthly_cost: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Costly:
    recording: Recording
    monthly_cost: Decimal
    billable_minutes: Decimal


@dataclass(frozen=True, slots=True)
class CostSummary:
    count: int
    total_minutes: Decimal
    """Actual recorded minutes (from recording_duration_ms)."""
    billable_minutes: Decimal
    """Minutes as billed (rounded durations)."""
    past_free_count: int
    """Recordings stored longer than the free 90 days: these cost money today."""
    monthly_cost: Decimal
    """What the set costs per month today."""
    projected_monthly_cost: Decimal
    """The monthly cost PROJECTION_DAYS from now if nothing is deleted (more rows leave the
    free period)."""
    costliest: list[Costly]
    """The N costliest today, costliest first (ties: longer first); rows still in their free
    period cost nothing today and are not listed."""
    weeks: list[WeekBucket]
    """One bucket per week of add_time, oldest first, empty weeks included (for a chart)."""
    unknown_duration: int = 0
    """Rows without any duration: counted, but they add no minutes or cost."""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    first_billed: datetime | None = None
    """When the first of the rows still in their free period starts to cost money (None: no
    row is in its free period)."""
    top_n: int = 10
    """How many costliest rows were asked for."""

    @property
    def costliest_empty_reason(self) -> str | None:
        """Why `costliest` is empty, in one line for the place that lists it; None when it is
        not empty, or none were asked for."""
        if self.costliest or self.top_n <= 0:
            return None
        if self.count == 0:
            return "no recordings match the filter"
        free = f"free {FREE_STORAGE_DAYS} days"
        if self.past_free_count == 0:
            reason = f"nothing is billed yet: every recording is in its {free}"
            if self.first_billed is not None:
                reason += f"; the first is billed from {self.first_billed.astimezone(UTC):%Y-%m-%d}"
            return reason
        return f"nothing is billed: the {self.past_free_count:,} past their {free} have no duration"


def week_start(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


class CostAccumulator:
    def __init__(self, *, now: datetime | None = None, top_n: int = 10):
        self.now = now or datetime.now(UTC)
        self.top_n = top_n
        self._later = self.now + timedelta(days=PROJECTION_DAYS)
        self._count = 0
        self._unknown = 0
        self._total_ms = Decimal(0)
        self._billable = Decimal(0)
        self._past_free = 0
        self._monthly = Decimal(0)
        self._projected = Decimal(0)
        # Min-heap of (cost, minutes, -seq, Costly): the root is the cheapest of the kept N.
        self._top: list[tuple[Decimal, Decimal, int, Costly]] = []
        self._weeks: dict[date, list[Decimal | int]] = {}
        self._first_billed: datetime | None = None

    @property
    def count(self) -> int:
        return self._count

    def add(self, rec: Recording) -> None:
        computed = fields.compute(rec, self.now)
        self._count += 1
        if rec.recording_duration_ms is not None:
            self._total_ms += Decimal(str(rec.recording_duration_ms))
        minutes = computed.billable_minutes
        if minutes is None:
            self._unknown += 1
            minutes = Decimal(0)
        self._billable += minutes
        self._past_free += computed.past_free
        if not computed.past_free and (
            self._first_billed is None or computed.free_until < self._first_billed
        ):
            self._first_billed = computed.free_until
        self._monthly += computed.monthly_cost
        self._projected += fields.monthly_cost_at(rec, self._later)
        bucket = self._weeks.setdefault(week_start(rec.add_time), [0, Decimal(0), Decimal(0)])
        bucket[0] += 1
        bucket[1] += minutes
        bucket[2] += computed.monthly_cost
        if self.top_n > 0 and computed.monthly_cost > 0:
            # -count: among equal costs the earliest seen stays, and Costly is never compared.
            entry = (
                computed.monthly_cost,
                minutes,
                -self._count,
                Costly(rec, computed.monthly_cost, minutes),
            )
            if len(self._top) < self.top_n:
                heapq.heappush(self._top, entry)
            elif entry[:3] > self._top[0][:3]:
                heapq.heapreplace(self._top, entry)

    def summary(self) -> CostSummary:
        costliest = [e[3] for e in sorted(self._top, key=lambda e: (-e[0], -e[1], -e[2]))]
        return CostSummary(
            count=self._count,
            total_minutes=self._total_ms / 60000,
            billable_minutes=self._billable,
            past_free_count=self._past_free,
            monthly_cost=self._monthly,
            projected_monthly_cost=self._projected,
            costliest=costliest,
            weeks=self._week_buckets(),
            unknown_duration=self._unknown,
            now=self.now,
            first_billed=self._first_billed,
            top_n=self.top_n,
        )

    def _week_buckets(self) -> list[WeekBucket]:
        if not self._weeks:
            return []
        first, last = min(self._weeks), max(self._weeks)
        buckets = []
        week = first
        while week <= last:
            count, minutes, cost = self._weeks.get(week, (0, Decimal(0), Decimal(0)))
            buckets.append(WeekBucket(week, int(count), Decimal(minutes), Decimal(cost)))
            week += timedelta(days=7)
        return buckets


def summarize(
    recordings: Iterable[Recording], *, now: datetime | None = None, top_n: int = 10
) -> CostSummary:
    acc = CostAccumulator(now=now, top_n=top_n)
    for rec in recordings:
        acc.add(rec)
    return acc.summary()


async def summarize_async(
    recordings: AsyncIterable[Recording],
    *,
    now: datetime | None = None,
    top_n: int = 10,
    progress: Callable[[int], None] | None = None,
) -> CostSummary:
    """Summarise rows as they arrive (e.g. `Listing.iter_all()`); progress(rows seen so far)."""
    acc = CostAccumulator(now=now, top_n=top_n)
    async for rec in recordings:
        acc.add(rec)
        if progress is not None:
            progress(acc.count)
    return acc.summary()


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Iterable[Decimal | int | float]) -> str:
    """A one-line chart of the week buckets for a terminal (max value = full block)."""
    numbers = [float(v) for v in values]
    top = max(numbers, default=0.0)
    if top <= 0:
        return SPARK[0] * len(numbers)
    steps = len(SPARK) - 1
    return "".join(SPARK[min(steps, round(n / top * steps))] for n in numbers)
