"""Triage at scale in the app: marking, bulk delete / archive-then-delete, export, the cost view,
sorting, profiles and presets. The work itself is rectui.triage's (no Textual there); this is the
controller between it, the keys and the widgets.

- Jobs (a bulk delete or archive, mark all, export, loading every row to sort) run one at a time
  in app workers (group "triage") and report into the docked `TaskPanel`: the table stays
  usable. esc (or the panel's Cancel) stops a job: a bulk run softly (`runner.cancel()`: requests
  in flight finish, so the table reflects exactly what was deleted), a row reader at once.
- Every deleted (or already gone) recording leaves the table as its result arrives; failures stay
  marked and are listed with their reasons in the panel; R (or "Retry failed") runs them again.
- Reading "every row" goes through the table's own listing (`iter_all`), so the rows stay cached:
  after the cost view, mark all or an export, the table can be sorted in memory.

The app mixes in `TriageActions` and adds `TRIAGE_BINDINGS` to its own (like playback.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from rectui.config import AppConfig, ConfigError, client_for, default_config_path, load_config
from rectui.config_writer import save_preset
from rectui.error_text import one_line
from rectui.formatting import format_minutes, format_money
from rectui.index import IndexedListing, Scope, Syncer
from rectui.listing import PAGE_SIZE, SORTS, Listing, SortedListing, is_fully_loaded
from rectui.plivo.client import PlivoClient
from rectui.plivo.models import Recording
from rectui.plivo.recording_cost import DeleteSummary
from rectui.triage import ArchiveDelete, BulkDelete, BulkReport, ItemResult, Outcome
from rectui.triage.export import export_to_path
from rectui.triage.runner import BulkRunner

from .screens.confirm_delete import ConfirmDeleteScreen, DeleteChoice
from .screens.costs import CostActions, CostScreen
from .screens.dialogs import ConfirmScreen, PromptScreen
from .screens.export import ExportRequest, ExportScreen
from .widgets.filter_sidebar import (
    QUICK_RANGES,
    RANGE_CUSTOM,
    RANGE_NONE,
    STORAGE_OPS,
    TEXT_FIELDS,
    FilterSpec,
)
from .widgets.task_panel import TaskPanel

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from .app import RectuiApp

DELETE_CONCURRENCY = 4
"""Deletes in flight at once: quick for a marked batch, well inside Plivo's 300 requests / 5 s
(the client's shared rate limiter paces them with the table's page loads)."""

PROGRESS_EVERY = PAGE_SIZE
"""Rows between progress updates while reading every row (one API page)."""

TRIAGE_KEYS = Binding.Group("Triage")

INDEX_SORTS = {"cost": ("cost", True), "duration": ("duration", True), "age": ("added", False)}
"""The table's sorts as the index's (column, descending)."""

JOB_NAMES = {
    "sync": "sync",
    "delete": "bulk delete",
    "archive": "archive-then-delete",
    "mark": "mark all",
    "export": "export",
    "load": "loading every row",
}


def _key(key: str, action: str, description: str, **options: Any) -> Binding:
    options.setdefault("show", False)
    return Binding(key, action, description, group=TRIAGE_KEYS, **options)


TRIAGE_BINDINGS: list[BindingType] = [
    _key("ctrl+a", "mark_all", "Mark all", tooltip="Mark all recordings matching the filter"),
    _key("u", "unmark_all", "Clear marks"),
    _key("e", "export", "Export", tooltip="Export every row of the filter to CSV or JSON lines"),
    _key(
        "dollar_sign",
        "costs",
        "Costs",
        key_display="$",
        tooltip="Costs: what storing the filter's recordings costs, per week, costliest first",
    ),
    _key(
        "R", "retry_failed", "Retry failed", tooltip="Retry failed: what the last bulk delete left"
    ),
    _key("S", "sync_filter", "Sync", tooltip="Sync: fetch the whole filter into the local index"),
]
"""None in the footer (it stays short); the help screen lists them under "Triage"."""

ClientFactory = Callable[[AppConfig], PlivoClient]


def spec_to_preset(spec: FilterSpec) -> dict[str, str]:
    """A filter as a configuration preset (the inverse of `FilterSpec.from_preset`)."""
    params: dict[str, str] = {}
    storage = spec.storage_days.strip()
    if spec.range in QUICK_RANGES:
        params["range"] = spec.range
    elif spec.range == RANGE_CUSTOM:
        params["add_time__gte"] = spec.since.strip()
        params["add_time__lt"] = spec.until.strip()
    elif spec.range == RANGE_NONE and not storage:
        params["range"] = RANGE_NONE
    for _, key, _, _ in TEXT_FIELDS:
        params[key] = getattr(spec, key).strip()
    if storage:
        params[STORAGE_OPS[spec.storage_op]] = storage
    return {k: v for k, v in params.items() if v}


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


class FilterChanged(Exception):
    """The listing being read was replaced (a new filter or a refresh) before every row was
    read: what was read is incomplete."""

    def __init__(self) -> None:
        super().__init__("the filter changed (or the list was refreshed) while reading; try again")


class Triage:
    """See the module docstring. Everything runs on the app's event loop."""

    def __init__(self, app: RectuiApp) -> None:
        self.app = app
        self.client_factory: ClientFactory = partial(client_for, indexed=True)
        """How a profile switch builds its client (tests pass one with quick retries)."""
        self._job = ""
        """What runs now: "delete", "archive", "mark", "export", "load" ("" when idle)."""
        self._worker: Any = None
        self._runner: BulkRunner | None = None
        """The last bulk run (kept after it ends, for R)."""
        self._counts: dict[Outcome, int] = {}
        self._marked_costs: dict[str, tuple[Decimal, Decimal]] = {}
        """(billable minutes, monthly cost) of each marked recording, summed below."""
        self._marked_minutes = Decimal(0)
        self._marked_saving = Decimal(0)

    # -- state ----------------------------------------------------------------------------------

    @property
    def panel(self) -> TaskPanel:
        return self.app.query_one("#task", TaskPanel)

    @property
    def running(self) -> bool:
        return bool(self._job)

    @property
    def report(self) -> BulkReport | None:
        """The last bulk run's report (live while it runs)."""
        return self._runner.report if self._runner is not None else None

    @property
    def can_retry(self) -> bool:
        runner = self._runner
        return not self.running and runner is not None and bool(runner.report.failures)

    def note(self, message: str, severity: SeverityLevel = "information") -> None:
        self.app.note(message, severity)

    def _busy_refusal(self) -> bool:
        if self.running:
            self.note(f"Wait for the {self._what} under way to finish (esc cancels it)", "warning")
            return True
        return False

    def _open_listing(self) -> Any:
        listing = self.app.table.listing
        if listing is None or not listing.is_open:
            self.note("The recordings have not loaded yet", "warning")
            return None
        return listing

    # -- marks ----------------------------------------------------------------------------------

    def marks_changed(self, count: int) -> None:
        """The header's marked count, with the billable minutes and monthly storage cost of the
        marked set (the same figures the delete dialog gives, from the pricing module).

        Kept as running totals adjusted by what was marked or unmarked since the last call: a
        bulk delete unmarks rows one at a time, and re-adding thousands of marks for each would
        cost O(n²)."""
        table = self.app.table
        summed = self._marked_costs
        ids = table.marked
        for rid in summed.keys() - ids:
            minutes, saving = summed.pop(rid)
            self._marked_minutes -= minutes
            self._marked_saving -= saving
        added = ids - summed.keys()
        if added:
            now = self.app.clock()
            for rec in table.marked_recordings:
                if rec.recording_id in added:
                    one = DeleteSummary.of([rec], now)
                    summed[rec.recording_id] = (one.minutes, one.monthly_saving)
                    self._marked_minutes += one.minutes
                    self._marked_saving += one.monthly_saving
        detail = ""
        if ids:
            detail = (
                f"{format_minutes(self._marked_minutes)} · {format_money(self._marked_saving)}/mo"
            )
        else:  # start again from exact zeros
            self._marked_minutes = self._marked_saving = Decimal(0)
        if table.range_marking:
            detail = "range · " + detail if detail else "range"
        if table.range_loading:
            detail += " · loading rows…"
        self.app.header.set_marked(count, detail)

    def unmark_all(self) -> None:
        table = self.app.table
        count = len(table.marked)
        table.clear_marks()
        if count:
            self.note(f"Cleared {plural(count, 'mark')}")

    def mark_all(self) -> None:
        if self._busy_refusal() or (listing := self._open_listing()) is None:
            return
        total = listing.total
        if total == 0:
            self.note("No recordings match the filter", "warning")
            return
        loaded = is_fully_loaded(listing)
        pages = -(-total // PAGE_SIZE)
        body = f"Filter: {self.app.spec.summary()}."
        if not loaded:
            body += f" Every row is loaded first ({plural(pages, 'page')}; esc cancels)."

        def answered(yes: bool | None) -> None:
            if yes:
                self._start("mark", f"Marking all {total:,} recordings", total, self._mark_all)

        self.app.push_screen(
            ConfirmScreen(
                "Mark all",
                f"Mark all {plural(total, 'recording')} matching the filter?",
                body,
                yes="Mark all",
            ),
            answered,
        )

    async def _mark_all(self, listing: Any) -> None:
        found: list[Recording] = []
        async for rec in self._every_row(listing, "reading"):
            found.append(rec)
        table = self.app.table
        table.end_range_mark()  # a range in progress would otherwise recompute the marks
        table.mark(found)
        self._end()
        missing = listing.total - len(found)
        message = f"Marked all {plural(len(table.marked), 'recording')}"
        if missing > 0:
            message += f" ({missing:,} could not be read and are not marked)"
        self.note(message)

    # -- reading every row ------------------------------------------------------------------------

    async def _every_row(self, listing: Any, verb: str) -> AsyncIterator[Recording]:
        """Every recording of the table's listing, with progress in the panel; raises
        FilterChanged if the listing is replaced midway."""
        total = listing.total
        seen = 0
        self.panel.progress(0, total, f"{verb} 0 of {total:,}")
        async for rec in listing.iter_all():
            seen += 1
            if seen % PROGRESS_EVERY == 0:
                self.panel.progress(seen, total, f"{verb} {seen:,} of {total:,} · esc cancels")
            yield rec
        if isinstance(listing, Listing) and listing.closed:
            raise FilterChanged
        self.panel.progress(seen, max(total, seen), f"{verb} {seen:,} of {total:,}")

    def _start(
        self, job: str, title: str, total: int, work: Callable[[Any], Awaitable[None]]
    ) -> None:
        """Run a row-reading job over the table's listing in the panel."""
        listing = self._open_listing()
        if listing is None or self._busy_refusal():
            return
        self._job = job
        self.panel.start(title, total)
        self.app.header.set_busy(f"{self._what}…")
        self._worker = self.app.run_worker(
            self._guard(work(listing)), group="triage", exit_on_error=False, description=title
        )

    async def _guard(self, work: Awaitable[None]) -> None:
        """One line for whatever stops a row job; the panel closes either way."""
        what = self._what.capitalize()
        # A sync keeps every page it fetched (the index resumes from there).
        outcome = "what was fetched is kept" if self._job == "sync" else "nothing changed"
        try:
            await work
        except asyncio.CancelledError:
            if self.app.is_running:
                self._end()
                self.note(f"{what} cancelled: {outcome}", "warning")
            raise
        except Exception as exc:
            self._end()
            self.note(f"{what} stopped: {self.app.error_text(exc)}", "error")

    @property
    def _what(self) -> str:
        """The running job, as words."""
        return JOB_NAMES.get(self._job, self._job)

    def _end(self) -> None:
        self._job = ""
        self._worker = None
        if self.app.is_running:
            self.app.header.set_busy("")
            self.app.header.set_total(self.app.table.total)
            self.panel.close()

    # -- delete and archive ---------------------------------------------------------------------

    def delete(self, targets: Sequence[Recording]) -> None:
        """The `d` flow: confirm (delete, or archive then delete), then run in the background."""
        if not targets:
            self.note("Nothing to delete: highlight or mark (space) recordings first", "warning")
            return
        if self._busy_refusal():
            return
        archive_dir = self.app.config.settings.download_dir / "archive"

        def answered(choice: DeleteChoice | None) -> None:
            if choice is not None:
                self.start_bulk(targets, choice.archive_dir)

        self.app.push_screen(ConfirmDeleteScreen(targets, self.app.clock(), archive_dir), answered)

    def start_bulk(self, recordings: Sequence[Recording], archive_dir: Path | None = None) -> None:
        if self._busy_refusal():
            return
        client = self.app.client
        runner: BulkRunner
        if archive_dir is None:
            ids = [r.recording_id for r in recordings]
            runner = BulkDelete(
                client, ids, concurrency=DELETE_CONCURRENCY, progress=self._bulk_progress
            )
        else:
            profile = self.app.config.profile
            runner = ArchiveDelete(
                client,
                recordings,
                archive_dir,
                progress=self._bulk_progress,
                credentials_for=lambda rec: profile.credentials_for(rec.owner_auth_id),
            )
        self._runner = runner
        self._run_bulk(retry=False)

    def retry_failed(self) -> None:
        if self.running:
            self.note("Wait for the run under way to finish first", "warning")
            return
        if not self.can_retry:
            self.note("Nothing to retry: the last bulk delete had no failures", "warning")
            return
        self._run_bulk(retry=True)

    @property
    def _verb(self) -> str:
        return "archive" if isinstance(self._runner, ArchiveDelete) else "delete"

    def _run_bulk(self, *, retry: bool) -> None:
        runner = self._runner
        assert runner is not None
        count = len(runner.report.failures) if retry else len(runner.report.ids)
        self._job = self._verb
        self._counts = {}
        if isinstance(runner, ArchiveDelete):
            title = f"Archiving to {runner.archive_dir}, then deleting {plural(count, 'recording')}"
        else:
            title = f"Deleting {plural(count, 'recording')}"
        if retry:
            title = "Retrying: " + title[0].lower() + title[1:]
        self.panel.start(title, count)
        self.app.header.set_busy(f"{self._verb[:-1]}ing 0/{count}")
        self._worker = self.app.run_worker(
            self._bulk(runner, retry), group="triage", exit_on_error=False, description=title
        )

    async def _bulk(self, runner: BulkRunner, retry: bool) -> None:
        error: Exception | None = None
        try:
            await (runner.retry() if retry else runner.run())
        except Exception as exc:  # a bug: the report still says what happened
            error = exc
        finally:
            self._job = ""
            self._worker = None
            if self.app.is_running:
                self.app.header.set_busy("")
                self.app.header.set_total(self.app.table.total)
        self._bulk_finished(runner.report, error)

    def _bulk_progress(self, done: int, total: int, result: ItemResult) -> None:
        self._counts[result.outcome] = self._counts.get(result.outcome, 0) + 1
        if result.ok:
            # The row leaves the table as its result arrives: a cancel midway leaves the table
            # showing exactly what is still on the server.
            self.app.table.remove_recording(result.recording_id)
        gone = self._counts.get(Outcome.DELETED, 0) + self._counts.get(Outcome.ALREADY_GONE, 0)
        failed = done - gone
        status = f"{done:,}/{total:,} · {gone:,} deleted"
        if failed:
            status += f" · {failed:,} failed"
        if self.running:
            status += " · esc cancels"
        self.panel.progress(done, total, status)
        self.app.header.set_busy(f"{self._verb[:-1]}ing {done}/{total}")

    def _bulk_finished(self, report: BulkReport, error: Exception | None) -> None:
        if not self.app.is_running:
            return
        total = len(report.ids)
        deleted = len(report.deleted) + len(report.already_gone)
        gone = len(report.already_gone)
        gone_note = f" ({gone:,} already gone)" if gone else ""
        failures = [r for r in report.failures if r.outcome != Outcome.NOT_ATTEMPTED]
        not_attempted = len(report.failures) - len(failures)
        archive = self._runner if isinstance(self._runner, ArchiveDelete) else None
        if report.ok and error is None:
            self.panel.close()
            if archive is not None:
                self.note(
                    f"Archived and deleted {plural(deleted, 'recording')}{gone_note}; "
                    f"manifest: {archive.manifest}"
                )
            else:
                self.note(f"Deleted {plural(deleted, 'recording')}{gone_note}")
            return
        redact = self.app.redact
        self.panel.show_failures(
            [
                (r.recording_id, redact(r.reason or r.outcome.value.replace("_", " ")))
                for r in failures
            ],
            not_attempted,
        )
        title = f"{'Archive and delete' if archive else 'Delete'}: {report.summary()}"
        status = "R retries what is left · esc closes"
        self.panel.finish(title, status, can_retry=bool(report.failures))
        if error is not None:
            self.note(f"Bulk delete stopped: {self.app.error_text(error)}", "error")
        elif report.cancelled and not failures:
            self.note(
                f"Cancelled: deleted {deleted:,} of {total:,}{gone_note}; "
                f"{not_attempted:,} not attempted (R resumes)",
                "warning",
            )
        elif total == 1 and failures:
            first = failures[0]
            self.note(f"Could not delete {first.recording_id}: {first.reason}", "error")
        else:
            reason = failures[0].reason if failures else report.aborted or "cancelled"
            self.note(
                f"Deleted {deleted:,} of {total:,}{gone_note}; {len(failures):,} failed: {reason}",
                "error",
            )

    def cancel(self) -> bool:
        """Stop the running job (softly for a bulk run). False if nothing runs."""
        if not self.running:
            return False
        runner = self._runner
        if self._job in ("delete", "archive") and runner is not None:
            if not runner.stopping:
                runner.cancel()
                self.panel.set_status("Cancelling: finishing the requests already sent…")
        elif self._worker is not None:
            self._worker.cancel()
        return True

    # -- export -----------------------------------------------------------------------------------

    def export(self) -> None:
        if self._busy_refusal() or (listing := self._open_listing()) is None:
            return
        if listing.total == 0:
            self.note("No recordings match the filter: nothing to export", "warning")
            return
        app = self.app

        def answered(request: ExportRequest | None) -> None:
            if request is not None:
                title = f"Exporting {plural(listing.total, 'recording')} to {request.path}"
                self._start("export", title, listing.total, partial(self._export, request=request))

        app.push_screen(
            ExportScreen(
                total=listing.total,
                directory=app.config.settings.download_dir,
                now=app.clock(),
                summary=app.spec.summary(),
            ),
            answered,
        )

    async def _export(self, listing: Any, request: ExportRequest) -> None:
        path = request.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            count = await export_to_path(
                self._every_row(listing, "exporting"),
                path,
                request.fmt,
                total=listing.total,
                now=self.app.clock(),
                transcripts=self.app.transcript_text if request.transcripts else None,
            )
        except OSError as exc:
            self._end()
            self.note(f"Export failed: {path}: {exc.strerror or one_line(exc)}", "error")
            return
        self._end()
        self.note(f"Exported {plural(count, 'recording')} to {path}")

    # -- costs and sorting ------------------------------------------------------------------------

    def costs(self) -> None:
        listing = self._open_listing()
        if listing is None:
            return
        app = self.app

        async def rows() -> AsyncIterator[Recording]:
            async for rec in listing.iter_all():
                yield rec
            if isinstance(listing, Listing) and listing.closed:
                raise FilterChanged

        app.push_screen(
            CostScreen(
                rows,
                total=listing.total,
                now=app.clock(),
                summary=app.spec.summary(),
                utc=app.config.settings.utc,
                actions=CostActions(sort=self.sort, goto=self.goto),
            )
        )

    def sort(self, name: str) -> None:
        listing = self._open_listing()
        if listing is None:
            return
        if is_fully_loaded(listing):
            self._apply_sort(listing, name)
            return

        async def load_then_sort(listing: Any) -> None:
            async for _ in self._every_row(listing, "loading"):
                pass
            self._end()
            self._apply_sort(listing, name)

        title = f"Loading all {plural(listing.total, 'recording')} to sort them {SORTS[name][0]}"
        self._start("load", title, listing.total, load_then_sort)

    def _apply_sort(self, listing: Any, name: str) -> None:
        app = self.app
        if app.table.listing is not listing:
            return  # the filter changed meanwhile
        ordered: Any
        if isinstance(listing, IndexedListing):  # sorted by the index, in SQL
            sort, descending = INDEX_SORTS[name]
            ordered = listing.resorted(sort, descending=descending)
        else:
            ordered = SortedListing.of(listing, name, app.clock())
        app.table.set_listing(ordered)
        spec = app.spec
        app.header.set_filter(
            f"{spec.summary()} · {SORTS[name][0]}", spec.subaccount.strip() or None
        )
        app.header.set_total(ordered.total)
        self.note(
            f"Sorted {plural(ordered.total, 'recording')} {SORTS[name][0]}: "
            f"{SORTS[name][1]} (r reloads in the server's order)"
        )

    # -- the local index ------------------------------------------------------------------------

    def sync_filter(self, *, quiet: bool = False) -> None:
        """Fetch the whole filter into the local index (with progress; esc cancels), then reopen
        it from there. `quiet`: started by the app itself, so no note unless it fails."""
        app = self.app
        index = getattr(app.client, "index", None)
        if index is None:
            self.note("There is no local index for this account", "warning")
            return
        if (self.running and quiet) or self._busy_refusal():
            return
        now = app.clock()
        flt = app.spec.to_filter(now)
        if flt.errors(now=now, check_window=False):
            self.note("Fix the filter first", "warning")
            return
        if flt.has_storage_filter:
            self.note("Sync a time range (storage filters then come from the index)", "warning")
            return
        self._job = "sync"
        self.panel.start(f"Syncing {app.spec.summary()} into the local index", None)
        app.header.set_busy("sync…")

        def progress(done: int, expected: int) -> None:
            self.panel.progress(done, expected, f"{done:,} of ~{expected:,} requests · esc cancels")

        async def run() -> None:
            margin = app.config.settings.index_margin
            syncer = Syncer(index, app.client, margin=margin, clock=app.clock, progress=progress)
            lower, upper = flt.search_span(now)[0], flt.time_bounds()[1]
            report = await syncer.refresh(Scope.of(flt), lower, upper)
            self._end()
            if not quiet:
                self.note(
                    f"Synced into the local index: {report.requests:,} requests"
                    + (f", {report.dropped:,} deleted elsewhere removed" if report.dropped else "")
                )
            app.action_refresh()

        self._worker = app.run_worker(
            self._guard(run()), group="triage", exit_on_error=False, description="sync"
        )

    def forget_index(self) -> None:
        index = getattr(self.app.client, "index", None)
        if index is None or self._busy_refusal():
            return
        index.forget()
        self.note("Forgot everything the local index held for this account")
        self.app.action_refresh()

    def goto(self, recording_id: str) -> None:
        index = self.app.table.listing.index_of(recording_id) if self.app.table.listing else None
        if index is None:
            self.note(f"{recording_id} is not in the table any more", "warning")
            return
        self.app.table.cursor_index = index
        self.app.table.focus()

    # -- profiles and presets ---------------------------------------------------------------------

    def switch_profile(self, name: str) -> None:
        app = self.app
        if name == app.config.profile.name:
            self.note(f"Already using profile {name}")
            return
        if self._busy_refusal():
            return
        try:
            config = load_config(app.config.path, profile=name)
            client = self.client_factory(config)
        except ConfigError as exc:
            self.note(f"Cannot switch profile: {app.redact(str(exc))}", "error")
            return
        old = app.client
        for warning in config.warnings:
            self.note(warning, "warning")
        app.config = config
        client.on_retry = old.on_retry  # retry notices go on
        app.client = client
        app.playback.account_changed()
        app.table.clear_marks()  # ids of another account
        self._runner = None
        if self.panel.active:
            self.panel.close()
        app.header.set_identity(client.credentials.auth_id, config.profile.name)
        app.load(app.spec)
        app.run_worker(old.aclose(), group="close-client", exit_on_error=False)
        self.note(f"Switched to profile {name} ({client.credentials.auth_id})")

    def profile_commands(self) -> Iterable[SystemCommand]:
        config = self.app.config
        if self.app.demo or len(config.profile_names) < 2:
            return
        where = config.path or default_config_path()
        for name in config.profile_names:
            current = " (current)" if name == config.profile.name else ""
            yield SystemCommand(
                f"Switch profile: {name}",
                f"Use the {name} profile of {where}{current}",
                partial(self.switch_profile, name),
            )

    def save_preset(self) -> None:
        app = self.app
        if app.demo:
            self.note(
                "Demo mode: presets are not saved. With a configuration file they go to "
                f"[presets.NAME] in {app.config.path or default_config_path()}",
                "warning",
            )
            return
        spec = app.spec
        params = spec_to_preset(spec)
        path = app.config.path or default_config_path()

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                written = save_preset(path, name, params)
            except ConfigError as exc:
                self.note(f"Preset not saved: {exc}", "error")
                return
            replaced = name in app.config.presets
            app.config = replace(
                app.config, presets={**app.config.presets, name: params}, path=written
            )
            verb = "Replaced" if replaced else "Saved"
            self.note(f"{verb} preset “{name}” in {written}")

        app.push_screen(
            PromptScreen(
                "Save filter as preset",
                f"Name for the filter “{spec.summary()}”",
                placeholder="e.g. billed storage",
                note=(
                    f"Written to [presets.NAME] in {path}; the rest of the file is kept "
                    "(comments are not). The palette lists it as “Preset: NAME”."
                ),
            ),
            named,
        )

    # -- esc --------------------------------------------------------------------------------------

    def escape(self) -> None:
        """esc on the table: cancel the running job, else undo a range mark in progress, else
        clear the marks, else close a finished task panel."""
        table = self.app.table
        if self.cancel():
            return
        if table.range_marking:
            table.cancel_range_mark()
        elif table.marked:
            table.clear_marks()
        elif self.panel.active:
            self.panel.close()

    # -- palette ----------------------------------------------------------------------------------

    def commands(self) -> Iterable[SystemCommand]:
        app = self.app
        yield SystemCommand(
            "Mark all matching the filter",
            "Load every row and mark them all, after a confirmation (ctrl+a)",
            self.mark_all,
        )
        yield SystemCommand(
            "Range mark", "Mark from here to where the cursor goes (v)", self._range_mark
        )
        yield SystemCommand("Clear marks", "Unmark every recording (u)", self.unmark_all)
        yield SystemCommand(
            "Export…", "Every row of the filter to CSV or JSON lines (e)", self.export
        )
        yield SystemCommand(
            "Storage costs",
            "What the filter's recordings cost, per week, costliest ($)",
            self.costs,
        )
        for name, (label, description) in SORTS.items():
            yield SystemCommand(
                f"Sort {label}",
                f"Sort the table {description}; loads every row first if needed",
                partial(self.sort, name),
            )
        if isinstance(app.table.listing, SortedListing):
            yield SystemCommand(
                "Server order",
                "Newest first, as the server lists them (reloads)",
                app.action_refresh,
            )
        if getattr(app.client, "index", None) is not None:
            yield SystemCommand(
                "Sync this filter",
                "Fetch every recording of the filter into the local index (S; esc cancels)",
                self.sync_filter,
            )
            yield SystemCommand(
                "Forget the local index",
                "Drop what the index holds for this account (it refills as you browse)",
                self.forget_index,
            )
        if self.can_retry:
            yield SystemCommand(
                "Retry failed",
                "Run the last bulk delete again for what failed (R)",
                self.retry_failed,
            )
        if self.running:
            yield SystemCommand("Cancel", f"Stop the {self._what} under way (esc)", self.cancel)
        yield SystemCommand(
            "Save filter as preset…",
            "Save the current filter under a name in the configuration file",
            self.save_preset,
        )
        yield from self.profile_commands()

    def _range_mark(self) -> None:
        self.app.table.focus()
        self.app.table.action_range_mark()


class TriageActions:
    """The triage keys' actions and the task panel's messages, mixed into the app (which defines
    `triage`)."""

    triage: Triage

    def action_mark_all(self) -> None:
        self.triage.mark_all()

    def action_sync_filter(self) -> None:
        self.triage.sync_filter()

    def action_unmark_all(self) -> None:
        self.triage.unmark_all()

    def action_export(self) -> None:
        self.triage.export()

    def action_costs(self) -> None:
        self.triage.costs()

    def action_retry_failed(self) -> None:
        self.triage.retry_failed()

    def triage_commands(self) -> Iterable[SystemCommand]:
        return self.triage.commands()

    # Handlers by name, not @on: Textual collects @on handlers only from message pump classes.

    def on_task_panel_cancel_requested(self) -> None:
        self.triage.cancel()

    def on_task_panel_retry_requested(self) -> None:
        self.triage.retry_failed()

    def on_task_panel_closed(self) -> None:
        app: Any = self
        if app.focused is None or app.triage.panel in app.focused.ancestors_with_self:
            app.table.focus()
