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
    "list", "sync", "get", "download", "delete", "costs", "transcript", "search", "api",
    "completion", "config",
)  # fmt: skip
GLOBAL_VALUE_OPTIONS = ("--config", "--profile", "--api-url", "--timeout")
LIST_FORMATS = ("table", "csv", "tsv", "json", "jsonl")

EXAMPLES = {
    "list": """\
  rectui list --since 30d --format csv -o last-month.csv
  rectui list --from-number +14155550100 --columns recording_id,days_stored,monthly_cost
  rectui list --add-time-gte '2026-03-01 00:00' --limit 20 --offset 40 --format jsonl
  rectui list --local --min-days 91 --sort cost --format tsv --no-header""",
    "sync": """\
  rectui sync                      # the last 400 days
  rectui sync --since 30d --subaccount SAXXXXXXXXXXXXXXXXXX""",
    "get": """\
  rectui get 2c9f5e10-0b7e-11f1-8d31-0242ac120002
  rectui get 2c9f5e10-0b7e-11f1-8d31-0242ac120002 --format table""",
    "download": """\
  rectui download ID1 ID2 --dir ~/calls
  rectui list --since 7d --format csv --columns recording_id --no-header | rectui download -""",
    "delete": """\
  rectui delete ID1 ID2 --dry-run          # what would go, minutes and the monthly saving
  rectui delete ID1 --archive ~/archive --yes
  rectui list --local --min-days 365 --format tsv --columns recording_id --no-header \\
      | rectui delete - --yes""",
    "costs": """\
  rectui costs --since 400d
  rectui costs --since 90d --top 20 --format json""",
    "api": """\
  rectui api GET '/Recording/?limit=5'
  rectui api GET /Recording/2c9f5e10-0b7e-11f1-8d31-0242ac120002/
  rectui -v api DELETE /Recording/2c9f5e10-0b7e-11f1-8d31-0242ac120002/""",
    "completion": """\
  source <(rectui completion bash)
  rectui completion zsh > "${fpath[1]}/_rectui"
  rectui completion fish > ~/.config/fish/completions/rectui.fish""",
    "transcript": """\
  rectui transcript 2c9f5e10-0b7e-11f1-8d31-0242ac120002
  rectui transcript 2c9f5e10-0b7e-11f1-8d31-0242ac120002 --request --wait""",
    "search": """\
  rectui search refund
  rectui search cancel order --format json""",
    "config": """\
  rectui config init
  rectui config init --path ./rectui.toml --force""",
}

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
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=default,
        metavar="SECONDS",
        help="give up on a request the server has not answered in SECONDS",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default if suppress else False,
        help="log each HTTP request (method, URL, status, ms) to stderr",
    )


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 < s < 86400)")
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


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
    for op, words in (("gt", "after"), ("gte", "at or after"), ("lt", "before")):
        group.add_argument(f"--add-time-{op}", metavar="TIME", help=f"added {words} TIME (exact)")
    group.add_argument("--add-time-lte", metavar="TIME", help="added at or before TIME (exact)")
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
            epilog=f"examples:\n{EXAMPLES[name]}\n\n{EXIT_CODES_HELP}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _global_options(sub, suppress=True)
        return sub

    listing = command("list", "list every recording matching the filters")
    _filter_options(listing)
    output = listing.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=LIST_FORMATS,
        default="table",
        help="table (fits the terminal), csv, tsv, json (one array) or jsonl (one object a line)",
    )
    output.add_argument(
        "--columns",
        metavar="A,B,C",
        help="these fields, in this order: any CSV column (computed ones such as days_stored, "
        "monthly_cost, free_storage_until included) or any field of the server's object",
    )
    output.add_argument("--no-header", action="store_true", help="no heading line or summary")
    output.add_argument("--output", "-o", type=Path, help="write to FILE (complete or not at all)")
    output.add_argument("--max", type=int, metavar="N", help="stop after N rows")
    output.add_argument(
        "--limit",
        type=_count,
        metavar="N",
        help="fetch exactly one page of N (at most 20) with one request, as the API pages",
    )
    output.add_argument(
        "--offset", type=_count, metavar="N", help="that page starts at row N (with --limit)"
    )
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
    delete.add_argument(
        "--dry-run",
        action="store_true",
        help="delete nothing: show what would go, its minutes and the monthly saving",
    )
    delete.add_argument("--concurrency", type=int, default=None, help=argparse.SUPPRESS)

    costs = command("costs", "storage-cost summary of the recordings matching the filters")
    _filter_options(costs)
    costs.add_argument("--top", type=int, default=10, metavar="N", help="list the N costliest")
    costs.add_argument("--format", choices=("table", "json"), default="table")

    transcripts.add_parsers(command)

    api = command("api", "send one request to any API path and print the JSON it answers")
    api.add_argument("method", metavar="METHOD", type=str.upper, help="GET, DELETE, POST...")
    api.add_argument(
        "path",
        metavar="PATH",
        help="relative to /v1/Account/AUTH_ID (e.g. '/Recording/?limit=5'), or from /v1/",
    )

    completion = command("completion", "print a shell completion script")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"))

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


def command_summaries() -> list[tuple[str, str]]:
    """(name, one line) for every command, as `rectui --help` lists them."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return [(choice.dest, choice.help or "") for choice in action._choices_actions]
    return []


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
