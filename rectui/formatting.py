"""Turning API values into text a person reads quickly. No Textual imports."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from .plivo.pricing import format_money

__all__ = [
    "format_bytes",
    "format_clock",
    "format_duration",
    "format_minutes",
    "format_money",
    "format_time",
]


def format_duration(seconds: float | None, *, tenths: bool = False) -> str:
    """`m:ss` (or `h:mm:ss` from an hour) for columns; with tenths, always `h:mm:ss.s`."""
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if tenths:
        whole, frac = divmod(round(seconds * 10), 10)
    else:
        whole, frac = round(seconds), 0
    hours, rest = divmod(int(whole), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours or tenths else f"{minutes}:{secs:02d}"
    return f"{text}.{frac}" if tenths else text


def format_clock(seconds: float) -> str:
    """Player positions: always `m:ss`, hours folded into minutes so the width is stable."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def format_time(moment: datetime | None, *, utc: bool = False, seconds: bool = True) -> str:
    """A timestamp in local time (or UTC), labelled so nobody has to guess which."""
    if moment is None:
        return "—"
    shown = moment.astimezone(UTC) if utc else moment.astimezone()
    text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} UTC" if utc else text


def format_bytes(count: int | None) -> str:
    if count is None:
        return "?"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def format_minutes(minutes: Decimal | float | None) -> str:
    if minutes is None:
        return "—"
    return f"{Decimal(str(minutes)).normalize():f} min"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
