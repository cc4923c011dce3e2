"""Triage at scale in the app: marking, bulk runs, export, the cost view, sorting and syncing
the filter into the local index. The work itself is rectui.triage's and rectui.index's (no
Textual there); this is the controller between it, the keys and the widgets.

- Jobs (a bulk run, mark all, export, loading every row to sort, a sync) run one at a time in
  the panel's workers (group "triage") and report into the docked `TaskPanel`: the table stays
  usable. esc (or the panel's Cancel) stops a job: a bulk run softly (rectui/ui/bulk_run.py:
  delete, archive-then-delete, transcripts for the marked), a row reader at once.
- Reading "every row" goes through the table's own listing (`iter_all`), so the rows stay cached:
  after the cost view, mark all or an export, the table can be sorted in memory.

The main screen binds the keys (rectui/ui/actions, section "triage") to this controller's
methods; the palette's triage commands are in rectui/ui/commands.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rectui.error_text import one_line
from rectui.formatting import format_minutes, format_money, plural
from rectui.index import IndexedListing, Scope, Syncer
from rectui.listing import (
    NAMED_SORTS,
    PAGE_SIZE,
    SERVER_ORDER,
    Listing,
    ListingLike,
    SortedListing,
    is_fully_loaded,
)
from rectui.listing.columns import index_sort
from rectui.listing.filter_spec import FilterSpec
from rectui.plivo.models import Recording
from rectui.plivo.recording_cost import MarkedTotals
from rectui.triage import BulkReport
from rectui.triage.export import export_to_path

from .bulk_run import BulkRun
from .screens.costs import CostActions, CostScreen
from .screens.dialogs import ConfirmScreen
from .screens.export import ExportRequest, ExportScreen
from .session import Session
from .widgets.recording_table import RecordingTable
from .widgets.status_header import StatusHeader
from .widgets.table_sort import SortLoading, first_direction, label
from .widgets.task_panel import TaskPanel
from .workers import start_worker

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

PROGRESS_EVERY = PAGE_SIZE
"""Rows between progress updates while reading every row (one API page)."""

JOB_NAMES = {
    "sync": "sync",
    "mark": "mark all",
    "export": "export",
    "load": "loading every row",
}


class FilterChanged(Exception):
    """The listing being read was replaced (a new filter or a refresh) before every row was
    read: what was read is incomplete."""

    def __init__(self) -> None:
        super().__init__("the filter changed (or the list was refreshed) while reading; try again")


class Triage:
    """See the module docstring. Everything runs on the app's event loop."""

    def __init__(
        self,
        session: Session,
        table: RecordingTable,
        panel: TaskPanel,
        header: StatusHeader,
        *,
        reload: Callable[[FilterSpec | None], None],
        transcript_text: Callable[[str], str | None],
    ) -> None:
        self.session = session
        """Replaced by the main screen when the profile changes (`MainScreen.use_session`)."""
        self.table = table
        self.panel = panel
        self.header = header
        self._reload = reload
        """Opens the filter again (after a sync, the index serves it), given the filter spec just
        synced (None after the index was forgotten)."""
        self._transcript_text = transcript_text
        """A recording's stored transcript, for the export's optional column."""
        self._job = ""
        """The row job that runs now: "mark", "export", "load", "sync" ("" when idle)."""
        self._worker: Any = None
        self.bulk = BulkRun(
            table, panel, header, session=lambda: self.session, busy=self.busy_refusal
        )
        """Delete, archive-then-delete and transcription runs (rectui/ui/bulk_run.py)."""
        self._marked_totals = MarkedTotals()
        """Billable minutes and monthly cost of the marked set, for the header."""

    # -- state ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self._job) or self.bulk.running

    @property
    def report(self) -> BulkReport | None:
        """The last bulk run's report (live while it runs)."""
        return self.bulk.report

    @property
    def can_retry(self) -> bool:
        return not self.running and self.bulk.can_retry

    def note(self, message: str, severity: SeverityLevel = "information") -> None:
        self.session.note(message, severity)

    def busy_refusal(self) -> bool:
        """Say so and return True if a job runs (one job at a time)."""
        if self.running:
            what = self.job_name
            self.note(f"Wait for the {what} under way to finish (esc cancels it)", "warning")
            return True
        return False

    def _open_listing(self) -> Any:
        listing = self.table.listing
        if listing is None or not listing.is_open:
            self.note("The recordings have not loaded yet", "warning")
            return None
        return listing

    # -- marks ----------------------------------------------------------------------------------

    def marks_changed(self, count: int) -> None:
        """The header's marked count, with the billable minutes and monthly storage cost of the
        marked set (the same figures the delete dialog gives, from the pricing module).

        Kept as running totals (`MarkedTotals`): a bulk delete unmarks rows one at a time."""
        table = self.table
        ids = table.marked
        totals = self._marked_totals
        totals.update(ids, table.marked_recordings, self.session.clock())
        detail = ""
        if ids:
            detail = f"{format_minutes(totals.minutes)} · {format_money(totals.saving)}/mo"
        if table.range_marking:
            detail = "range · " + detail if detail else "range"
        if table.range_loading:
            detail += " · loading rows…"
        self.header.set_marked(count, detail)

    def unmark_all(self) -> None:
        table = self.table
        count = len(table.marked)
        table.clear_marks()
        if count:
            self.note(f"Cleared {plural(count, 'mark')}")

    def mark_all(self) -> None:
        if self.busy_refusal() or (listing := self._open_listing()) is None:
            return
        total = listing.total
        if total == 0:
            self.note("No recordings match the filter", "warning")
            return
        loaded = is_fully_loaded(listing)
        pages = -(-total // PAGE_SIZE)
        body = f"Filter: {self.session.spec.summary()}."
        if not loaded:
            body += f" Every row is loaded first ({plural(pages, 'page')}; esc cancels)."

        def answered(yes: bool | None) -> None:
            if yes:
                self._start("mark", f"Marking all {total:,} recordings", total, self._mark_all)

        self.panel.app.push_screen(
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
        table = self.table
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
        if listing is None or self.busy_refusal():
            return
        self._job = job
        self.panel.start(title, total)
        self.header.set_busy(f"{self.job_name}…")
        self._worker = start_worker(
            self.panel,
            partial(self._guard, partial(work, listing)),
            group="triage",
            description=title,
        )

    async def _guard(self, work: Callable[[], Awaitable[None]]) -> None:
        """One line for whatever stops a row job; the panel closes either way. (`work` is
        called here: see start_worker.)"""
        what = self.job_name.capitalize()
        # A sync keeps every page it fetched (the index resumes from there).
        outcome = "what was fetched is kept" if self._job == "sync" else "nothing changed"
        try:
            await work()
        except asyncio.CancelledError:
            if self.panel.is_attached:
                self._end()
                self.note(f"{what} cancelled: {outcome}", "warning")
            raise
        except Exception as exc:
            self._end()
            self.note(f"{what} stopped: {self.session.error_text(exc)}", "error")

    @property
    def job_name(self) -> str:
        """The running job, as words."""
        return self.bulk.kind.job if self.bulk.running else JOB_NAMES.get(self._job, self._job)

    def _end(self) -> None:
        self._job = ""
        self._worker = None
        if self.panel.is_attached:
            self.header.set_busy("")
            self.header.set_total(self.table.total)
            self.panel.close()

    # -- bulk runs (rectui/ui/bulk_run.py) ------------------------------------------------------

    def retry_failed(self) -> None:
        if self.running:
            self.note("Wait for the run under way to finish first", "warning")
            return
        if not self.can_retry:
            self.note("Nothing to retry: the last bulk run had no failures", "warning")
            return
        self.bulk.retry()

    def forget_last_run(self) -> None:
        """Another account is in use: the last run's failures are not retryable here."""
        self.bulk.forget()
        if self.panel.active:
            self.panel.close()

    def cancel(self) -> bool:
        """Stop the running job (softly for a bulk run). False if nothing runs."""
        if self.bulk.running:
            self.bulk.cancel()
        elif self._worker is not None:
            self._worker.cancel()
        return self.running

    # -- export -----------------------------------------------------------------------------------

    def export(self) -> None:
        if self.busy_refusal() or (listing := self._open_listing()) is None:
            return
        if listing.total == 0:
            self.note("No recordings match the filter: nothing to export", "warning")
            return
        session = self.session

        def answered(request: ExportRequest | None) -> None:
            if request is not None:
                title = f"Exporting {plural(listing.total, 'recording')} to {request.path}"
                self._start("export", title, listing.total, partial(self._export, request=request))

        self.panel.app.push_screen(
            ExportScreen(
                total=listing.total,
                directory=session.config.settings.download_dir,
                now=session.clock(),
                summary=session.spec.summary(),
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
                now=self.session.clock(),
                transcripts=self._transcript_text if request.transcripts else None,
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
        session = self.session

        async def rows() -> AsyncIterator[Recording]:
            async for rec in listing.iter_all():
                yield rec
            if isinstance(listing, Listing) and listing.closed:
                raise FilterChanged

        self.panel.app.push_screen(
            CostScreen(
                rows,
                total=listing.total,
                now=session.clock(),
                summary=session.spec.summary(),
                utc=session.config.settings.utc,
                actions=CostActions(sort=self.sort, goto=self.goto),
            )
        )

    def sort(self, name: str, descending: bool | None = None) -> None:
        """Sort the table by a column (or one of the cost view's NAMED_SORTS), its first way
        unless `descending` says. Every row of the filter is loaded first (with progress on the
        table's last line and in the panel; esc cancels) unless the rows are all in memory
        or in the index."""
        column, first = NAMED_SORTS.get(name, (name, first_direction(name)))
        order = (column, first if descending is None else descending)
        listing = self._open_listing()
        if listing is None:
            return
        if isinstance(listing, Listing) and order == SERVER_ORDER:
            self.note("The rows are in the server's order: newest first")
            return
        if isinstance(listing, IndexedListing) or is_fully_loaded(listing):
            self._apply_sort(listing, order)
            return
        table = self.table

        async def load_then_sort(listing: Any) -> None:
            total = listing.total
            table.show_sort_loading(SortLoading(order, 0, total))
            try:
                seen = 0
                async for _ in self._every_row(listing, "loading"):
                    seen += 1
                    if seen % PROGRESS_EVERY == 0:
                        table.show_sort_loading(SortLoading(order, seen, total))
            finally:
                table.show_sort_loading(None)
            self._end()
            self._apply_sort(listing, order)

        title = f"Loading all {plural(listing.total, 'recording')} to sort by {label(order)}"
        self._start("load", title, listing.total, load_then_sort)

    def _apply_sort(self, listing: ListingLike, order: tuple[str, bool]) -> None:
        if self.table.listing is not listing:
            return  # the filter changed meanwhile
        column, descending = order
        ordered: Any
        if isinstance(listing, IndexedListing):  # sorted by the index, in SQL
            ordered = listing.resorted(index_sort(column), descending=descending)
        else:
            ordered = SortedListing.of(listing, column, self.session.clock(), descending=descending)
        self.table.set_listing(ordered)
        spec = self.session.spec
        self.header.set_filter(
            f"{spec.summary()} · sorted by {label(order)}", spec.subaccount.strip() or None
        )
        self.header.set_total(ordered.total)
        self.note(
            f"Sorted {plural(ordered.total, 'recording')} by {label(order)} "
            "(ctrl+r reverses; r reloads in the server's order)"
        )

    # -- the local index ------------------------------------------------------------------------

    def sync_filter(self, *, quiet: bool = False) -> None:
        """Fetch the whole filter into the local index (with progress; esc cancels), then reopen
        it from there. `quiet`: started by the app itself, so no note unless it fails."""
        session = self.session
        index = session.index
        if index is None:
            self.note("There is no local index for this account", "warning")
            return
        if (self.running and quiet) or self.busy_refusal():
            return
        now = session.clock()
        spec = session.spec
        flt = spec.to_filter(now)
        if flt.errors(now=now, check_window=False):
            self.note("Fix the filter first", "warning")
            return
        if flt.has_storage_filter:
            self.note("Sync a time range (storage filters then come from the index)", "warning")
            return
        self._job = "sync"
        self.panel.start(f"Syncing {spec.summary()} into the local index", None)
        self.header.set_busy("sync…")

        def progress(done: int, expected: int) -> None:
            self.panel.progress(done, expected, f"{done:,} of ~{expected:,} requests · esc cancels")

        async def run() -> None:
            margin = session.config.settings.index_margin
            syncer = Syncer(
                index, session.client, margin=margin, clock=session.clock, progress=progress
            )
            lower, upper = flt.search_span(now)[0], flt.time_bounds()[1]
            report = await syncer.refresh(Scope.of(flt), lower, upper)
            self._end()
            if not quiet:
                self.note(
                    f"Synced into the local index: {report.requests:,} requests"
                    + (f", {report.dropped:,} deleted elsewhere removed" if report.dropped else "")
                )
                if unstable := report.unstable_text():
                    self.note(unstable, "warning")
            self._reload(spec)

        self._worker = start_worker(
            self.panel, partial(self._guard, run), group="triage", description="sync"
        )

    def forget_index(self) -> None:
        index = self.session.index
        if index is None or self.busy_refusal():
            return
        index.forget()
        self.note("Forgot everything the local index held for this account")
        self._reload(None)

    def goto(self, recording_id: str) -> None:
        index = self.table.listing.index_of(recording_id) if self.table.listing else None
        if index is None:
            self.note(f"{recording_id} is not in the table any more", "warning")
            return
        self.table.cursor_index = index
        self.table.focus()

    # -- esc --------------------------------------------------------------------------------------

    def escape(self) -> None:
        """esc on the table: cancel the running job, else undo a range mark in progress, else
        clear the marks, else close a finished task panel."""
        table = self.table
        if self.cancel():
            return
        if table.range_marking:
            table.cancel_range_mark()
        elif table.marked:
            table.clear_marks()
        elif self.panel.active:
            self.panel.close()
