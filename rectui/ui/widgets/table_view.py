"""The recording table's view: its state, its geometry and how it paints (Textual's Line API).

Textual's DataTable keeps every row as objects and rebuilds its indexes on every change, which costs
seconds at 100k rows. This widget keeps no rows at all: the Listing owns the data and its page
cache, and the table only renders the handful of lines on screen (`render_line`), memoising the
rendered `Strip`s in a small LRU cache. The virtual height is the listing's total, so the
scrollbar is honest about 100,000 recordings while only the pages actually looked at are fetched.

Line 0 is a sticky header; line y >= 1 shows row `scroll_y + y - 1`; while a find or a sort's
loading is under way the last line says so. Column widths follow the rows on screen
(`_relayout`). Loading is rectui/ui/widgets/table_loading.py's, keys and marks
rectui/ui/widgets/recording_table.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from math import ceil
from time import monotonic
from typing import Any, ClassVar

from rich.segment import Segment
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import Worker

from ...listing import DEFAULT_COLUMNS, ListingLike, Row
from ...plivo.models import Recording
from .marks import MarkSet
from .row_loads import RowLoads
from .table_layout import (
    MARK_WIDTH,
    fit,
    header_text,
    layout_columns,
    safe_text,
    text_widths,
    unavailable_reason,
    widest,
)
from .table_messages import Highlighted
from .table_render import COMPONENTS, RowPaint, overlay
from .table_search import TableSearch
from .table_sort import SortLoading, SortOrder, sort_order_of

StatusLine = tuple[int, str]
"""The table's last line when it shows one: (its y, its text)."""


def _draws_alike(bar: ScrollBar, position: float) -> bool:
    """Whether the bar looks the same at `position` as now (asked of its own renderer)."""
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0

    def drawn(at: float) -> list[Segment]:
        return bar.renderer.render_bar(
            size=bar.size.height,
            virtual_size=ceil(bar.window_virtual_size),
            window_size=ceil(window),
            position=bar.validate_position(at),
            thickness=bar.thickness,
        ).segments

    return drawn(bar.position) == drawn(position)


