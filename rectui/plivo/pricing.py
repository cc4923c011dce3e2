"""Price arithmetic: the only place that knows how Plivo bills stored and transcribed recordings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

FREE_STORAGE_DAYS = 90
"""Storage is free for this many days after add_time."""

STORAGE_RATE = Decimal("0.0004")
"""US dollars per minute of recording per month, once the free period is over."""


def rounded_duration_seconds(duration_ms: float) -> int:
    """Round a duration to the nearest 60 s, as Plivo bills it; anything under 60 s counts as 60."""
    seconds = Decimal(str(duration_ms)) / 1000
    minutes = int((seconds / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(60, minutes * 60)


def billable_minutes(rounded_seconds: int) -> Decimal:
    return Decimal(rounded_seconds) / 60


def monthly_amount(rate: Decimal, rounded_seconds: int) -> Decimal:
    """rate × billable minutes: 0.0004 × 3456 / 60 = 0.02304, as in Plivo's example."""
    return rate * billable_minutes(rounded_seconds)


def past_free_period(storage_days: int) -> bool:
    return storage_days > FREE_STORAGE_DAYS


def expected_monthly_amount(rate: Decimal, rounded_seconds: int, storage_days: int) -> Decimal:
    """What the monthly amount should be: nothing while storage is still free."""
    if not past_free_period(storage_days):
        return Decimal(0)
    return monthly_amount(rate, rounded_seconds)


def free_storage_ends(add_time: datetime) -> datetime:
    """The moment day FREE_STORAGE_DAYS + 1 begins (see `storage_days`)."""
    return add_time + timedelta(days=FREE_STORAGE_DAYS)


def storage_days(add_time: datetime, now: datetime) -> int:
    """Days stored as Plivo counts them: the day it was made is day 1 (the minimum), and each
    24 hours after add_time add one. Made March 16: 1 that day, 16 on March 31, 90 on June 13,
    so day 91, the first one billed, starts at `free_storage_ends`."""
    return max(1, (now - add_time) // timedelta(days=1) + 1)


CENTS = Decimal("0.01")
TENTHS_OF_A_CENT = Decimal("0.0001")


def format_money(amount: Decimal | None) -> str:
    """Every amount of money rectui shows, in one format: US dollars, four decimals below $1
    (storage is priced in hundredths of a cent: $0.0004 a minute) and two from $1 up, with
    thousands separators: `$0.0000`, `$0.0230`, `$0.0500`, `$12.35`, `$1,234.50`; None: `—`.
    Machine-readable output (CSV, JSON) keeps the exact figures instead."""
    if amount is None:
        return "—"
    rounded = amount.quantize(TENTHS_OF_A_CENT, rounding=ROUND_HALF_UP)
    if abs(rounded) >= 1:
        rounded = amount.quantize(CENTS, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,f}"


TRANSCRIPTION_RATE = Decimal("0.05")
"""US dollars per started minute of transcribed recording (the SDK's fixture: 22.78 s → 0.05)."""


def transcription_minutes(duration_ms: float) -> int:
    """Billable minutes of a transcription: every started minute counts, at least one."""
    return max(1, math.ceil(Decimal(str(duration_ms)) / 60_000))


def transcription_cost(rate: Decimal, duration_ms: float) -> Decimal:
    """rate × billable minutes: what requesting a transcript will be charged."""
    return rate * transcription_minutes(duration_ms)


def transcription_charge_text(duration_ms: float | None, rate: Decimal = TRANSCRIPTION_RATE) -> str:
    """What a confirmation says a transcript costs: `$0.05/min × 3 min = $0.15`."""
    if duration_ms is None:
        return f"{format_money(rate)}/min × the recording's started minutes"
    minutes = transcription_minutes(duration_ms)
    return f"{format_money(rate)}/min × {minutes} min = {format_money(rate * minutes)}"


def bulk_transcription_charge_text(
    durations_ms: Sequence[float | None], rate: Decimal = TRANSCRIPTION_RATE
) -> str:
    """What a bulk confirmation says: `$0.05/min × 37 min = $1.85`, plus how many recordings
    have no known length (charged too, by an amount nobody can state in advance)."""
    minutes = sum(transcription_minutes(d) for d in durations_ms if d is not None)
    unknown = sum(1 for d in durations_ms if d is None)
    text = f"{format_money(rate)}/min × {minutes} min = {format_money(rate * minutes)}"
    return f"{text}, plus {unknown} of unknown length" if unknown else text
