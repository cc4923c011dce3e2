"""Scriptable commands: the same engine as the TUI, for shells, cron and pipes.

    rectui [--config FILE] [--profile NAME] [--api-url URL] COMMAND ...

    list       recordings matching filters: table, csv, tsv, json or jsonl, --columns, one
               exact page with --limit/--offset;
               --local answers from the local index, with filters and sorts the API lacks
    sync       bring the local index up to date for filters (default: the last 400 days)
    get        one recording, as JSON (the server's object) or a readable table
    download   recordings' media into a directory, each checked against Content-Length
    delete     recordings, optionally archived (downloaded, verified, journaled) first
    costs      storage-cost summary of the recordings matching filters
    transcript a recording's transcript (stored in the local index); --request asks for one
               (charged per minute, the cost is stated), --wait waits for it, --delete
    search     recordings whose stored transcripts have every one of the words, with the line
    api        one request to any API path, printing the JSON answer (auth, limiter, retries)
    completion a bash, zsh or fish completion script
    config     `config init` writes a commented starter configuration (mode 0600)

The global options may also follow the command. Credentials come from PLIVO_AUTH_ID and
PLIVO_AUTH_TOKEN or the profile, exactly as for the TUI.

Exit codes (stable, for scripts):
    0  everything asked for was done (deleting what an earlier run with the same --archive
       manifest deleted counts as done)
    1  some items failed (the others succeeded), or failures of mixed kinds
    2  usage or configuration error (bad option, invalid filter, no credentials, an unusable
       API URL or config file, refused to delete without --yes when not on a terminal, a
       recording id that is not one path segment such as `..` or `a/b`)
    3  authentication failed (auth id or token rejected)
    4  not found (the recording, or every one asked for, does not exist, `delete` included;
       no transcript yet; no stored transcript has the words)
    5  network or server error (unreachable, timeouts, 5xx after retries)
    6  `list --local`: the index does not hold all of the filter yet (the rows it has are
       printed; `rectui sync` with the same filters completes it)
    130  interrupted (Ctrl+C); what was done is reported first

Output: results on stdout; errors on stderr as one line each (`rectui: ...`), never a traceback
and never the token. On a terminal, long work shows a progress line on stderr; piped or
redirected output stays quiet apart from errors.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import TextIO

from ..config import ConfigError, load_config
from ..error_text import one_line
from ..index import IndexStore, IndexUnavailable, index_path, is_damage
from ..media.errors import MediaError
from ..plivo.errors import PlivoError
from ..plivo.filters import FilterError
from ..triage.journal import JournalError
from .errors import (
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    CommandError,
    exit_code_for,
)
from .handlers import HANDLERS, cmd_completion, cmd_config
from .output import Output
from .parser import COMMANDS, build_parser, is_command

__all__ = [
    "COMMANDS",
    "EXIT_AUTH",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "is_command",
    "main",
]


def main(argv: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    io = Output(out, err)
    try:
        args = build_parser().parse_args(list(argv))
        if args.command == "config":
            return cmd_config(args, io)
        if args.command == "completion":
            return cmd_completion(args, io)
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
    except JournalError as exc:
        io.message(str(exc))
        return EXIT_PARTIAL
    except IndexUnavailable as exc:
        io.message(str(exc))
        return EXIT_PARTIAL
    except sqlite3.DatabaseError as exc:
        path = index_path(config.settings.cache_dir, config.profile.credentials.auth_id)
        if not is_damage(exc):  # busy past the timeout, a full disk: the file is fine
            io.message(f"the local index {path}: {exc}")
            return EXIT_PARTIAL
        # Damage inside the index file shows only where it is read: start it afresh.
        IndexStore.discard(path)
        io.message(
            f"the local index {path} was damaged ({exc}); removed it, `rectui sync` refills it"
        )
        return EXIT_PARTIAL
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        io.message(f"{where}{exc.strerror or exc}")
        return EXIT_PARTIAL
    except Exception as exc:  # a bug: still one line, never a traceback on a user's screen
        io.message(f"unexpected error: {one_line(exc)}")
        return EXIT_PARTIAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
