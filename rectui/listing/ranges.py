"""The quick time ranges the filter sidebar offers ("last 24 hours", "last 7 days", ...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..plivo.filters import RecordingFilter

QUICK_RANGES: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "1y": timedelta(days=365),
}
"""Key → length, in the order the sidebar shows them."""

QUICK_RANGE_LABELS: dict[str, str] = {
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "1y": "Last year",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def quick_range(key: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """(start, end) of a quick range ending at `now` (default: the current time), in UTC.

    Raises KeyError for an unknown key.
    """
    length = QUICK_RANGES[key]
    end = (now or utc_now()).astimezone(UTC)
    return end - length, end


def filter_with_quick_range(
    flt: RecordingFilter, key: str, now: datetime | None = None
) -> RecordingFilter:
    """`flt` with its add_time bounds replaced by the quick range (storage filters cleared,
    since the API refuses to combine them with add_time)."""
    start, end = quick_range(key, now)
    cleared = flt.with_values(
        recording_storage_duration=None,
        recording_storage_duration__gt=None,
        recording_storage_duration__gte=None,
        recording_storage_duration__lt=None,
        recording_storage_duration__lte=None,
    )
    return cleared.with_time_range(start, end)
