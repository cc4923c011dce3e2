"""Scriptable commands: the same engine as the TUI, for shells, cron and pipes.

    rectui [--config FILE] [--profile NAME] [--api-url URL] COMMAND ...

    list       recordings matching filters, as a table, CSV or JSON lines (every row)
    get        one recording, as JSON (the server's object) or a readable table
    download   recordings' media into a directory, each checked against Content-Length
    delete     recordings, optionally archived (downloaded, verified, journaled) first
    costs      storage-cost summary of the recordings matching filters
    config     `config init` writes a commented starter configuration (mode 0600)

The global options may also follow the command. Credentials come from PLIVO_AUTH_ID and
PLIVO_AUTH_TOKEN or the profile, exactly as for the TUI.

Exit codes (stable, for scripts):
    0  everything asked for was done (deleting something already gone counts as done)
    1  some items failed (the others succeeded), or failures of mixed kinds
    2  usage or configuration error (bad option, invalid filter, no credentials, refused
       to delete without --yes when not on a terminal)
    3  authentication failed (auth id or token rejected)
    4  not found (the recording, or every one asked for, does not exist)
    5  network or server error (unreachable, timeouts, 5xx after retries)
    130  interrupted (Ctrl+C); what was done is reported first

Output: results on stdout; errors on stderr as one line each (`rectui: ...`), never a traceback
and never the token. On a terminal, long work shows a progress line on stderr; piped or
redirected output stays quiet apart from errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TextIO

from .config import AppConfig, ConfigError, load_config
from .config_writer import init_config
from .formatting import format_duration, format_money, format_time
from .listing import Listing
from .media.download import download_file, media_url, resolve_credentials
from .media.errors import MediaError, MediaUnavailableError
from .plivo.client import PlivoClient
from .plivo.errors import (
    AuthenticationError,
    NotFoundError,
    PlivoError,
    ValidationError,
)
from .plivo.filters import FilterError, RecordingFilter
from .plivo.models import Recording
from .plivo.ratelimit import RateLimiter
from .plivo.rules import format_filter_time, parse_filter_time
from .triage import fields
from .triage.archive import ArchiveDelete, archive_name
from .triage.bulk_delete import BulkDelete
from .triage.costs import CostSummary, sparkline, summarize_async
from .triage.export import RowWriter, export_to_path
from .triage.results import BulkReport, ItemResult, Outcome, error_kind, one_line
from .triage.runner import BulkRunner

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_NETWORK = 5
EXIT_INTERRUPTED = 130

KIND_EXIT = {"auth": EXIT_AUTH, "not_found": EXIT_NOT_FOUND, "network": EXIT_NETWORK}
KIND_EXIT["server"] = EXIT_NETWORK

COMMANDS = ("list", "get", "download", "delete", "costs", "config")
GLOBAL_VALUE_OPTIONS = ("--config", "--profile", "--api-url")

EXIT_CODES_HELP = """\
exit codes: 0 ok, 1 some items failed, 2 usage/config error, 3 auth error,
4 not found, 5 network/server error, 130 interrupted"""


class CommandError(Exception):
    """Ends the command with one line on stderr and an exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(" ".join(message.split()))
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one `rectui: ...` line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see `{self.prog} --help`)", EXIT_USAGE)


# -- output helpers -------------------------------------------------------------------------------


