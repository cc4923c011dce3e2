"""Per-recording figures computed from the API's fields: what export and the cost summary share.

All price arithmetic goes through `rectui.plivo.pricing`; this module only decides which of the
server's fields to feed it (the server's own rounded duration when it sent one, because that is
what Plivo bills; otherwise the duration rounded the way Plivo rounds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..plivo import pricing
from ..plivo.models import Recording


@dataclass(frozen=True, slots=True)
class Computed:
    rounded_seconds: int | None
    """The billed duration in seconds; None when the server sent no duration at all."""
    billable_minutes: Decimal | None
    days_stored: int
    """Whole days since add_time, as of `now` (the server's own count may lag a day)."""
    free_until: datetime
    past_free: bool
    rate: Decimal
    monthly_cost: Decimal
    """rate × billable minutes once the free period is over, else 0: recomputed, not the
    server's `monthly_recording_storage_amount`."""


def rounded_seconds(rec: Recording) -> int | None:
    if rec.rounded_recording_duration is not None:
        return rec.rounded_recording_duration
    if rec.recording_duration_ms is not None:
        return pricing.rounded_duration_seconds(rec.recording_duration_ms)
    return None


def storage_rate(rec: Recording) -> Decimal:
    """The recording's own rate when the server sent one, else Plivo's published rate."""
    return (
        rec.recording_storage_rate
        if rec.recording_storage_rate is not None
        else (pricing.STORAGE_RATE)
    )


def monthly_cost_at(rec: Recording, moment: datetime) -> Decimal:
    """What storing `rec` costs per month at `moment` (0 while it is still free)."""
    seconds = rounded_seconds(rec)
    if seconds is None:
        return Decimal(0)
    days = pricing.storage_days(rec.add_time, moment)
    return pricing.expected_monthly_amount(storage_rate(rec), seconds, days)


def compute(rec: Recording, now: datetime) -> Computed:
    seconds = rounded_seconds(rec)
    days = pricing.storage_days(rec.add_time, now)
    return Computed(
        rounded_seconds=seconds,
        billable_minutes=None if seconds is None else pricing.billable_minutes(seconds),
        days_stored=days,
        free_until=pricing.free_storage_ends(rec.add_time),
        past_free=pricing.past_free_period(days),
        rate=storage_rate(rec),
        monthly_cost=monthly_cost_at(rec, now),
    )
