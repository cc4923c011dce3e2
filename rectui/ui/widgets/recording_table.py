"""The recording table: a virtualized, keyboard-driven list over a Listing.

It is built in layers: the view (rectui/ui/widgets/table_view.py: state, geometry, painting), the
loading (rectui/ui/widgets/table_loading.py: coalesced page fetches), and here what a user does
with it: move, mark (one, a range), find (`f`, `n`, `N`), sort (`O`, `ctrl+r`, a header click),
open. Keys come from the action registry (rectui/ui/actions, section "table").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import ClassVar, TypeAlias

from textual import events
from textual.binding import BindingType

from ...listing import ListingLike
from ...plivo.models import Recording
from ..actions import bindings
from ..workers import start_worker
from . import table_messages
from .marks import collect
from .table_layout import COLUMNS, Column, layout_columns, safe_text
from .table_loading import LoadingTable
from .table_render import TABLE_CSS
from .table_sort import SortOrder, clicked, next_column

__all__ = ["COLUMNS", "Column", "ListingLike", "RecordingTable", "layout_columns", "safe_text"]


class RecordingTable(LoadingTable):
    """A virtualized table of recordings backed by a Listing (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("table")
    DEFAULT_CSS = TABLE_CSS  # here: a widget's default CSS is scoped to the class defining it

    # The messages (rectui/ui/widgets/table_messages.py), as `RecordingTable.Highlighted`.
    Highlighted: TypeAlias = table_messages.Highlighted
    Selected: TypeAlias = table_messages.Selected
    LoadFailed: TypeAlias = table_messages.LoadFailed
    SortRequested: TypeAlias = table_messages.SortRequested
    MarksChanged: TypeAlias = table_messages.MarksChanged

    # -- marks ------------------------------------------------------------------------------

    @property
    def marked(self) -> set[str]:
        """Ids of the marked recordings (a copy)."""
        return self._marks.ids

    @property
    def marked_recordings(self) -> list[Recording]:
        """The marked recordings themselves, in marking order: they stay available even when
        their page has been evicted from the listing or the listing was replaced."""
        return self._marks.recordings

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

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        # The content region can still be the old one here; measure again once laid out.
        self.call_after_refresh(self._relayout)
        self._scroll_cursor_into_view()
        self._request_fetch()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._direction = 1 if new_value > old_value else -1
            self._relayout()
            self._request_fetch()

    def _rows_arrived(self, start: int, stop: int) -> None:
        super()._rows_arrived(start, stop)
        if self._search.query:
            self._recount()

    # -- cursor -----------------------------------------------------------------------------

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
        self._jump(0, scroll_by=-self.scroll_offset.y)

    def action_last(self) -> None:
        self._jump(self._total - 1, scroll_by=self._total)

    def _jump(self, index: int, *, scroll_by: int) -> None:
        self._move_cursor(index, scroll_by=scroll_by, key=True)
        # A jump lands once: ask for the rows there now, while the placeholders paint, not after
        # that frame (coalescing is for scrolls that come in a run).
        self._fetch_visible()

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

    def _apply_range(self) -> None:
        range_mark = self._marks.range
        if range_mark is None:
            return
        missing = self._marks.apply_range(self._row, self.cursor_index, self._total)
        self.refresh()
        self._marks_changed()
        if missing and self._listing is not None:
            start, stop = range_mark.span(self.cursor_index, self._total)
            self._range_worker = start_worker(
                self,
                partial(self._load_range, self._listing, self._loads.generation, start, stop),
                group="range",
                exclusive=True,
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the prompt is open, the find key is text like any other (on_key types it).
        return not (action == "find" and self._search.typing)

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
