"""From command-line filter options (and presets) to a validated RecordingFilter."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta

from ..config import AppConfig
from ..plivo.filters import FilterError, RecordingFilter
from ..plivo.rules import format_filter_time, parse_filter_time
from .errors import EXIT_USAGE, CommandError

_AGE = re.compile(r"^\s*(\d+)\s*([hdwy])\s*$", re.IGNORECASE)
_AGE_UNITS = {
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "y": timedelta(days=365),
}
_FILTER_OPTION_NAMES = {
    "add_time__gte": "--from-time/--since",
    "add_time__lt": "--to-time",
    "recording_storage_duration": "--storage-days",
}


def parse_age(text: str) -> timedelta:
    match = _AGE.match(text)
    if not match:
        hint = "use a number and h, d, w or y (7d, 400d)"
        raise CommandError(f"--since {text!r}: {hint}", EXIT_USAGE)
    return int(match.group(1)) * _AGE_UNITS[match.group(2).lower()]


def parse_time_option(option: str, text: str) -> str:
    """A UTC time as the API wants it; a bare date means its midnight."""
    value = text.strip().replace("T", " ").removesuffix("Z")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += " 00:00"
    try:
        return format_filter_time(parse_filter_time(value))
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
        values["add_time__gte"] = format_filter_time(now - parse_age(since))
        values["add_time__gt"] = None
    if args.from_time:
        values["add_time__gte"] = parse_time_option("--from-time", args.from_time)
        values["add_time__gt"] = None
    if args.to_time:
        values["add_time__lt"] = parse_time_option("--to-time", args.to_time)
        values["add_time__lte"] = None
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
    flt = RecordingFilter().with_values(**values)
    try:
        return flt.validate(now=now, check_window=False)
    except FilterError as exc:
        problems = "; ".join(
            f"{_FILTER_OPTION_NAMES.get(e.field, '--' + e.field.replace('_', '-'))}: {e.message}"
            for e in exc.errors
        )
        raise CommandError(f"invalid filter: {problems}", EXIT_USAGE) from None
