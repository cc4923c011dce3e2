"""What one recording's storage costs: which of the server's fields feed the price arithmetic.

The one place that decides it, for the table, the detail pane, the delete dialog, export and the
cost view alike: the server's own figures where it sent them (they are what Plivo bills), the
pricing rules applied to add_time and the duration where it did not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from . import pricing
from .models import Recording

AMOUNT_TOLERANCE = Decimal("0.00001")
"""The server rounds amounts to five decimals; closer than this counts as agreeing."""


@dataclass(frozen=True, slots=True)
class RecordingCost:
    days: int
    days_computed: bool
    """True when the server did not say how long it has been stored and we counted from add_time."""
    rounded_seconds: int | None
    """The billed duration; None when the server sent no duration at all."""
    rounded_computed: bool
    free_until: datetime
    rate: Decimal
    server_amount: Decimal | None
    expected_amount: Decimal | None
    """rate × billable minutes once the free period is over, else 0."""

    @property
    def in_free_period(self) -> bool:
        return not pricing.past_free_period(self.days)

    @property
    def billable_minutes(self) -> Decimal | None:
        return (
            None if self.rounded_seconds is None else pricing.billable_minutes(self.rounded_seconds)
        )

    @property
    def monthly_amount(self) -> Decimal | None:
        """What storing it costs per month: the server's amount, else the recomputed one."""
        return self.server_amount if self.server_amount is not None else self.expected_amount

    @property
    def mismatch(self) -> bool:
        """The server's monthly amount disagrees with what the pricing rules give."""
        if self.server_amount is None or self.expected_amount is None:
            return False
        return abs(self.server_amount - self.expected_amount) >= AMOUNT_TOLERANCE


def rounded_seconds(rec: Recording) -> int | None:
    if rec.rounded_recording_duration is not None:
        return rec.rounded_recording_duration
    if rec.recording_duration_ms is not None:
        return pricing.rounded_duration_seconds(rec.recording_duration_ms)
    return None


def storage_rate(rec: Recording) -> Decimal:
    """The recording's own rate when the server sent one, else Plivo's published rate."""
    return (
        pricing.STORAGE_RATE if rec.recording_storage_rate is None else rec.recording_storage_rate
    )


def recording_cost(rec: Recording, now: datetime) -> RecordingCost:
    days = rec.recording_storage_duration
    days_computed = days is None
    if days is None:
        days = pricing.storage_days(rec.add_time, now)
    rounded = rounded_seconds(rec)
    rate = storage_rate(rec)
    return RecordingCost(
        days=days,
        days_computed=days_computed,
        rounded_seconds=rounded,
        rounded_computed=rounded is not None and rec.rounded_recording_duration is None,
        free_until=pricing.free_storage_ends(rec.add_time),
        rate=rate,
        server_amount=rec.monthly_recording_storage_amount,
        expected_amount=None
        if rounded is None
        else pricing.expected_monthly_amount(rate, rounded, days),
    )


@dataclass(frozen=True, slots=True)
class DeleteSummary:
    """What deleting some recordings saves: the delete dialog's figures and the header's for
    the marked set."""

    count: int
    minutes: Decimal
    monthly_saving: Decimal
    """What the account stops paying per month now."""
    future_saving: Decimal
    """What the recordings still in their free period would cost per month once it ends."""

    @classmethod
    def of(cls, recordings: Iterable[Recording], now: datetime) -> DeleteSummary:
        count = 0
        minutes = saving = future = Decimal(0)
        for recording in recordings:
            count += 1
            cost = recording_cost(recording, now)
            if cost.rounded_seconds is None:
                continue
            minutes += cost.billable_minutes or 0
            if cost.in_free_period:
                future += pricing.monthly_amount(cost.rate, cost.rounded_seconds)
            elif cost.expected_amount is not None:
                saving += cost.expected_amount
        return cls(count, minutes, saving, future)


@dataclass(slots=True)
class MarkedTotals:
    """The billable minutes and monthly saving of a set of recordings that changes one at a
    time (marks): running totals adjusted by what joined or left since the last update, since
    summing thousands again for each change would cost O(n²)."""

    minutes: Decimal = Decimal(0)
    saving: Decimal = Decimal(0)
    _each: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    def update(self, ids: set[str], recordings: Iterable[Recording], now: datetime) -> None:
        """`ids` is the set now; `recordings` holds (at least) those that joined it."""
        for rid in self._each.keys() - ids:
            minutes, saving = self._each.pop(rid)
            self.minutes -= minutes
            self.saving -= saving
        added = ids - self._each.keys()
        for rec in recordings if added else ():
            if rec.recording_id in added:
                one = DeleteSummary.of([rec], now)
                self._each[rec.recording_id] = (one.minutes, one.monthly_saving)
                self.minutes += one.minutes
                self.saving += one.monthly_saving
        if not ids:  # start again from exact zeros
            self.minutes = self.saving = Decimal(0)
