"""How the recording table loads: pull-based, coalesced page fetches over its listing.

Anything that changes what is visible (scroll, resize, a new listing, rows removed) asks for one
`_fetch_visible` after the next refresh. That single pass compares the viewport (plus one screen
ahead in the scroll direction) with what the listing already holds, and starts one worker per
missing run of rows. Because the pass runs after the refresh, a jump such as `G` only ever asks
for the rows where the viewport landed, never for the rows it skipped.
"""

from __future__ import annotations

import contextlib
from functools import partial

from textual.worker import get_current_worker

from ...listing import ListingLike
from ...plivo.errors import PlivoError
from ...plivo.rules import MAX_LIMIT
from ..workers import Work, start_worker
from .row_loads import OPENING
from .table_messages import LoadFailed
from .table_view import TableView

CHUNK = MAX_LIMIT
"""One API page: the least the table prefetches beyond the viewport."""


class LoadingTable(TableView):
    @property
    def is_loading(self) -> bool:
        """Whether an open or a page fetch is scheduled or in flight."""
        return self._fetch_scheduled or self._loads.busy

    def set_listing(self, listing: ListingLike | None, *, keep_cursor: bool = False) -> None:
        """Show another listing (a new filter, or a refresh). In-flight loads are cancelled;
        marks are kept. The table owns the listings it is given: the previous one is closed
        here, the current one when the table unmounts."""
        self._cancel_loads()
        self._loads.new_listing()
        self._marks.range = None  # its indexes belong to the old listing; the marks stay
        old = self._listing
        if old is not None and old is not listing:
            old.close()
        self._listing = listing
        self._open_failure = None
        self._strips.clear()
        self._widths.clear()  # new rows, and a new `now` for their days and costs
        self._now = self._clock()
        # Where to put the cursor and viewport once the new listing knows its total.
        self._restore = (self.cursor_index, self.scroll_offset.y) if keep_cursor else (0, 0)
        self._start()

    def reload(self) -> None:
        """Retry: reopen a listing that failed to open, and refetch rows that failed to load.
        (Rows already loaded stay cached in the listing; for fresh data build a new Listing and
        call `set_listing(new, keep_cursor=True)`.)"""
        self._loads.retry()
        listing = self._listing
        if listing is None:
            return
        if not listing.is_open:
            self._loads.open_error = None
            self._start()
        else:
            self.refresh()
            self._request_fetch()

    def on_unmount(self) -> None:
        if self._listing is not None:
            self._listing.close()

    def _start(self) -> None:
        """Size the table for the current listing and start opening / fetching it."""
        if not self._ready:
            return  # on_mount calls back
        listing = self._listing
        if listing is not None and listing.is_open:
            self._apply_open(listing)
            return
        self._set_total(0)
        self.refresh()
        if listing is not None:
            self._track(
                partial(self._open, listing, self._loads.generation), OPENING, "open listing"
            )

    def _apply_open(self, listing: ListingLike) -> None:
        self._set_total(listing.total)
        cursor, top = self._restore if self._restore is not None else (self.cursor_index, 0)
        self._restore = None
        self.set_reactive(TableView.cursor_index, self._clamp(cursor))
        self.scroll_to(y=top, animate=False, force=True)
        self._scroll_cursor_into_view()
        self._relayout()
        self.refresh()
        # Fetch now rather than after the next refresh: this is the launch path, and the
        # viewport is already where it will be.
        self._fetch_visible()
        self._schedule_highlight()

    # -- loading ----------------------------------------------------------------------------

    def _track(self, work: Work, span: tuple[int, int], description: str) -> None:
        # Group "pages", not exclusive: several page loads run side by side; set_listing
        # cancels the whole group.
        worker = start_worker(self, work, group="pages", description=description)
        self._loads.track(worker, span)

    def _untrack(self) -> None:
        with contextlib.suppress(RuntimeError):  # not called from a worker
            self._loads.untrack(get_current_worker())

    def cancel_loads(self) -> None:
        """Stop the page loads in flight (the rows stay unloaded until asked for again)."""
        self._cancel_loads()

    def _cancel_loads(self) -> None:
        if self._ready:
            self.workers.cancel_group(self, "pages")
        self._loads.forget_inflight()

    async def _open(self, listing: ListingLike, generation: int) -> None:
        try:
            try:
                await listing.open()
            except Exception as error:  # PlivoError mostly; anything else must not kill the app
                if self._loads.is_current(generation):
                    self._loads.open_error = error
                    self.refresh()
                    self.post_message(LoadFailed(self, error))
                if not isinstance(error, PlivoError):
                    self.log.error("opening the listing failed", error)
                return
            if self._loads.is_current(generation):
                self._apply_open(listing)
        finally:
            self._untrack()

    def _request_fetch(self) -> None:
        """Coalesce: one `_fetch_visible` after the next refresh, however many scrolls happen."""
        if not self._fetch_scheduled and self._ready:
            self._fetch_scheduled = True
            self.call_after_refresh(self._fetch_visible)

    def _fetch_visible(self) -> None:
        self._fetch_scheduled = False
        listing = self._listing
        if listing is None or not listing.is_open or self._total == 0:
            return
        total = self._total
        rows = self._visible_rows()
        top = min(self.scroll_offset.y, max(0, total - 1))
        view = (top, min(total, top + rows))
        ahead = max(rows, CHUNK)
        if self._direction >= 0:
            beyond = (view[1], min(total, view[1] + ahead))
        else:
            beyond = (max(0, top - ahead), top)
        wanted = (min(view[0], beyond[0]), max(view[1], beyond[1]))
        self._cancel_stale(wanted)
        # The viewport first, as its own worker, so it paints without waiting for prefetch.
        for start, stop in (view, beyond):
            for run_start, run_stop in self._loads.missing_runs(listing.get, start, stop):
                self._load_run(listing, run_start, run_stop)

    def _cancel_stale(self, wanted: tuple[int, int]) -> None:
        """Stop waiting for rows the viewport has left far behind (a quick G then g), so they
        are asked for again should the user come back. (The listing shares page requests
        between callers, so the HTTP request itself finishes and its rows are kept.)"""
        margin = max(self._visible_rows(), CHUNK) * 2
        for worker in self._loads.stale(wanted[0] - margin, wanted[1] + margin):
            worker.cancel()

    def _load_run(self, listing: ListingLike, start: int, stop: int) -> None:
        self._track(
            partial(self._load, listing, self._loads.generation, start, stop),
            (start, stop),
            f"rows {start}-{stop}",
        )

    async def _load(self, listing: ListingLike, generation: int, start: int, stop: int) -> None:
        try:
            await listing.ensure(start, stop)
        except Exception as error:
            if self._loads.is_current(generation):
                self._loads.fail((start, stop))
                self._report_failure(error)
                self._refresh_rows(start, stop)  # placeholders turn into "failed" rows
            if not isinstance(error, PlivoError):
                self.log.error("loading rows failed", error)
            return
        finally:
            self._untrack()
        if not self._loads.is_current(generation):
            return
        if listing.total != self._total:
            # The server's count moved (recordings added or deleted elsewhere).
            self._set_total(listing.total)
            self._clamp_cursor()
            self.refresh()
            self._request_fetch()
        self._rows_arrived(start, stop)

    def _rows_arrived(self, start: int, stop: int) -> None:
        self._relayout()  # the new rows may want other widths
        self._refresh_rows(start, stop)
        if start <= self.cursor_index < stop:
            self._schedule_highlight()

    def _report_failure(self, error: Exception) -> None:
        # One notification per burst of failures, not one per concurrent page.
        if self._loads.first_report():
            self.post_message(LoadFailed(self, error))
