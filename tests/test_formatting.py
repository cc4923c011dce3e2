"""What the table and the detail pane show for durations and times."""

from datetime import UTC, datetime

from rectui.formatting import format_bytes, format_clock, format_duration, format_time


def test_durations() -> None:
    assert format_duration(345.1) == "5:45"
    assert format_duration(345.1, tenths=True) == "0:05:45.1"
    assert format_duration(3725.26, tenths=True) == "1:02:05.3"
    assert format_duration(59.96, tenths=True) == "0:01:00.0"
    assert format_duration(None) == "—"


def test_clock_and_sizes() -> None:
    assert format_clock(3725) == "62:05"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(12) == "12 B"


def test_times_are_labelled_when_utc() -> None:
    moment = datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC)
    assert format_time(moment, utc=True) == "2026-11-25 10:00:05 UTC"
    assert format_time(None) == "—"