class Output:
    """Where results and messages go; the token is scrubbed from every message."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.redact: Callable[[str], str] = lambda text: text

    def message(self, text: str) -> None:
        self.err.write(f"rectui: {self.redact(' '.join(text.split()))}\n")
        self.err.flush()

    def progress(self, label: str, *, output_on_stdout: bool = True) -> Progress:
        # Only for a person watching: stderr on a terminal, and not over a table on that
        # same terminal (results redirected to a file are fine).
        enabled = _isatty(self.err) and not (output_on_stdout and _isatty(self.out))
        return Progress(label, self.err, enabled=enabled)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A single `\\r`-redrawn line on stderr, at most ten times a second; silent if disabled."""

    WIDTH = 24

    def __init__(self, label: str, stream: TextIO, *, enabled: bool):
        self.label = label
        self.stream = stream
        self.enabled = enabled
        self._last = 0.0
        self._drawn = 0

    def update(self, done: int, total: int | None, note: str = "", *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1 and done != total:
            return
        self._last = now
        if total:
            filled = min(self.WIDTH, self.WIDTH * done // total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            text = f"{self.label} [{bar}] {done:,}/{total:,}"
        else:
            text = f"{self.label} {done:,}"
        if note:
            text += f"  {note}"
        self.stream.write("\r" + text.ljust(self._drawn))
        self._drawn = len(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0


# -- parsing --------------------------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # On subcommands the defaults are suppressed so that a value given before the command
    # is not overwritten by the subcommand's empty default.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", type=Path, default=default, help="configuration file")
    parser.add_argument("--profile", default=default, help="profile from the configuration")
    parser.add_argument("--api-url", default=default, help="API base URL (e.g. an emulator)")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "filters",
        "Times are UTC: YYYY-MM-DD[ HH:MM[:SS]]. Without a time filter Plivo searches the last "
        "7 days. Spans over 30 days are fetched as 30-day windows. Storage filters cannot be "
        "combined with times.",
    )
    group.add_argument("--preset", help="start from a preset saved in the configuration")
    group.add_argument("--since", metavar="AGE", help="added within AGE: 24h, 7d, 2w, 400d, 1y")
    group.add_argument("--from-time", metavar="TIME", help="added at or after TIME")
    group.add_argument("--to-time", metavar="TIME", help="added before TIME")
    for name in ("from-number", "to-number"):
        group.add_argument(f"--{name}", metavar="NUMBER", help="E.164 number or sip: URI")
    for name in ("subaccount", "call-uuid", "conference-name", "conference-uuid"):
        group.add_argument(f"--{name}", metavar="VALUE")
    group.add_argument("--mpc-name", metavar="VALUE", help="multiparty call name")
    group.add_argument("--mpc-uuid", metavar="VALUE", help="multiparty call UUID")
    group.add_argument("--storage-days", metavar="N", help="stored exactly N days")
    for op, words in (("gt", "more than"), ("gte", "at least"), ("lt", "less than")):
        group.add_argument(f"--storage-{op}", metavar="N", help=f"stored {words} N days")
    group.add_argument("--storage-lte", metavar="N", help="stored at most N days")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rectui",
        description="Scriptable Plivo recording commands (run `rectui` alone for the TUI).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _global_options(sub, suppress=True)
        return sub

    listing = command("list", "list every recording matching the filters")
    _filter_options(listing)
    listing.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="json: JSON lines"
    )
    listing.add_argument("--output", "-o", type=Path, help="write to FILE (complete or not at all)")
    listing.add_argument("--max", type=int, metavar="N", help="stop after N rows")

    get = command("get", "show one recording")
    get.add_argument("id", metavar="ID")
    get.add_argument("--format", choices=("json", "table"), default="json")

    download = command("download", "download recordings' media")
    download.add_argument("ids", nargs="+", metavar="ID", help="recording ids (`-`: stdin)")
    download.add_argument("--dir", type=Path, help="directory (default: settings.download_dir)")
    download.add_argument(
        "--original", action="store_true", help="the pre-denoise original (type=original)"
    )

    delete = command("delete", "delete recordings permanently")
    delete.add_argument("ids", nargs="+", metavar="ID", help="recording ids (`-`: read stdin)")
    delete.add_argument(
        "--archive",
        type=Path,
        metavar="DIR",
        help="first download, verify and journal each one in DIR (manifest.jsonl); a re-run "
        "with the same DIR resumes",
    )
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    delete.add_argument("--concurrency", type=int, default=None, help=argparse.SUPPRESS)

    costs = command("costs", "storage-cost summary of the recordings matching the filters")
    _filter_options(costs)
    costs.add_argument("--top", type=int, default=10, metavar="N", help="list the N costliest")
    costs.add_argument("--format", choices=("table", "json"), default="table")

    config = command("config", "configuration file commands")
    config_commands = config.add_subparsers(
        dest="config_command", metavar="SUBCOMMAND", parser_class=_Parser
    )
    config_commands.required = True
    init = config_commands.add_parser(
        "init",
        help="write a commented starter configuration (mode 0600)",
        description="Write a commented starter configuration (mode 0600).",
    )
    init.add_argument("--path", type=Path, help="where (default: --config or the user config)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    return parser


def is_command(argv: Sequence[str]) -> bool:
    """Whether argv names a scriptable command (after any global options)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in GLOBAL_VALUE_OPTIONS:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg in COMMANDS
    return False


# -- filters --------------------------------------------------------------------------------------

_AGE = re.compile(r"^\s*(\d+)\s*([hdwy])\s*$", re.IGNORECASE)
_AGE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_AGE_UNITS["y"] = timedelta(days=365)
_FILTER_OPTION_NAMES = {
    "add_time__gte": "--from-time/--since",
    "add_time__lt": "--to-time",
    "recording_storage_duration": "--storage-days",
}


def parse_age(text: str) -> timedelta:
    match = _AGE.match(text)
    if not match:
        raise CommandError(f"--since {text!r}: use a number and h, d, w or y (7d, 400d)", 2)
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


def build_filter(args: argparse.Namespace, config: AppConfig | None, now: datetime):
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


# -- the commands ---------------------------------------------------------------------------------


def _client(config: AppConfig) -> PlivoClient:
    return PlivoClient(
        config.profile.credentials,
        base_url=config.profile.api_url,
        limiter=RateLimiter(*config.settings.rate_limit),
    )


def _media_credentials(config: AppConfig) -> dict[str, Any]:
    """auth id -> credentials, for media behind HTTP auth (a subaccount's needs its own)."""
    profile = config.profile
    return {profile.credentials.auth_id: profile.credentials, **profile.subaccount_credentials}


def _read_ids(ids: list[str]) -> list[str]:
    if ids == ["-"]:
        ids = sys.stdin.read().split()
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


TABLE_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("RECORDING ID", 36, "<"), ("ADDED", 19, "<"), ("TYPE", 10, "<"), ("FMT", 3, "<"),
    ("DURATION", 8, ">"), ("FROM", 16, "<"), ("TO", 22, "<"), ("DAYS", 5, ">"),
    ("COST/MO", 9, ">"),
)  # fmt: skip


def _cell(text: str, width: int, align: str) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{text:{align}{width}}"


def table_line(values: Sequence[str]) -> str:
    cells = (_cell(v, w, a) for v, (_, w, a) in zip(values, TABLE_COLUMNS, strict=True))
    return "  ".join(cells).rstrip()


def table_row(rec: Recording, now: datetime, utc: bool) -> str:
    computed = fields.compute(rec, now)
    return table_line(
        [
            rec.recording_id,
            format_time(rec.add_time, utc=utc).removesuffix(" UTC"),
            rec.recording_type or "",
            rec.recording_format or "",
            format_duration(rec.duration_s),
            rec.from_number or "",
            rec.to_number or "",
            str(computed.days_stored),
            format_money(computed.monthly_cost),
        ]
    )


async def cmd_list(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    now = datetime.now(UTC)
    flt = build_filter(args, config, now)
    async with _client(config) as client:
        source = Listing(client, flt, now=now)
        total = await source.open()
        limit = args.max if args.max is not None and args.max >= 0 else None
        expected = total if limit is None else min(total, limit)
        rows = _limited(source.iter_all(), limit)
        bar = io.progress("listing", output_on_stdout=args.output is None)
        try:
            if args.output is not None:
                fmt = "jsonl" if args.format == "json" else "csv"
                if args.format == "table":
                    raise CommandError("--output writes csv or json; add --format", EXIT_USAGE)
                count = await export_to_path(
                    rows, args.output, fmt, total=expected, progress=bar.update, now=now
                )
                bar.close()
                io.message(f"wrote {count:,} recordings to {args.output}")
            elif args.format == "table":
                heading = [name for name, _, _ in TABLE_COLUMNS]
                heading[1] += " (UTC)" if config.settings.utc else ""
                io.out.write(table_line(heading) + "\n")
                count = 0
                cost = Decimal(0)
                async for rec in rows:
                    io.out.write(table_row(rec, now, config.settings.utc) + "\n")
                    cost += fields.compute(rec, now).monthly_cost
                    count += 1
                io.out.write(f"{count:,} recordings, {format_money(cost)} per month\n")
            else:
                writer = RowWriter(io.out, "jsonl" if args.format == "json" else "csv", now=now)
                async for rec in rows:
                    writer.write(rec)
                    bar.update(writer.count, expected)
                count = writer.count
        finally:
            bar.close()
            source.close()
        if source.problems:
            io.message(f"warning: skipped {len(source.problems)} malformed recording objects")
    return EXIT_OK


async def _limited(rows: Any, limit: int | None) -> Any:
    count = 0
    async for rec in rows:
        if limit is not None and count >= limit:
            return
        count += 1
        yield rec


def recording_table(rec: Recording, now: datetime, utc: bool) -> list[tuple[str, str]]:
    c = fields.compute(rec, now)
    rows = [
        ("recording_id", rec.recording_id),
        ("added", f"{format_time(rec.add_time, utc=True)} ({format_time(rec.add_time)} local)"),
        ("type", rec.recording_type or "—"),
        ("format", rec.recording_format or "—"),
        ("duration", format_duration(rec.duration_s, tenths=True)),
        ("billed duration", "—" if c.rounded_seconds is None else f"{c.rounded_seconds} s"),
        ("billable minutes", "—" if c.billable_minutes is None else f"{c.billable_minutes}"),
        ("from", rec.from_number or "—"),
        ("to", rec.to_number or "—"),
        ("call_uuid", rec.call_uuid or "—"),
        ("conference", rec.meeting_name or "—"),
        ("days stored", str(c.days_stored)),
        ("free storage until", format_time(c.free_until, utc=utc, seconds=False)),
        ("storage rate", f"{format_money(c.rate)} per minute per month"),
        ("monthly cost", format_money(c.monthly_cost) + ("" if c.past_free else " (still free)")),
        ("server's monthly amount", format_money(rec.monthly_recording_storage_amount)),
        ("media", rec.recording_url or "—"),
    ]
    return rows


async def cmd_get(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    async with _client(config) as client:
        rec = await client.get_recording(args.id)
    if args.format == "json":
        io.out.write(json.dumps(rec.raw, indent=2, ensure_ascii=False) + "\n")
    else:
        pairs = recording_table(rec, datetime.now(UTC), config.settings.utc)
        width = max(len(k) for k, _ in pairs)
        io.out.writelines(f"{k:<{width}}  {v}\n" for k, v in pairs)
    return EXIT_OK


async def cmd_download(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    ids = _read_ids(args.ids)
    if not ids:
        raise CommandError("no recording ids given", EXIT_USAGE)
    directory: Path = (args.dir or config.settings.download_dir).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {directory}: {exc.strerror}", EXIT_USAGE) from None
    credentials = _media_credentials(config)
    results: dict[str, Path | BaseException] = {}
    slots = asyncio.Semaphore(4)
    bar = io.progress("downloading", output_on_stdout=False)

    async with _client(config) as client:

        async def one(rid: str) -> None:
            async with slots:
                try:
                    rec = await client.get_recording(rid)
                    final = directory / archive_name(rec, original=args.original)
                    part = final.with_name(final.name + ".part")
                    url = media_url(rec, original=args.original)
                    creds = resolve_credentials(credentials, rec)
                    await download_file(client, url, part, credentials=creds)
                    os.replace(part, final)
                    results[rid] = final
                except (PlivoError, MediaError, OSError) as exc:
                    results[rid] = exc
                bar.update(len(results), len(ids), force=True)

        try:
            await asyncio.gather(*(one(rid) for rid in ids))
        finally:
            bar.close()
    kinds: list[str | None] = []
    for rid in ids:
        result = results[rid]
        if isinstance(result, Path):
            io.out.write(f"{result}\n")
            kinds.append(None)
        else:
            io.message(f"{rid}: {one_line(result)}")
            kinds.append(error_kind(result))
    return items_exit(kinds)


def items_exit(kinds: Sequence[str | None]) -> int:
    """One error kind (or None: fine) per item -> 0 if all fine; the failures' own code if
    every item failed the same way (4 not found, 5 network...); else 1."""
    failures = [k for k in kinds if k is not None]
    if not failures:
        return EXIT_OK
    codes = {KIND_EXIT.get(k, EXIT_PARTIAL) for k in failures}
    if len(failures) == len(kinds) and len(codes) == 1:
        return codes.pop()
    return EXIT_PARTIAL


def _confirm(io: Output, count: int, archive: Path | None) -> None:
    what = f"{count:,} recording{'s' if count != 1 else ''}"
    if not (_isatty(sys.stdin) and _isatty(io.err)):
        raise CommandError(
            f"refusing to delete {what} without --yes (not on a terminal)", EXIT_USAGE
        )
    extra = f" after archiving to {archive}" if archive else ""
    io.err.write(f"Delete {what} permanently{extra}? [y/N] ")
    io.err.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise CommandError("nothing deleted", EXIT_USAGE)


async def cmd_delete(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    ids = _read_ids(args.ids)
    if not ids:
        raise CommandError("no recording ids given", EXIT_USAGE)
    if args.ids == ["-"] and not args.yes:
        raise CommandError("ids read from stdin need --yes", EXIT_USAGE)
    if not args.yes:
        _confirm(io, len(ids), args.archive)
    bar = io.progress("deleting", output_on_stdout=False)

    def progress(done: int, total: int, last: ItemResult) -> None:
        counts = runner.report
        note = f"{len(counts.deleted)} deleted"
        failures = sum(1 for r in counts.results.values() if r.outcome == Outcome.FAILED)
        if failures:
            note += f", {failures} failed"
        bar.update(done, total, note)

    async with _client(config) as client:
        runner: BulkRunner
        if args.archive is not None:
            runner = ArchiveDelete(
                client,
                ids,
                args.archive.expanduser(),
                progress=progress,
                credentials_for=_media_credentials(config),
                **({"concurrency": args.concurrency} if args.concurrency else {}),
            )
        else:
            runner = BulkDelete(
                client,
                ids,
                progress=progress,
                **({"concurrency": args.concurrency} if args.concurrency else {}),
            )
        try:
            report = await runner.run()
        except asyncio.CancelledError:
            bar.close()
            _print_report(io, runner.report)
            raise
        finally:
            bar.close()
    _print_report(io, report)
    if report.aborted:
        return EXIT_AUTH
    results = [report.results[rid] for rid in report.ids]
    return items_exit([None if r.ok else (r.kind or "other") for r in results])


def _print_report(io: Output, report: BulkReport) -> None:
    """One line per id on stdout (`ID<TAB>outcome[<TAB>reason]`), the summary on stderr."""
    for rid in report.ids:
        result = report.results[rid]
        line = f"{rid}\t{result.outcome.value}"
        if result.reason:
            line += f"\t{result.reason}"
        io.out.write(line + "\n")
    io.out.flush()
    io.message(report.summary())
    for result in report.failures:
        if result.outcome == Outcome.FAILED:
            io.message(f"{result.recording_id}: {result.reason}")


async def cmd_costs(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    now = datetime.now(UTC)
    flt = build_filter(args, config, now)
    async with _client(config) as client:
        source = Listing(client, flt, now=now)
        total = await source.open()
        bar = io.progress("reading", output_on_stdout=False)
        try:
            summary = await summarize_async(
                source.iter_all(),
                now=now,
                top_n=max(0, args.top),
                progress=lambda seen: bar.update(seen, total),
            )
        finally:
            bar.close()
            source.close()
    if args.format == "json":
        io.out.write(json.dumps(costs_json(summary), indent=2) + "\n")
    else:
        io.out.write(costs_text(summary, utc=config.settings.utc))
    return EXIT_OK


def costs_json(summary: CostSummary) -> dict[str, Any]:
    def money(value: Decimal) -> str:
        return f"{value.normalize():f}"

    return {
        "count": summary.count,
        "total_minutes": money(summary.total_minutes.quantize(Decimal("0.001"))),
        "billable_minutes": money(summary.billable_minutes),
        "past_free_count": summary.past_free_count,
        "monthly_cost": money(summary.monthly_cost),
        "projected_monthly_cost": money(summary.projected_monthly_cost),
        "unknown_duration": summary.unknown_duration,
        "costliest": [
            {
                "recording_id": c.recording.recording_id,
                "monthly_cost": money(c.monthly_cost),
                "billable_minutes": money(c.billable_minutes),
                "add_time": c.recording.add_time.astimezone(UTC).isoformat(),
            }
            for c in summary.costliest
        ],
        "weeks": [
            {
                "start": w.start.isoformat(),
                "count": w.count,
                "billable_minutes": money(w.billable_minutes),
                "monthly_cost": money(w.monthly_cost),
            }
            for w in summary.weeks
        ],
    }


def costs_text(summary: CostSummary, *, utc: bool) -> str:
    minutes = f"{summary.total_minutes:,.1f}"
    lines = [
        f"recordings               {summary.count:,}",
        f"recorded minutes         {minutes}",
        f"billable minutes         {summary.billable_minutes.normalize():,f}",
        f"past the free 90 days    {summary.past_free_count:,}",
        f"monthly cost now         {format_money(summary.monthly_cost)}",
        f"monthly cost in 30 days  {format_money(summary.projected_monthly_cost)}",
    ]
    if summary.weeks:
        chart = sparkline(w.monthly_cost for w in summary.weeks)
        first, last = summary.weeks[0].start, summary.weeks[-1].start
        lines.append(f"cost by week added       {chart}  (weeks of {first} … {last})")
    if summary.costliest:
        lines.append("costliest:")
        for c in summary.costliest:
            added = format_time(c.recording.add_time, utc=utc, seconds=False)
            lines.append(
                f"  {c.recording.recording_id}  {format_money(c.monthly_cost):>10}/mo  "
                f"{c.billable_minutes.normalize():f} min  added {added}"
            )
    return "\n".join(lines) + "\n"


def cmd_config(args: argparse.Namespace, io: Output) -> int:
    path = init_config(args.path or args.config, force=args.force)
    io.out.write(f"{path}\n")
    io.message(
        f"wrote {path} (mode 600): add auth_id and auth_token to [profiles.main], "
        "or set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN"
    )
    return EXIT_OK


HANDLERS = {
    "list": cmd_list,
    "get": cmd_get,
    "download": cmd_download,
    "delete": cmd_delete,
    "costs": cmd_costs,
}


# -- running --------------------------------------------------------------------------------------


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, CommandError):
        return exc.code
    if isinstance(exc, ConfigError | FilterError | ValidationError):
        return EXIT_USAGE
    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH
    if isinstance(exc, NotFoundError | MediaUnavailableError):
        return EXIT_NOT_FOUND
    if isinstance(exc, PlivoError):
        return KIND_EXIT.get(error_kind(exc), EXIT_NETWORK)
    return EXIT_PARTIAL


def main(argv: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    io = Output(out, err)
    try:
        args = build_parser().parse_args(list(argv))
        if args.command == "config":
            return cmd_config(args, io)
        config = load_config(args.config, profile=args.profile, api_url=args.api_url)
        io.redact = config.profile.credentials.redact
        for warning in config.warnings:
            io.message(f"warning: {warning}")
        return asyncio.run(HANDLERS[args.command](args, config, io))
    except KeyboardInterrupt:
        io.message("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`rectui list | head`): not an error worth a message.
        _silence_stdout()
        return EXIT_OK
    except (CommandError, ConfigError, FilterError, PlivoError, MediaError) as exc:
        io.message(str(exc))
        return exit_code_for(exc)
    except OSError as exc:
        io.message(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
        return EXIT_PARTIAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
