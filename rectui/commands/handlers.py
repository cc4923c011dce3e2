"""The commands themselves: each takes parsed args, the resolved config and an Output."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl

import httpx

from ..atomic_file import atomic_write
from ..config import AppConfig, client_for
from ..config_writer import init_config
from ..error_text import one_line
from ..formatting import format_money, format_time
from ..index import IndexStore, Scope, Syncer
from ..index.query import LocalFilter, LocalQuery
from ..index.store import to_us
from ..listing import Listing
from ..media.download import download_file, media_url, resolve_credentials
from ..media.errors import MediaError
from ..plivo.auth import Credentials
from ..plivo.client import PlivoClient
from ..plivo.combined import split_filter
from ..plivo.errors import PlivoError
from ..plivo.filters import FilterError, RecordingFilter
from ..plivo.models import Recording
from ..plivo.recording_cost import DeleteSummary
from ..server_text import safe_json, safe_text
from ..triage import fields
from ..triage.archive import ArchiveDelete, archive_name
from ..triage.bulk_delete import BulkDelete
from ..triage.costs import summarize_async
from ..triage.results import DONE, BulkReport, ItemResult, Outcome, error_kind
from ..triage.runner import BulkRunner
from . import transcripts
from .completion import completion_script
from .errors import (
    EXIT_AUTH,
    EXIT_NOT_SYNCED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    CommandError,
    items_exit,
)
from .filters import build_filter, build_local_filter, filter_problems
from .list_output import ListWriter, parse_columns
from .output import Output, isatty
from .render import costs_json, costs_text, recording_table

DEFAULT_SYNC_SPAN = "400d"


def _client(config: AppConfig, io: Output, args: argparse.Namespace) -> PlivoClient:
    timeout = getattr(args, "timeout", None)
    options: dict[str, Any] = {} if timeout is None else {"timeout": httpx.Timeout(timeout)}
    client = client_for(config, **options)
    # A hung server is otherwise minutes of silence; Ctrl+C stops waiting.
    client.on_retry = lambda notice: io.message(str(notice))
    if getattr(args, "verbose", False):
        # Credentials travel in a header, never the URL; io.message redacts the token anyway.
        client.on_http = lambda method, url, status, ms: io.message(
            f"{method} {url} {status if status is not None else 'no answer'} {ms:.0f} ms"
        )
    return client


def _media_credentials(config: AppConfig) -> dict[str, Credentials]:
    """auth id -> credentials, for media behind HTTP auth (a subaccount's needs its own)."""
    profile = config.profile
    return {profile.credentials.auth_id: profile.credentials, **profile.subaccount_credentials}


def _read_ids(ids: list[str]) -> list[str]:
    if ids == ["-"]:
        ids = sys.stdin.read().split()
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


async def cmd_list(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    now = datetime.now(UTC)
    flt = build_filter(args, config, now)
    local = build_local_filter(args)
    if args.max is not None and args.max < 0:
        raise CommandError(f"--max {args.max}: give 0 or more rows", EXIT_USAGE)
    if args.output is not None:
        _check_writable(args.output)  # before any request: a typo costs nothing
    if args.local:
        if args.limit is not None or args.offset is not None:
            raise CommandError("--limit/--offset page the API; use --max with --local", EXIT_USAGE)
        return await _list_local(args, config, io, flt, local, now)
    if args.limit is not None or args.offset is not None:
        return await _list_page(args, config, io, flt, now)
    split = split_filter(flt, now)
    async with _client(config, io, args) as client:
        source = Listing(client, split.server, now=now)
        try:
            total = await source.open()
            await _write_rows(args, config, io, split.matching(source.iter_all()), total, now)
        finally:
            source.close()
        if source.problems:
            io.message(f"warning: skipped {len(source.problems)} malformed recording objects")
    return EXIT_OK


async def _list_local(
    args: argparse.Namespace,
    config: AppConfig,
    io: Output,
    flt: RecordingFilter,
    local: LocalFilter,
    now: datetime,
) -> int:
    query = LocalQuery.for_filter(
        flt, now, local, sort=args.sort or "added", descending=not args.asc
    )
    store = _open_index(config, io)
    try:
        ids = query.ids(store, now)
        missing = query.unsynced(store)
        as_of = store.validated_at(query.scope.covering())

        async def rows() -> AsyncIterator[Recording]:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                found = store.load(chunk, now)
                for rid in chunk:
                    if rid in found:
                        yield found[rid]

        await _write_rows(args, config, io, rows(), len(ids), now)
    finally:
        store.close()
    if missing:
        since = "never synced" if as_of is None else f"synced {format_time(as_of, utc=True)}"
        first, last = missing[0][0], missing[-1][1]
        io.message(
            f"not fully synced ({since}): the index lacks recordings added "
            f"{format_time(first, utc=True)} – {format_time(last, utc=True)}; "
            "run `rectui sync` with the same filters"
        )
        return EXIT_NOT_SYNCED
    return EXIT_OK


async def _list_page(
    args: argparse.Namespace, config: AppConfig, io: Output, flt: RecordingFilter, now: datetime
) -> int:
    """Exactly one API page, as plivo-cli's --limit/--offset: one request, one window."""
    if args.limit is None:
        raise CommandError("--offset needs --limit", EXIT_USAGE)
    page_filter = flt.with_values(limit=str(args.limit), offset=str(args.offset or 0))
    try:
        page_filter = page_filter.validate(now=now)
    except FilterError as exc:
        raise CommandError(f"one page is one request: {filter_problems(exc)}", EXIT_USAGE) from None
    async with _client(config, io, args) as client:
        page = await client.list_recordings(page_filter)

    async def rows() -> AsyncIterator[Recording]:
        for rec in page.recordings:
            yield rec

    await _write_rows(args, config, io, rows(), len(page.recordings), now)
    if page.malformed:
        io.message(f"warning: skipped {len(page.malformed)} malformed recording objects")
    io.message(
        f"rows {page.meta.offset + 1:,}–{page.meta.offset + len(page.recordings):,} "
        f"of {page.meta.total_count:,}"
        if page.recordings
        else f"no rows at offset {page.meta.offset:,} of {page.meta.total_count:,}"
    )
    return EXIT_OK


def _open_index(config: AppConfig, io: Output) -> IndexStore:
    store = IndexStore.for_account(config.settings.cache_dir, config.profile.credentials.auth_id)
    if store.notice:
        io.message(store.notice)
    return store


async def _write_rows(
    args: argparse.Namespace,
    config: AppConfig,
    io: Output,
    source: AsyncIterator[Recording],
    total: int,
    now: datetime,
) -> None:
    limit = args.max
    expected = total if limit is None else min(total, limit)
    rows = _limited(source, limit)
    bar = io.progress("listing", output_on_stdout=args.output is None)
    columns = parse_columns(args.columns)

    async def write(out: TextIO, width: int | None) -> ListWriter:
        writer = ListWriter(
            out,
            args.format,
            now,
            columns=columns,
            header=not args.no_header,
            width=width,
            utc=config.settings.utc,
        )
        async for rec in rows:
            writer.write(rec)
            bar.update(writer.count, expected)
        writer.close()
        return writer

    try:
        if args.output is not None:
            try:
                with atomic_write(args.output, newline="") as handle:
                    writer = await write(handle, None)
            except OSError as exc:
                raise CommandError(
                    f"cannot write {args.output}: {exc.strerror or exc}", EXIT_PARTIAL
                ) from None
            bar.close()
            io.message(f"wrote {writer.count:,} recordings to {args.output}")
        else:
            writer = await write(io.out, terminal_width(io.out) if args.format == "table" else None)
            bar.close()
            if writer.summary:
                # On stderr, so that `rectui list > rows.txt` holds only rows.
                io.message(writer.summary)
    finally:
        bar.close()


def _check_writable(path: Path) -> None:
    """A usage error naming `path` when -o cannot be written there."""
    directory = path.parent
    if path.is_dir():
        problem = "it is a directory"
    elif not directory.is_dir():
        problem = f"no directory {directory}"
    elif not os.access(directory, os.W_OK | os.X_OK):
        problem = f"no permission to write in {directory}"
    else:
        return
    raise CommandError(f"-o {path}: {problem}", EXIT_USAGE)


def terminal_width(out: TextIO) -> int | None:
    """On a terminal its width (COLUMNS first, as curses does); None (no limit) for a pipe or a
    file, whatever COLUMNS an environment exports."""
    if not isatty(out):
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError):
        return None


async def cmd_sync(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    now = datetime.now(UTC)
    given_times = (args.add_time_gt, args.add_time_gte, args.add_time_lt, args.add_time_lte)
    if not (args.since or args.from_time or args.to_time or args.preset or any(given_times)):
        args.since = DEFAULT_SYNC_SPAN
    flt = build_filter(args, config, now)
    if flt.has_storage_filter:
        raise CommandError(
            "sync takes time filters; ask storage questions with `list --local --min-days N`",
            EXIT_USAGE,
        )
    lower = flt.search_span(now)[0]
    upper = flt.time_bounds()[1]  # None: up to the moment the sync runs
    scope = Scope.of(flt)
    store = _open_index(config, io)
    bar = io.progress("syncing", output_on_stdout=False)
    try:
        async with _client(config, io, args) as client:
            syncer = Syncer(
                store,
                client,
                margin=config.settings.index_margin,
                progress=lambda done, expected: bar.update(done, expected, "requests"),
            )
            report = await syncer.refresh(scope, lower, upper)
        held = store.count(scope, to_us(lower), to_us(upper or datetime.now(UTC)))
    finally:
        bar.close()
        store.close()
    io.out.write(
        f"{held:,} recordings in the index for this filter; {report.requests:,} requests "
        f"({report.validated_windows} windows validated, {report.fetched_windows} fetched, "
        f"{report.dropped:,} deleted elsewhere removed)\n"
    )
    if unstable := report.unstable_text():
        io.message(f"warning: {unstable}")
    return EXIT_OK


async def _limited(rows: AsyncIterator[Recording], limit: int | None) -> AsyncIterator[Recording]:
    count = 0
    async for rec in rows:
        if limit is not None and count >= limit:
            return
        count += 1
        yield rec


async def cmd_get(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    async with _client(config, io, args) as client:
        rec = await client.get_recording(args.id)
    if args.format == "json":
        io.out.write(safe_json(rec.raw, indent=2) + "\n")
    else:
        pairs = recording_table(rec, datetime.now(UTC), config.settings.utc)
        width = max(len(k) for k, _ in pairs)
        io.out.writelines(f"{k:<{width}}  {safe_text(v)}\n" for k, v in pairs)
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

    async with _client(config, io, args) as client:

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


def _confirm(io: Output, count: int, archive: Path | None) -> None:
    what = f"{count:,} recording{'s' if count != 1 else ''}"
    if not (isatty(sys.stdin) and isatty(io.err)):
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
    if args.dry_run:
        return await _delete_dry_run(args, config, io, ids)
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

    async with _client(config, io, args) as client:
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
                listed=False,  # typed ids: a 404 says "no such recording", exit 4
                progress=progress,
                **({"concurrency": args.concurrency} if args.concurrency else {}),
            )
        try:
            report = await runner.run()
        except asyncio.CancelledError:
            bar.close()
            _forget_deleted(config, io, runner.report)
            _print_report(io, runner.report)
            raise
        finally:
            bar.close()
    _forget_deleted(config, io, report)
    _print_report(io, report)
    if report.aborted:
        return EXIT_AUTH
    results = [report.results[rid] for rid in report.ids]
    return items_exit([None if r.ok else (r.kind or "other") for r in results])


async def _delete_dry_run(
    args: argparse.Namespace, config: AppConfig, io: Output, ids: list[str]
) -> int:
    """What `delete` would do, read with GETs only: each id with its minutes and monthly cost,
    then the total saving (the delete dialog's figures)."""
    now = datetime.now(UTC)
    found: list[Recording] = []
    kinds: list[str | None] = []
    async with _client(config, io, args) as client:
        for rid in ids:
            try:
                rec = await client.get_recording(rid)
            except PlivoError as exc:
                io.message(f"{rid}: {one_line(exc)}")
                kinds.append(error_kind(exc))
                continue
            found.append(rec)
            kinds.append(None)
            cost = fields.compute(rec, now)
            minutes = "?" if cost.billable_minutes is None else f"{cost.billable_minutes:f}"
            io.out.write(
                f"{safe_text(rid)}\twould delete\t{minutes} min\t"
                f"{format_money(cost.monthly_cost)}/mo\n"
            )
    summary = DeleteSummary.of(found, now)
    io.message(
        f"dry run, nothing deleted: {summary.count:,} recording"
        f"{'s' if summary.count != 1 else ''} would go, {summary.minutes.normalize():f} billable "
        f"minutes, saving {format_money(summary.monthly_saving)} per month now and "
        f"{format_money(summary.future_saving)} per month once their free storage ends"
    )
    return items_exit(kinds)


async def cmd_api(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    path, _, query = args.path.partition("?")
    if not path.startswith("/"):
        raise CommandError(f"{args.path!r}: a path starts with /", EXIT_USAGE)
    params = dict(parse_qsl(query, keep_blank_values=True)) or None
    async with _client(config, io, args) as client:
        body = await client.request_json(args.method, path, params)
    if body is not None:
        io.out.write(safe_json(body, indent=2) + "\n")
    return EXIT_OK


def cmd_completion(args: argparse.Namespace, io: Output) -> int:
    io.out.write(completion_script(args.shell))
    return EXIT_OK


def _forget_deleted(config: AppConfig, io: Output, report: BulkReport) -> None:
    """What this run deleted (or found gone) leaves the local index at once."""
    gone = report.ids_with([*DONE, Outcome.NOT_FOUND])
    if gone:
        store = _open_index(config, io)
        try:
            store.delete(gone)
        finally:
            store.close()


def _print_report(io: Output, report: BulkReport) -> None:
    """One line per id on stdout (`ID<TAB>outcome[<TAB>reason]`), the summary on stderr."""
    for rid in report.ids:
        result = report.results[rid]
        line = f"{safe_text(rid)}\t{result.outcome.value}"
        if result.reason:
            line += f"\t{safe_text(result.reason)}"
        io.out.write(line + "\n")
    io.out.flush()
    io.message(report.summary())
    for result in report.failures:
        if result.outcome == Outcome.FAILED:
            io.message(f"{result.recording_id}: {result.reason}")


async def cmd_costs(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    now = datetime.now(UTC)
    split = split_filter(build_filter(args, config, now), now)
    async with _client(config, io, args) as client:
        source = Listing(client, split.server, now=now)
        total = await source.open()
        bar = io.progress("reading", output_on_stdout=False)
        try:
            summary = await summarize_async(
                split.matching(source.iter_all()),
                now=now,
                top_n=max(0, args.top),
                progress=lambda seen: bar.update(seen, total),
            )
        finally:
            bar.close()
            source.close()
    if args.format == "json":
        io.out.write(safe_json(costs_json(summary), indent=2) + "\n")
    else:
        io.out.write(costs_text(summary, utc=config.settings.utc))
    return EXIT_OK


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
    "sync": cmd_sync,
    "get": cmd_get,
    "download": cmd_download,
    "delete": cmd_delete,
    "costs": cmd_costs,
    "transcript": lambda args, config, io: transcripts.cmd_transcript(
        args, config, io, _client(config, io, args)
    ),
    "search": transcripts.cmd_search,
    "api": cmd_api,
}
