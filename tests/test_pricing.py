"""Storage cost arithmetic as Plivo documents it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from rectui.plivo import pricing


def test_documented_example_amount() -> None:
    assert pricing.monthly_amount(Decimal("0.0004"), 3456) == Decimal("0.02304")


@pytest.mark.parametrize(
    ("duration_ms", "rounded"),
    [(1_000, 60), (59_999, 60), (89_999, 60), (90_000, 120), (345_100, 360), (3_600_000, 3600)],
)
def test_rounding_to_the_nearest_minute_with_a_one_minute_floor(duration_ms: int, rounded: int):
    assert pricing.rounded_duration_seconds(duration_ms) == rounded


def test_storage_is_free_for_90_days() -> None:
    rate = pricing.STORAGE_RATE
    assert pricing.expected_monthly_amount(rate, 600, 90) == 0
    assert pricing.expected_monthly_amount(rate, 600, 91) == Decimal("0.0040")


def test_storage_days_count_the_day_it_was_made_as_day_one_as_plivo_does() -> None:
    # Plivo's support article: made March 16, 1 day stored that day, 16 on March 31, 90 on June 13.
    added = datetime(2026, 3, 16, 12, tzinfo=UTC)
    assert pricing.storage_days(added, added) == 1
    assert pricing.storage_days(added, added + timedelta(hours=23, minutes=59)) == 1
    assert pricing.storage_days(added, datetime(2026, 3, 31, 12, tzinfo=UTC)) == 16
    assert pricing.storage_days(added, datetime(2026, 6, 13, 12, tzinfo=UTC)) == 90
    # The first billed day begins exactly when the free period is said to end.
    ends = pricing.free_storage_ends(added)
    assert pricing.storage_days(added, ends - timedelta(microseconds=1)) == 90
    assert pricing.storage_days(added, ends) == 91
    assert pricing.past_free_period(pricing.storage_days(added, ends))
    # A clock a little behind the server's never shows fewer than Plivo's minimum of 1.
    assert pricing.storage_days(added, added - timedelta(minutes=5)) == 1


def test_money_has_one_format_everywhere() -> None:
    """Four decimals below $1 (the rate is $0.0004), two from $1 up, thousands separated."""
    shown = {
        "0": "$0.0000", "0.0004": "$0.0004", "0.02304": "$0.0230", "0.05": "$0.0500",
        "0.99996": "$1.00", "3": "$3.00", "1234.5": "$1,234.50", "-0.0012": "-$0.0012",
        "-0.00004": "$0.0000",
    }  # fmt: skip
    assert {text: pricing.format_money(Decimal(text)) for text in shown} == shown
    assert pricing.format_money(None) == "—"


def test_one_recordings_cost_prefers_the_servers_figures() -> None:
    from rectui.plivo.models import Recording
    from rectui.plivo.recording_cost import recording_cost

    now = datetime(2026, 11, 25, tzinfo=UTC)
    billed = Recording.from_api(
        {"recording_id": "a", "add_time": "2025-01-01 00:00:00+00:00",
         "recording_duration_ms": "345100.00000", "rounded_recording_duration": "3456",
         "recording_storage_duration": "723", "recording_storage_rate": "0.0004",
         "monthly_recording_storage_amount": "0.03"}
    )  # fmt: skip
    cost = recording_cost(billed, now)
    assert (cost.days, cost.days_computed, cost.rounded_seconds) == (723, False, 3456)
    assert cost.expected_amount == Decimal("0.02304")
    assert cost.monthly_amount == Decimal("0.03") and cost.mismatch

    bare = Recording.from_api(
        {"recording_id": "b", "add_time": "2026-11-01 00:00:00+00:00",
         "recording_duration_ms": "90000"}
    )  # fmt: skip
    cost = recording_cost(bare, now)
    assert (cost.days, cost.days_computed) == (25, True)  # Nov 1 is day 1, Nov 25 day 25
    assert (cost.rounded_seconds, cost.rounded_computed) == (120, True)
    assert cost.in_free_period and cost.monthly_amount == 0 and not cost.mismatch