class TableView(ScrollView, can_focus=True, inherit_bindings=False):
    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENTS

    MARK_GLYPH: ClassVar[str] = "●"
    HIGHLIGHT_QUIET_S: ClassVar[float] = 0.1
    """Moves closer together than this are announced once, when the cursor rests."""
    STRIP_CACHE_SIZE: ClassVar[int] = 1024
    STYLED_CACHE_SIZE: ClassVar[int] = 256
    """A few screens of styled lines, enough to scroll back and forth (1,024 held about 7 MB)."""

    cursor_index: reactive[int] = reactive(0, init=False, always_update=True, repaint=False)
    """The cursor's row: clamped to the listing (`validate_cursor_index`); setting it brings the
    row into view, extends a range mark and announces `Highlighted` (`watch_cursor_index`)."""

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
        self._styled: LRUCache[int, tuple[Strip, Strip]] = LRUCache(self.STYLED_CACHE_SIZE)
        """Lines Textual styled (`render_lines`): id(painted) -> (painted, styled). The entry
        keeps the painted strip alive, so its id cannot be reused."""
        self._styled_by: tuple[Any, ...] | None = None
        """What the styled lines were made with; when it changes they are all dropped."""
        self._widths: LRUCache[tuple[str, tuple[str, ...], bool], dict[str, int]] = LRUCache(
            self.STRIP_CACHE_SIZE
        )
        """Each row's text widths (`_relayout`): a one-row scroll measures one row, not all."""
        self._header: Strip | None = None
        self._now = clock()
        self._restore: tuple[int, int] | None = None
        self._ready = False
        self._open_failure: str | None = None

    # -- what it shows ----------------------------------------------------------------------

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
    def utc(self) -> bool:
        return self._utc

    @utc.setter
    def utc(self, value: bool) -> None:
        if value != self._utc:
            self._utc = value
            self._invalidate()

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

    def show_open_failure(self, text: str | None) -> None:
        """Why no listing could be opened for the table (None: one is loading again)."""
        self._open_failure = text
        self.refresh()

    def show_sort_loading(self, loading: SortLoading | None) -> None:
        """Say on the table's last line that every row is loading for a sort (None: done)."""
        self._sort_loading = loading
        self._status_changed()

    @property
    def status_text(self) -> str | None:
        """The table's last line, when it has one: the search, or a sort's loading."""
        if self._search.active:
            return self._search.status(self.size.width - 1)
        if self._sort_loading is not None:
            return self._sort_loading.status()
        return None

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
        rows = [self._text_widths(row) for row in shown if row is not None]
        measured = widest(rows) if rows else None
        layout = layout_columns(width, self._columns, measured, self.sorted_by)
        if layout != self._layout:
            self._layout = layout
            self._invalidate()
        self.virtual_size = Size(width, self._virtual_height())

    def _text_widths(self, recording: Recording) -> dict[str, int]:
        key = (recording.recording_id, self._columns, self._utc)
        widths = self._widths.get(key)
        if widths is None:
            widths = text_widths(recording, self._columns, self._utc, self._now)
            self._widths.set(key, widths)
        return widths

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

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # Scrolling a row moves the thumb of a 100,000-row bar once in hundreds of rows, yet
        # Textual repaints the whole bar each time: as many lines as the rows themselves.
        if self.show_vertical_scrollbar and _draws_alike(bar := self.vertical_scrollbar, new_value):
            bar.set_reactive(ScrollBar.position, bar.validate_position(new_value))
        super().watch_scroll_y(old_value, new_value)

    def _refresh_rows(self, start: int, stop: int) -> None:
        """Repaint the rows in [start, stop) that are on screen (and only those)."""
        top = self.scroll_offset.y
        first, last = max(start, top), min(stop, top + self._visible_rows())
        if first < last:
            self.refresh_lines(first + 1, last - first)

    def _refresh_row(self, index: int) -> None:
        self._refresh_rows(index, index + 1)

    def notify_style_update(self) -> None:
        # Theme or pseudo-class (focus) changes alter component styles baked into the strips.
        super().notify_style_update()
        self._strips.clear()
        self._styled.clear()  # the border's colour, a tint: nothing a painted row would show
        self._header = None

    # -- cursor -----------------------------------------------------------------------------

    def validate_cursor_index(self, index: int) -> int:
        return self._clamp(index)

    def _clamp_cursor(self) -> None:
        """Keep the cursor inside a total that changed, without announcing a move."""
        self.set_reactive(TableView.cursor_index, self._clamp(self.cursor_index))

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
            self.post_message(Highlighted(self, recording, self.cursor_index))

    # -- rendering --------------------------------------------------------------------------

    def _recording_at(self, index: int) -> Recording | None:
        listing = self._listing
        if listing is None or not listing.is_open or not 0 <= index < self._total:
            return None
        row = listing.get(index)
        return row if isinstance(row, Recording) else None

    def _row(self, index: int) -> Row | None:
        listing = self._listing
        return listing.get(index) if listing is not None else None

    def render_lines(self, crop: Region) -> list[Strip]:
        # Textual keeps a widget's styled lines (border, background, the app's filters) by
        # position, so after a scroll none of them is usable: a one-row scroll styled all 46
        # lines again, about 0.1 ms each, nine times what painting a row from `_strips`
        # costs. Here a styled line is kept for the painted strip it was made from, and
        # `_paint_line` gives the same strip for an unchanged row, so a scroll styles only the
        # rows that came into view. The styling itself stays Textual's (`super`).
        made_with = (
            self.outer_size,
            crop.column_span,
            self.background_colors,
            self.opacity,
            tuple(self.get_line_filters()),
            self.app.ansi_theme,
            self.app.native_ansi_color,
        )
        if made_with != self._styled_by:
            self._styled.clear()
            self._styled_by = made_with
        gutter = self.styles.gutter
        first, end = gutter.top, self.outer_size.height - gutter.bottom
        frame = self._paint_frame()
        lines: dict[int, Strip] = {}
        unstyled: dict[int, Strip] = {}  # content lines painted, not styled yet
        for y in crop.line_range:
            if first <= y < end:  # a line of content (the border's are always Textual's)
                strip = self._paint_line(y - first, *frame)
                known = self._styled.get(id(strip))
                if known is not None and known[0] is strip:
                    lines[y] = known[1]
                else:
                    unstyled[y] = strip
        y = crop.y
        while y < crop.bottom:
            if y in lines:
                y += 1
                continue
            stop = y + 1
            while stop < crop.bottom and stop not in lines:
                stop += 1
            run = Region(crop.x, y, crop.width, stop - y)
            for at, styled in zip(run.line_range, super().render_lines(run), strict=True):
                lines[at] = styled
                if at in unstyled:
                    self._styled.set(id(unstyled[at]), (unstyled[at], styled))
            y = stop
        return [lines[y] for y in crop.line_range]

    def render_line(self, y: int) -> Strip:
        return self._paint_line(y, *self._paint_frame())

    def _paint_frame(self) -> tuple[int, int, StatusLine | None]:
        """What every line of a paint reads, read once (each of these walks the DOM): the
        width, the index of the first row shown, and the status line if there is one."""
        text = self.status_text
        status = None if text is None else (self.scrollable_content_region.height - 1, text)
        return self.size.width, self.scroll_offset.y, status

    def _paint_line(self, y: int, width: int, top: int, status: StatusLine | None) -> Strip:
        if y == 0:
            return self._render_header(width)
        if status is not None and y == status[0]:
            style = self.get_component_rich_style("recording-table--status")
            return Strip([Segment(fit(" " + safe_text(status[1]), width), style)], width)
        index = top + y - 1
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
        error = self._loads.open_error
        failure = f"{error} (r retries)" if error is not None else self._open_failure
        if listing is not None and listing.is_open:
            text, name = "No recordings match the filter", "recording-table--placeholder"
        elif failure is not None:
            text, name = f"Could not load recordings: {failure}", "recording-table--failed"
        else:
            text, name = "Loading recordings…", "recording-table--placeholder"
        style = self.rich_style + overlay(self.get_component_rich_style(name))
        text = " " * MARK_WIDTH + safe_text(text)
        return Strip([Segment(fit(text, width), style)], width)
