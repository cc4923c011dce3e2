"""From command-line filter options (and presets) to a validated RecordingFilter."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from ..config import AppConfig
from ..index.query import LocalFilter
from ..plivo.filters import FilterError, RecordingFilter, typed_time
from ..plivo.rules import format_filter_time, parse_filter_time
from .errors import EXIT_USAGE, CommandError

T = TypeVar("T")
_AGE = re.compile(r"^\s*(\d+)\s*([hdwy])\s*$", re.IGNORECASE)
_AGE_UNITS = {
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "y": timedelta(days=365),
}
_FILTER_OPTION_NAMES = {
    "add_time__gte": "--since/--from-time/--add-time-gte",
    "add_time__lt": "--to-time/--add-time-lt",
    "recording_storage_duration": "--storage-days",
}


def option_for(field: str) -> str:
    """The command-line option that sets a filter field: `--storage-gt`, not the API's
    `recording_storage_duration__gt`."""
    if field in _FILTER_OPTION_NAMES:
        return _FILTER_OPTION_NAMES[field]
    field = field.replace("recording_storage_duration__", "storage_")
    return "--" + field.replace("__", "_").replace("_", "-")


def filter_problems(exc: FilterError) -> str:
    """A FilterError's problems, each under the option the user typed."""
    return "; ".join(f"{option_for(e.field)}: {e.message}" for e in exc.errors)


def since_time(text: str, now: datetime) -> datetime:
    """`now` minus the age `text` (7d, 400d...): the start of a --since range."""
    match = _AGE.match(text)
    if not match:
        hint = "use a number and h, d, w or y (7d, 400d)"
        raise CommandError(f"--since {text!r}: {hint}", EXIT_USAGE)
    digits, unit = match.group(1), _AGE_UNITS[match.group(2).lower()]
    try:
        if len(digits) > 9:  # more than a billion hours reaches past year 1 anyway
            raise OverflowError
        return now - int(digits) * unit
    except OverflowError:
        raise CommandError(f"--since {text!r}: that is before year 1", EXIT_USAGE) from None


def parse_time_option(option: str, text: str) -> str:
    """A UTC time as the API wants it; a bare date means its midnight."""
    try:
        return format_filter_time(parse_filter_time(typed_time(text)))
    except ValueError as exc:
        raise CommandError(f"{option} {text!r}: {exc}", EXIT_USAGE) from None


def build_filter(
    args: argparse.Namespace, config: AppConfig | None, now: datetime
) -> RecordingFilter:
    """The RecordingFilter the options describe (a preset first, options over it)."""
    values: dict[str, str | None] = {}
    since = args.since
    if args.preset:
        presets = config.presets if config else {}
        if args.preset not in presets:
            known = ", ".join(sorted(presets)) or "none saved"
            raise CommandError(f"no preset {args.preset!r} (presets: {known})", EXIT_USAGE)
        preset = dict(presets[args.preset])
        since = since or preset.pop("range", None)
        values.update(preset)
    if since:
        values["add_time__gte"] = format_filter_time(since_time(since, now))
        values["add_time__gt"] = None
    if args.from_time:
        values["add_time__gte"] = parse_time_option("--from-time", args.from_time)
        values["add_time__gt"] = None
    if args.to_time:
        values["add_time__lt"] = parse_time_option("--to-time", args.to_time)
        values["add_time__lte"] = None
    for op in ("gt", "gte", "lt", "lte"):
        text = getattr(args, f"add_time_{op}", None)
        if text is not None:
            values[f"add_time__{op}"] = parse_time_option(f"--add-time-{op}", text)
            # An exact bound replaces --since/--from-time/--to-time's (both exact: an error).
            other = {"gt": "gte", "gte": "gt", "lt": "lte", "lte": "lt"}[op]
            if getattr(args, f"add_time_{other}", None) is None:
                values[f"add_time__{other}"] = None
    for name in (
        "from_number", "to_number", "subaccount", "call_uuid", "conference_name",
        "conference_uuid", "mpc_name", "mpc_uuid",
    ):  # fmt: skip
        if getattr(args, name):
            values[name] = getattr(args, name)
    storage = {"storage_days": "", "storage_gt": "__gt", "storage_gte": "__gte"}
    storage |= {"storage_lt": "__lt", "storage_lte": "__lte"}
    for option, suffix in storage.items():
        if getattr(args, option) is not None:
            values["recording_storage_duration" + suffix] = getattr(args, option)
    flt = RecordingFilter().with_values(**values).normalised()
    try:
        # Storage duration with add_time is split into requests the API takes (plivo.combined).
        return flt.validate(now=now, check_window=False, combined=True, check_ids=True)
    except FilterError as exc:
        raise CommandError(f"invalid filter: {filter_problems(exc)}", EXIT_USAGE) from None


_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)
_LENGTH_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
LOCAL_OPTIONS = (
    "min_duration", "max_duration", "format_is", "type", "min_cost", "max_cost", "min_days",
    "max_days", "search", "sort",
)  # fmt: skip


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _seconds(name: str, text: str) -> float:
    match = _LENGTH.match(text)
    if not match:
        raise CommandError(f"{_option(name)} {text!r}: use seconds or 90s, 10m, 1h", EXIT_USAGE)
    return float(match.group(1)) * _LENGTH_UNITS[match.group(2).lower()]


def _dollars(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip().removeprefix("$"))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise CommandError(f"{_option(name)} {text!r}: use dollars, such as 0.01", EXIT_USAGE)
    return value


def _days(name: str, text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise CommandError(f"{_option(name)} {text!r}: use a whole number of days", EXIT_USAGE)
    return int(text)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in (text or "").split(",") if part.strip())


def build_local_filter(args: argparse.Namespace) -> LocalFilter:
    """The local-index filters the options describe; usage error if given without --local."""
    given = [name for name in LOCAL_OPTIONS if getattr(args, name, None) not in (None, "")]
    if given and not args.local:
        raise CommandError(f"{_option(given[0])} needs --local (the API cannot do it)", EXIT_USAGE)

    def value(name: str, parse: Callable[[str, str], T]) -> T | None:
        text = getattr(args, name)
        return None if text is None else parse(name, text)

    return LocalFilter(
        min_duration_s=value("min_duration", _seconds),
        max_duration_s=value("max_duration", _seconds),
        formats=_names(args.format_is),
        types=_names(args.type),
        min_cost=value("min_cost", _dollars),
        max_cost=value("max_cost", _dollars),
        min_days=value("min_days", _days),
        max_days=value("max_days", _days),
        text=args.search or None,
    )
