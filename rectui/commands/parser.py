"""The command line: global options, filters and one subparser per command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ..index.query import SORTS
from . import transcripts
from .errors import EXIT_USAGE, CommandError

COMMANDS = (
    "list", "sync", "get", "download", "delete", "costs", "transcript", "search", "config",
)  # fmt: skip
GLOBAL_VALUE_OPTIONS = ("--config", "--profile", "--api-url")

EXIT_CODES_HELP = """\
exit codes: 0 ok, 1 some items failed, 2 usage/config error, 3 auth error,
4 not found, 5 network/server error, 6 (list --local) the index is not fully
synced for the filter, 130 interrupted"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one `rectui: ...` line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see `{self.prog} --help`)", EXIT_USAGE)


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
        "Times are UTC: YYYY-MM-DD[ HH:MM[:SS]]. Without a time or storage filter Plivo searches "
        "the last 7 days. Spans over 30 days are fetched as 30-day windows. Storage filters "
        "cannot be combined with times; they search all recordings.",
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


def _local_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "local index",
        "With --local the answer comes from the index alone (no request; `rectui sync` fills "
        "it), which can also filter and sort what the API cannot. Exit code 6 says the index "
        "does not hold the whole filter yet.",
    )
    group.add_argument("--local", action="store_true", help="answer from the local index")
    group.add_argument("--min-duration", metavar="LENGTH", help="at least LENGTH: 90s, 10m, 1h")
    group.add_argument("--max-duration", metavar="LENGTH", help="at most LENGTH")
    group.add_argument("--format-is", metavar="FMT[,FMT]", help="media format: mp3, wav")
    group.add_argument("--type", metavar="TYPE[,TYPE]", help="recording type: call, conference…")
    group.add_argument("--min-cost", metavar="USD", help="monthly storage cost at least USD")
    group.add_argument("--max-cost", metavar="USD", help="monthly storage cost at most USD")
    group.add_argument("--min-days", metavar="N", help="stored at least N days")
    group.add_argument("--max-days", metavar="N", help="stored at most N days")
    group.add_argument("--search", metavar="TEXT", help="TEXT in any number, name or id")
    group.add_argument("--sort", choices=tuple(SORTS), help="sort by this column")
    group.add_argument("--asc", action="store_true", help="ascending (default: descending)")


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
    _local_options(listing)

    sync = command(
        "sync",
        "bring the local index up to date for the filters (default: the last 400 days)",
    )
    _filter_options(sync)

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

    transcripts.add_parsers(command)

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
