"""The Recording API's own rules, in one place, shared by the client and the emulator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

MAX_LIMIT = 20
"""The API returns at most this many rows per request."""

DEFAULT_WINDOW = timedelta(days=7)
"""With no add_time filter Plivo searches only the last seven days."""

MAX_WINDOW = timedelta(days=30)
"""An add_time span longer than this is answered with a 400."""

RATE_LIMIT_REQUESTS = 300
RATE_LIMIT_PERIOD_S = 5.0
"""Plivo allows 300 API requests per 5 seconds per account."""

_TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")


def parse_filter_time(text: str) -> datetime:
    """Parse an add_time filter value (`YYYY-MM-DD HH:MM[:ss[.uuuuuu]]`, UTC).

    Raises ValueError with a message a user can act on.
    """
    m = _TIME_RE.match(text.strip())
    if not m:
        raise ValueError("use YYYY-MM-DD HH:MM[:ss[.uuuuuu]] (UTC)")
    year, month, day, hour, minute, sec, frac = m.groups()
    micro = int((frac or "0").ljust(6, "0"))
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(sec or 0),
            micro,
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise ValueError(f"not a real date or time ({exc})") from None


def format_filter_time(moment: datetime) -> str:
    """Format a datetime as Plivo wants it in filters: UTC, microseconds only when present."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text


def split_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Split [start, end) into consecutive spans of at most MAX_WINDOW, newest first."""
    windows: list[tuple[datetime, datetime]] = []
    upper = end
    while upper > start:
        lower = max(start, upper - MAX_WINDOW)
        windows.append((lower, upper))
        upper = lower
    return windows
