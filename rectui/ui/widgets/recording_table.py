"""The recording table: a virtualized, keyboard-driven list over a Listing (Textual's Line API).

Textual's DataTable keeps every row as objects and rebuilds its indexes on every change, which costs
seconds at 100k rows. This widget keeps no rows at all: the Listing owns the data and its page
cache, and the table only renders the handful of lines on screen (`render_line`), memoising the
rendered `Strip`s in a small LRU cache. The virtual height is the listing's total, so the
scrollbar is honest about 100,000 recordings while only the pages actually looked at are fetched.

Fetching is pull-based and coalesced: anything that changes what is visible (scroll, resize, a
new listing, rows removed) asks for one `_fetch_visible` after the next refresh. That single pass
compares the viewport (plus one screen ahead in the scroll direction) with what the listing
already holds, and starts one worker per missing run of rows. Because the pass runs after the
refresh, a jump such as `G` only ever asks for the rows where the viewport landed, never for the
rows it skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from time import monotonic
from typing import Any, ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from ...listing import DEFAULT_COLUMNS, ListingLike, Row
from ...plivo.errors import PlivoError
from ...plivo.models import Recording
from ...plivo.rules import MAX_LIMIT
from ..actions import bindings
from .marks import MarkSet, collect
from .row_loads import OPENING, RowLoads
from .table_layout import (
    COLUMNS,
    MARK_WIDTH,
    Column,
    fit,
    header_text,
    layout_columns,
    measure,
    safe_text,
    unavailable_reason,
)
from .table_render import COMPONENTS, TABLE_CSS, RowPaint, overlay
from .table_search import TableSearch
from .table_sort import SortLoading, SortOrder, clicked, next_column, sort_order_of

__all__ = ["COLUMNS", "Column", "ListingLike", "RecordingTable", "layout_columns", "safe_text"]


# -- the widget -------------------------------------------------------------------------------

CHUNK = MAX_LIMIT
"""One API page: the least the table prefetches beyond the viewport."""


class RecordingTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtualized table of recordings backed by a Listing.

    Line 0 is a sticky header; line y >= 1 shows row `scroll_y + y - 1`. The virtual height is
    `total + 1`, so ScrollView's own scroll arithmetic and scrollbar need no special cases.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("table")

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENTS
    DEFAULT_CSS = TABLE_CSS

    MARK_GLYPH: ClassVar[str] = "●"
    HIGHLIGHT_QUIET_S: ClassVar[float] = 0.1
    """Moves closer together than this are announced once, when the cursor rests."""
    STRIP_CACHE_SIZE: ClassVar[int] = 1024

    # -- messages ---------------------------------------------------------------------------

    @dataclass
    class _TableMessage(Message):
        """A message about this table; `control` lets handlers use `@on(..., "#table")`."""

        table: RecordingTable

        @property
        def control(self) -> RecordingTable:
            return self.table

    @dataclass
    class Highlighted(_TableMessage):
        """The cursor moved (or the row under it finished loading)."""

        recording: Recording | None
        """None while the row is still a placeholder or is unavailable."""
        index: int
        """The cursor's row in the listing."""

    @dataclass
    class Selected(_TableMessage):
        """Enter (or a double click) on a loaded row."""

        recording: Recording
        index: int

    @dataclass
    class LoadFailed(_TableMessage):
        """Opening the listing or fetching rows failed; what was loaded stays on screen."""

        error: Exception

    @dataclass
    class SortRequested(_TableMessage):
        """The sort key or a click on a header asks for the rows in another order (the app
        loads every row first if it must)."""

        column: str
        descending: bool

    @dataclass
    class MarksChanged(_TableMessage):
        """Recordings were marked or unmarked (a range mark in progress counts)."""

        count: int
        """How many are marked now."""

    cursor_index: reactive[int] = reactive(0, init=False, always_update=True, repaint=False)
    """The cursor's row: clamped to the listing (`validate_cursor_index`); setting it brings the
    row into view, extends a range mark and announces `Highlighted` (`watch_cursor_index`)."""

    # -- construction -----------------------------------------------------------------------

    def __init__(
        self,
        listing: ListingLike | None = None,
        *,
        columns: Sequence[str] = DEFAULT_COLUMNS,
        utc: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ):
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._listing: ListingLike | None = listing
        self._utc = utc
        self._clock = clock
        """The app's clock: days stored and costs are computed for the same moment as the
        detail pane's."""
        self._total = 0
        self._key_move = False
        """The cursor move under way comes from a key (announced once the keys rest)."""
        self._marks = MarkSet()
        self._range_worker: Worker[None] | None = None
        """Loads the rows of a range mark (marks are by id: rows must be loaded to be marked)."""
        self._loads: RowLoads[Worker[None]] = RowLoads()
        """Fetches in flight (each a worker), failed spans, the listing's generation."""
        self._fetch_scheduled = False
        self._highlight_scheduled = False
        self._highlight_timer: Timer | None = None
        self._last_highlight_time = float("-inf")
        self._last_highlight: tuple[int, str | None, int] | None = None
        self._direction = 1
        self._columns = tuple(columns)
        self._layout = layout_columns(80, self._columns)
        self._search = TableSearch()
        self._sort_loading: SortLoading | None = None
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(self.STRIP_CACHE_SIZE)
        self._header: Strip | None = None
        self._now = clock()
        self._restore: tuple[int, int] | None = None
        self._ready = False

    # -- public API -------------------------------------------------------------------------

    @property
    def listing(self) -> ListingLike | None:
        return self._listing

    @property
    def total(self) -> int:
        """Rows in the listing as the table knows it (0 until the listing is open)."""
        return self._total

    @property
    def current(self) -> Recording | None:
        """The recording under the cursor, or None for a placeholder or unavailable row."""
        return self._recording_at(self.cursor_index)

    @property
    def marked(self) -> set[str]:
        """Ids of the marked recordings (a copy)."""
        return self._marks.ids

    @property
    def marked_recordings(self) -> list[Recording]:
        """The marked recordings themselves, in marking order: they stay available even when
        their page has been evicted from the listing or the listing was replaced."""
        return self._marks.recordings

    @property
    def utc(self) -> bool:
        return self._utc

    @utc.setter
    def utc(self, value: bool) -> None:
        if value != self._utc:
            self._utc = value
            self._invalidate()

    @property
    def is_loading(self) -> bool:
        """Whether an open or a page fetch is scheduled or in flight."""
        return self._fetch_scheduled or self._loads.busy

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns asked for, in order (a narrow table shows those that fit)."""
        return self._columns

    @columns.setter
    def columns(self, names: Sequence[str]) -> None:
        self._columns = tuple(names)
        self._relayout()

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The columns on screen now."""
        return self._layout.keys

    @property
    def sorted_by(self) -> SortOrder:
        """(column, descending) of the rows shown: the listing's order."""
        return sort_order_of(self._listing)

    def show_sort_loading(self, loading: SortLoading | None) -> None:
        """Say on the table's last line that every row is loading for a sort (None: done)."""
        self._sort_loading = loading
        self._status_changed()

    @property
    def status_text(self) -> str | None:
        """The table's last line, when it has one: the search, or a sort's loading."""
        if self._search.active:
            return self._search.status()
        if self._sort_loading is not None:
            return self._sort_loading.status()
        return None

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
        self._strips.clear()
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

    def mark(self, recordings: Iterable[Recording]) -> int:
        """Mark these recordings (kept in marking order); returns how many were newly marked."""
        added = self._marks.add(recordings)
        if added:
            self._strips.clear()
            self.refresh()
            self._marks_changed()
        return added

    def clear_marks(self) -> None:
        had = len(self._marks)
        self._marks.clear()
        if had:
            self.refresh()
            self._marks_changed()

    def _marks_changed(self) -> None:
        self.post_message(self.MarksChanged(self, len(self._marks)))

    def remove_recording(self, recording_id: str) -> bool:
        """Drop a (deleted) recording: the cursor keeps its index, clamped to the new total."""
        listing = self._listing
        removed = listing.remove(recording_id) if listing is not None else False
        if self._marks.discard(recording_id):
            self._marks_changed()
        # Resync even when this listing no longer held it (Listing.delete() removes it too).
        if listing is not None and listing.is_open and (removed or listing.total != self._total):
            self._set_total(listing.total)
            self._clamp_cursor()
            self._scroll_cursor_into_view()
            self._relayout()
            self.refresh()
            self._request_fetch()
            self._schedule_highlight()
        return removed

    def scroll_to_index(self, index: int) -> None:
        """Move the cursor to `index` (e.g. after a search) and bring it into view."""
        self._move_cursor(index)

    # -- lifecycle --------------------------------------------------------------------------

    def on_mount(self) -> None:
        # `is_mounted` only turns True after this handler returns; our own flag is set now.
        self._ready = True
        self._relayout()
        self._start()

    def on_unmount(self) -> None:
        if self._listing is not None:
            self._listing.close()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        # The content region can still be the old one here; measure again once laid out.
        self.call_after_refresh(self._relayout)
        self._scroll_cursor_into_view()
        self._request_fetch()

    def notify_style_update(self) -> None:
        # Theme or pseudo-class (focus) changes alter component styles baked into the strips.
        super().notify_style_update()
        self._strips.clear()
        self._header = None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._direction = 1 if new_value > old_value else -1
            self._relayout()
            self._request_fetch()

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
            self._track(self._open(listing, self._loads.generation), OPENING, "open listing")

    def _apply_open(self, listing: ListingLike) -> None:
        self._set_total(listing.total)
        cursor, top = self._restore if self._restore is not None else (self.cursor_index, 0)
        self._restore = None
        self.set_reactive(RecordingTable.cursor_index, self._clamp(cursor))
        self.scroll_to(y=top, animate=False, force=True)
        self._scroll_cursor_into_view()
        self._relayout()
        self.refresh()
        # Fetch now rather than after the next refresh: this is the launch path, and the
        # viewport is already where it will be.
        self._fetch_visible()
        self._schedule_highlight()

    # -- loading ----------------------------------------------------------------------------

    def _track(self, work: Any, span: tuple[int, int], description: str) -> None:
        # Group "pages", not exclusive: several page loads run side by side; set_listing
        # cancels the whole group.
        worker = self.run_worker(
            work, group="pages", exclusive=False, exit_on_error=False, description=description
        )
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
                    self.post_message(self.LoadFailed(self, error))
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
            self._load(listing, self._loads.generation, start, stop),
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
        self._relayout()  # the new rows may want other widths
        self._refresh_rows(start, stop)
        if self._search.query:
            self._recount()
        if start <= self.cursor_index < stop:
            self._schedule_highlight()

    def _report_failure(self, error: Exception) -> None:
        # One notification per burst of failures, not one per concurrent page.
        if self._loads.first_report():
            self.post_message(self.LoadFailed(self, error))

    # -- geometry ---------------------------------------------------------------------------

    def _visible_rows(self) -> int:
        """Data rows on screen (the header takes one line, the status line another)."""
        status = self.status_text is not None
        return max(1, self.scrollable_content_region.height - 1 - status)

    def _clamp(self, index: int) -> int:
        return max(0, min(index, self._total - 1)) if self._total else 0

    def _set_total(self, total: int) -> None:
        self._total = max(0, total)
        self.virtual_size = Size(self._layout.width, self._virtual_height())

    def _relayout(self) -> None:
        """Fit the columns to the width and to the rows on screen (widths follow content)."""
        width = max(1, self.scrollable_content_region.width)
        top = self.scroll_offset.y
        shown = (self._recording_at(i) for i in range(top, top + self._visible_rows()))
        rows = [row for row in shown if row is not None]
        measured = measure(rows, self._columns, self._utc, self._now) if rows else None
        layout = layout_columns(width, self._columns, measured, self.sorted_by)
        if layout != self._layout:
            self._layout = layout
            self._invalidate()
        self.virtual_size = Size(width, self._virtual_height())

    def _virtual_height(self) -> int:
        # The header, the rows (or an empty table's status), and the status line if shown.
        return max(self._total, 1) + 1 + (self.status_text is not None)

    def _status_changed(self) -> None:
        self.virtual_size = Size(self._layout.width, self._virtual_height())
        self._scroll_cursor_into_view()
        self.refresh()

    def _invalidate(self) -> None:
        self._strips.clear()
        self._header = None
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        rows = self._visible_rows()
        top = self.scroll_offset.y
        if self.cursor_index < top:
            top = self.cursor_index
        elif self.cursor_index >= top + rows:
            top = self.cursor_index - rows + 1
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True)

    def _refresh_rows(self, start: int, stop: int) -> None:
        """Repaint the rows in [start, stop) that are on screen (and only those)."""
        top = self.scroll_offset.y
        first, last = max(start, top), min(stop, top + self._visible_rows())
        if first < last:
            self.refresh_lines(first + 1, last - first)

    def _refresh_row(self, index: int) -> None:
        self._refresh_rows(index, index + 1)

    # -- cursor -----------------------------------------------------------------------------

    def validate_cursor_index(self, index: int) -> int:
        return self._clamp(index)

    def watch_cursor_index(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        self._scroll_cursor_into_view()
        if self.scroll_offset.y == top:
            # Viewport unchanged: repaint just the two rows whose cursor state changed (a
            # scroll repaints the whole viewport by itself).
            self._refresh_row(old)
            self._refresh_row(new)
        if self._marks.range is not None and new != old:
            self._apply_range()
        key, self._key_move = self._key_move, False
        self._schedule_highlight(burst=key)

    def _move_cursor(self, index: int, *, scroll_by: int = 0, key: bool = False) -> None:
        if scroll_by:
            self.scroll_to(y=self.scroll_offset.y + scroll_by, animate=False, force=True)
        self._key_move = key
        self.cursor_index = index

    def _clamp_cursor(self) -> None:
        """Keep the cursor inside a total that changed, without announcing a move."""
        self.set_reactive(RecordingTable.cursor_index, self._clamp(self.cursor_index))

    def _schedule_highlight(self, *, burst: bool = False) -> None:
        """Tell the app where the cursor is, without letting it slow the cursor down.

        Announced right after the repaint. But a key move (`burst`) that follows the last
        announcement within HIGHLIGHT_QUIET_S (a held j, a quick run of presses) is announced
        once the cursor has rested that long: whatever the app does on Highlighted (the detail
        pane lays itself out again) then never sits between a key and its repaint. Moves made
        by the program (cursor_index, rows arriving, a removal) are announced at once.
        """
        if not self._ready:
            return
        if not burst and self._highlight_timer is not None:
            self._highlight_timer.stop()
            self._highlight_timer = None
        if self._highlight_timer is not None:
            self._highlight_timer.reset()
        elif not burst or monotonic() - self._last_highlight_time >= self.HIGHLIGHT_QUIET_S:
            if not self._highlight_scheduled:
                self._highlight_scheduled = True
                self.call_after_refresh(self._post_highlighted)
        else:
            self._highlight_timer = self.set_timer(
                self.HIGHLIGHT_QUIET_S, self._post_highlighted, name="highlight"
            )

    @property
    def highlight_pending(self) -> bool:
        """Whether a Highlighted message is still to come for the latest cursor move."""
        return self._highlight_scheduled or self._highlight_timer is not None

    def _post_highlighted(self) -> None:
        self._highlight_scheduled = False
        if self._highlight_timer is not None:
            self._highlight_timer.stop()
            self._highlight_timer = None
        self._last_highlight_time = monotonic()
        recording = self.current
        key = (
            self.cursor_index,
            recording.recording_id if recording else None,
            self._loads.generation,
        )
        if key != self._last_highlight:
            self._last_highlight = key
            self.post_message(self.Highlighted(self, recording, self.cursor_index))

    def action_cursor_down(self) -> None:
        self._move_cursor(self.cursor_index + 1, key=True)

    def action_cursor_up(self) -> None:
        self._move_cursor(self.cursor_index - 1, key=True)

    def action_half_page_down(self) -> None:
        step = max(1, self._visible_rows() // 2)
        self._move_cursor(self.cursor_index + step, scroll_by=step, key=True)

    def action_half_page_up(self) -> None:
        step = max(1, self._visible_rows() // 2)
        self._move_cursor(self.cursor_index - step, scroll_by=-step, key=True)

    def action_page_down(self) -> None:
        step = self._visible_rows()
        self._move_cursor(self.cursor_index + step, scroll_by=step, key=True)

    def action_page_up(self) -> None:
        step = self._visible_rows()
        self._move_cursor(self.cursor_index - step, scroll_by=-step, key=True)

    def action_first(self) -> None:
        self._move_cursor(0, scroll_by=-self.scroll_offset.y, key=True)

    def action_last(self) -> None:
        self._move_cursor(self._total - 1, scroll_by=self._total, key=True)

    def action_toggle_mark(self) -> None:
        if self._marks.range is not None:
            self.end_range_mark()
            return
        recording = self.current
        if recording is None:
            self.app.bell()
            self.notify("That row has not loaded yet", severity="warning", timeout=2)
            return
        self._marks.toggle(recording)
        self._marks_changed()
        self._refresh_row(self.cursor_index)
        # Like mutt's tag or ranger's space: mark and step on, so a run of rows is a run of
        # presses.
        self._move_cursor(self.cursor_index + 1, key=True)

    # -- range marking (v) ------------------------------------------------------------------

    @property
    def range_marking(self) -> bool:
        """Whether a range mark is in progress (the cursor extends it)."""
        return self._marks.range is not None

    @property
    def range_loading(self) -> bool:
        """Whether rows of a range are still being loaded before they can be marked."""
        return self._range_worker is not None and not self._range_worker.is_finished

    def action_range_mark(self) -> None:
        if self._marks.range is not None:
            self.end_range_mark()
            return
        if self._total == 0:
            self.app.bell()
            return
        self._marks.start_range(self.cursor_index)
        self._apply_range()

    def end_range_mark(self) -> None:
        """Keep the range's marks and stop extending it; rows of it still loading are marked
        when they arrive."""
        if self._marks.range is None:
            return
        self._marks.end_range(self.cursor_index, self._total, still_loading=self.range_loading)
        self._marks_changed()

    def cancel_range_mark(self) -> None:
        """Undo the range mark in progress: back to the marks from before `v`."""
        if not self._marks.cancel_range():
            return
        if self._range_worker is not None:
            self._range_worker.cancel()
            self._range_worker = None
        self.refresh()
        self._marks_changed()

    def _row(self, index: int) -> Row | None:
        listing = self._listing
        return listing.get(index) if listing is not None else None

    def _apply_range(self) -> None:
        range_mark = self._marks.range
        if range_mark is None:
            return
        missing = self._marks.apply_range(self._row, self.cursor_index, self._total)
        self.refresh()
        self._marks_changed()
        if missing and self._listing is not None:
            start, stop = range_mark.span(self.cursor_index, self._total)
            self._range_worker = self.run_worker(
                self._load_range(self._listing, self._loads.generation, start, stop),
                group="range",
                exclusive=True,
                exit_on_error=False,
                description=f"range rows {start}-{stop}",
            )

    async def _load_range(
        self, listing: ListingLike, generation: int, start: int, stop: int
    ) -> None:
        try:
            await listing.ensure(start, stop)
        except Exception as error:
            if self._loads.is_current(generation):
                self._marks.pending = None
                self._report_failure(error)
                self._marks_changed()
            return
        if not self._loads.is_current(generation):
            return
        self._range_worker = None
        if self._marks.range is not None:
            self._apply_range()  # the cursor may have moved meanwhile: mark the latest span
        elif self._marks.pending is not None:
            pending, self._marks.pending = self._marks.pending, None
            found: dict[str, Recording] = {}
            collect(self._row, *pending, found)
            if not self.mark(found.values()):
                self._marks_changed()

    def action_select(self) -> None:
        recording = self.current
        if recording is None:
            self.app.bell()
            return
        self.post_message(self.Selected(self, recording, self.cursor_index))

    # -- sorting and finding ----------------------------------------------------------------

    def _request_sort(self, order: SortOrder) -> None:
        if self._total == 0:
            self.app.bell()
            return
        self.post_message(self.SortRequested(self, *order))

    def action_sort_next(self) -> None:
        self._request_sort(next_column(self.sorted_by, self.shown_columns))

    def action_sort_reverse(self) -> None:
        column, descending = self.sorted_by
        self._request_sort((column, not descending))

    def action_find(self) -> None:
        self._search.open(self.cursor_index)
        self._recount()
        self._status_changed()

    def action_find_next(self) -> None:
        self._find_again(1)

    def action_find_previous(self) -> None:
        self._find_again(-1)

    def _find_again(self, step: int) -> None:
        if not self._search.query:
            self.notify("Nothing to find again: f finds in the loaded rows", timeout=3)
            return
        found = self._search.find(self._row, self._total, self.cursor_index + step, step)
        if found is None:
            self.app.bell()
        else:
            self._move_cursor(found, key=True)
        self._recount()

    def _recount(self) -> None:
        self._search.recount(self._row, self._total, self.cursor_index)
        self._strips.clear()
        self.refresh()

    def _find_from_origin(self) -> None:
        search = self._search
        found = search.find(self._row, self._total, search.origin, 1) if search.query else None
        self._move_cursor(search.origin if found is None else found)
        self._recount()

    async def on_key(self, event: events.Key) -> None:
        search = self._search
        if not search.typing:
            if search.query and event.key == "escape":
                event.stop()  # the first esc clears the search; the next is the screen's
                search.clear()
                self._status_changed()
                self._strips.clear()
            return
        # The prompt is open: keys are text (n is an n), until Enter or Esc.
        event.stop()
        event.prevent_default()
        if event.key == "escape":
            self._move_cursor(search.origin)
            search.clear()
            self._strips.clear()
        elif event.key == "enter":
            search.typing = False
            if not search.query:
                search.clear()
        elif event.key == "backspace":
            search.query = search.query[:-1]
            self._find_from_origin()
        elif event.is_printable and event.character:
            search.query += event.character
            self._find_from_origin()
        self._status_changed()

    def on_paste(self, event: events.Paste) -> None:
        if self._search.typing:
            event.stop()
            self._search.query += " ".join(event.text.split())
            self._find_from_origin()
            self._status_changed()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y == 0:
            column = self._layout.column_at(offset.x)
            if column is not None:
                self._request_sort(clicked(self.sorted_by, column))
            return
        if offset is None or offset.y < 1 or offset.y > self._visible_rows():
            return  # the header, or the status line
        index = self.scroll_offset.y + offset.y - 1
        if index >= self._total:
            return
        self._move_cursor(index)
        if event.chain >= 2:
            self.action_select()

    # -- rendering --------------------------------------------------------------------------

    def _recording_at(self, index: int) -> Recording | None:
        listing = self._listing
        if listing is None or not listing.is_open or not 0 <= index < self._total:
            return None
        row = listing.get(index)
        return row if isinstance(row, Recording) else None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._render_header(width)
        status = self.status_text
        if status is not None and y == self.scrollable_content_region.height - 1:
            style = self.get_component_rich_style("recording-table--status")
            return Strip([Segment(fit(" " + safe_text(status), width), style)], width)
        index = self.scroll_offset.y + y - 1
        if self._total == 0:
            if y == 1:
                return self._render_status(width)
            return Strip.blank(width, self.rich_style)
        if index >= self._total:
            return Strip.blank(width, self.rich_style)

        listing = self._listing
        row = listing.get(index) if listing is not None else None
        is_cursor = index == self.cursor_index
        if isinstance(row, Recording):
            ident: Any = row.recording_id
            marked = ident in self._marks
        elif row is None:
            failed = self._loads.failed_at(index)
            ident = "failed" if failed else "loading"
            marked = False
        else:  # the listing's stand-in for a malformed row
            ident = ("unavailable", unavailable_reason(row))
            marked = False
        query = self._search.query
        key = (ident, is_cursor, is_cursor and self.has_focus, marked, width, query)
        strip = self._strips.get(key)
        if strip is None:
            paint = RowPaint(self.rich_style, self.get_component_rich_style, self.MARK_GLYPH)
            layout, utc, now = self._layout, self._utc, self._now
            strip = paint.row(row, ident, is_cursor, marked, width, layout, utc, now, query)
            self._strips.set(key, strip)
        return strip

    def _render_header(self, width: int) -> Strip:
        if self._header is not None and self._header.cell_length == width:
            return self._header
        style = self.get_component_rich_style("recording-table--header")
        text = header_text(self._layout, self._utc)
        strip = Strip([Segment(text, style)]).adjust_cell_length(width, style)
        self._header = strip
        return strip

    def _render_status(self, width: int) -> Strip:
        """The single line an empty table shows instead of rows."""
        listing = self._listing
        if self._loads.open_error is not None:
            text = f"Could not load recordings: {self._loads.open_error} (r retries)"
            name = "recording-table--failed"
        elif listing is None:
            text, name = "No listing", "recording-table--placeholder"
        elif not listing.is_open:
            text, name = "Loading recordings…", "recording-table--placeholder"
        else:
            text, name = "No recordings match the filter", "recording-table--placeholder"
        style = self.rich_style + overlay(self.get_component_rich_style(name))
        text = " " * MARK_WIDTH + safe_text(text)
        return Strip([Segment(fit(text, width), style)], width)
