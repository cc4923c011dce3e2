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
from ..plivo.recording_cost import recording_cost, rounded_seconds, storage_rate


@dataclass(frozen=True, slots=True)
class Computed:
    rounded_seconds: int | None
    """The billed duration in seconds; None when the server sent no duration at all."""
    billable_minutes: Decimal | None
    days_stored: int
    """The server's count of days stored; whole days since add_time where it sent none."""
    free_until: datetime
    past_free: bool
    rate: Decimal
    monthly_cost: Decimal
    """rate × billable minutes once the free period is over, else 0: recomputed, not the
    server's `monthly_recording_storage_amount`."""


def monthly_cost_at(rec: Recording, moment: datetime) -> Decimal:
    """What storing `rec` costs per month at `moment` (0 while it is still free)."""
    seconds = rounded_seconds(rec)
    if seconds is None:
        return Decimal(0)
    days = pricing.storage_days(rec.add_time, moment)
    return pricing.expected_monthly_amount(storage_rate(rec), seconds, days)


def compute(rec: Recording, now: datetime) -> Computed:
    cost = recording_cost(rec, now)
    return Computed(
        rounded_seconds=cost.rounded_seconds,
        billable_minutes=cost.billable_minutes,
        days_stored=cost.days,
        free_until=cost.free_until,
        past_free=not cost.in_free_period,
        rate=cost.rate,
        monthly_cost=cost.expected_amount or Decimal(0),
    )
