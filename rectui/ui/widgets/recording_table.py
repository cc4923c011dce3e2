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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from time import monotonic
from typing import Any, ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from ...formatting import format_duration, format_money, format_time
from ...plivo.errors import PlivoError
from ...plivo.models import Recording
from ...plivo.pricing import storage_days
from ...plivo.recording_cost import recording_cost
from ...plivo.rules import MAX_LIMIT
from ...server_text import safe_text

__all__ = ["COLUMNS", "Column", "ListingLike", "RecordingTable", "layout_columns", "safe_text"]


class ListingLike(Protocol):
    """The part of `rectui.listing.Listing` the table uses (structural, so tests can fake it)."""

    total: int
    is_open: bool

    async def open(self) -> int: ...
    def get(self, index: int) -> Any: ...
    def is_loaded(self, start: int, stop: int) -> bool: ...
    async def ensure(self, start: int, stop: int) -> None: ...
    def remove(self, recording_id: str) -> bool: ...
    def close(self) -> None: ...


def _fit(text: str, width: int, right: bool = False) -> str:
    """Pad or truncate (with an ellipsis) `text` to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    length = len(text) if text.isascii() else cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
        length = width
    padding = " " * (width - length)
    return padding + text if right else text + padding


# -- columns and layout -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    short_header: str
    width: int
    """Preferred width: what the column gets before anything grows."""
    min_width: int
    priority: int
    """0 is dropped last when the table is narrow."""
    right: bool = False
    grow: int = 0
    """Extra cells this column may absorb when the terminal is wide (long names, SIP URIs)."""
    snap: bool = False
    """Grows from min_width to width in one step or not at all."""


COLUMNS: tuple[Column, ...] = (
    # key, header, short header, preferred, minimum, priority (0 = kept longest)
    Column("added", "Added", "Added", 19, 16, 0, snap=True),  # seconds only when there is room
    Column("type", "Type", "Type", 10, 6, 3, snap=True),  # "conf" until "conference" fits
    # 13 cells hold the E.164 numbers seen in practice (+1 and 10 digits, +44 7…, +91 …);
    # a cut number is useless, so they never go narrower.
    Column("from", "From", "From", 13, 13, 5, grow=20),
    Column("to", "To", "To", 13, 13, 6, grow=24),
    Column("name", "Conference / MPC", "Name", 16, 8, 4, grow=40),
    Column("duration", "Duration", "Dur", 8, 7, 1, right=True),
    Column("format", "Fmt", "Fmt", 4, 3, 8),
    Column("days", "Days", "Days", 5, 4, 7, right=True),
    Column("money", "$/month", "$/mo", 9, 8, 2, right=True),
)

MARK_WIDTH = 2
"""The mark glyph column plus its gap."""


@dataclass(frozen=True, slots=True)
class _Layout:
    width: int
    columns: tuple[tuple[Column, int], ...]
    gap: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column, _ in self.columns)


def layout_columns(width: int, columns: Iterable[Column] = COLUMNS) -> _Layout:
    """Choose columns and widths for `width` cells.

    Columns are taken by priority at their preferred width while they fit (so a narrow table
    shows a few readable columns rather than many truncated ones), then remaining columns at
    their minimum width, and finally spare cells let the free-text columns grow.
    """
    order = list(columns)
    available = max(1, width - MARK_WIDTH)
    by_priority = sorted(order, key=lambda c: c.priority)
    widths: dict[str, int] = {}

    def used() -> int:
        return sum(widths.values()) + len(widths) - 1

    # First the most important columns at a comfortable width, stopping at the first that does
    # not fit (so lower priorities never crowd out higher ones); then whatever else still fits
    # at its minimum width.
    for column in by_priority:
        widths[column.key] = column.min_width if column.snap else column.width
        if used() > available:
            del widths[column.key]
            break
    if not widths and by_priority[0].min_width > available:
        # Absurdly narrow: the most important column alone, cut to fit.
        widths[by_priority[0].key] = available
    for column in by_priority:
        if column.key not in widths:
            widths[column.key] = column.min_width
            if used() > available:
                del widths[column.key]
    extra = available - used()
    chosen = [c for c in by_priority if c.key in widths]
    for column in chosen:
        # Grow towards the preferred width; a snapping column (the timestamp: with or without
        # seconds) grows all the way or not at all.
        need = column.width - widths[column.key]
        if need > 0 and (extra >= need or not column.snap):
            widths[column.key] += min(extra, need)
            extra -= min(extra, need)
    # The free-text columns share what is left in proportion to how much they may grow.
    growing = [c for c in chosen if c.grow]
    budget = min(extra, sum(c.grow for c in growing))
    if budget > 0:
        total_grow = sum(c.grow for c in growing)
        for column in growing:
            add = min(column.grow, budget * column.grow // total_grow)
            widths[column.key] += add
            extra -= add
    # Spare cells left on a wide terminal go into the gaps, which reads much better than a
    # ragged empty band on the right.
    gap = 2 if len(widths) > 1 and extra >= len(widths) - 1 else 1
    return _Layout(width, tuple((c, widths[c.key]) for c in order if c.key in widths), gap)


def _type_text(value: str | None, width: int) -> str:
    if not value:
        return "—"
    text = safe_text(value)
    if len(text) > width and text == "conference":
        return "conf"
    return text


def _money(recording: Recording, now: datetime) -> tuple[str, bool]:
    """The monthly storage charge as text, and whether it is non-zero (billed)."""
    amount = recording_cost(recording, now).monthly_amount
    return format_money(amount), bool(amount)


def _cells(
    recording: Recording, layout: _Layout, utc: bool, now: datetime
) -> list[tuple[str, str]]:
    """(text, style-name) for each column of the layout; style-name "" means the row style."""
    out: list[tuple[str, str]] = []
    for column, width in layout.columns:
        key = column.key
        style = ""
        if key == "added":
            text = format_time(recording.add_time, utc=utc, seconds=width >= 19)
            text = text.removesuffix(" UTC")  # the header says "UTC"; the cells stay short
        elif key == "type":
            text = _type_text(recording.recording_type, width)
        elif key == "from":
            text = safe_text(recording.from_number) if recording.from_number else "—"
        elif key == "to":
            text = safe_text(recording.to_number) if recording.to_number else "—"
        elif key == "name":
            name = recording.meeting_name
            text = safe_text(name) if name else "—"
        elif key == "duration":
            text = format_duration(recording.duration_s)
        elif key == "format":
            text = safe_text(recording.recording_format) if recording.recording_format else "—"
        elif key == "days":
            days = recording.recording_storage_duration
            text = str(days if days is not None else storage_days(recording.add_time, now))
        else:  # money
            text, billed = _money(recording, now)
            # Free storage is the common, uninteresting case: it recedes; charges stand out.
            style = "recording-table--billed" if billed else "recording-table--muted"
        if text == "—":
            style = "recording-table--muted"
        out.append((_fit(text, width, column.right), style))
    return out


# -- the widget -------------------------------------------------------------------------------

CHUNK = MAX_LIMIT
"""One API page: the least the table prefetches beyond the viewport."""


@dataclass(slots=True)
class _RangeMark:
    """A range mark in progress (`v`): rows from `anchor` to the cursor are marked."""

    anchor: int
    base: dict[str, Recording]
    """The marks from before `v`: the range is added to them, and esc goes back to them."""


class RecordingTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtualized table of recordings backed by a Listing.

    Line 0 is a sticky header; line y >= 1 shows row `scroll_y + y - 1`. The virtual height is
    `total + 1`, so ScrollView's own scroll arithmetic and scrollbar need no special cases.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("ctrl+d", "half_page_down", "½ page down", show=False),
        Binding("ctrl+u", "half_page_up", "½ page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("g,home", "first", "Top", show=False),
        Binding("G,end", "last", "Bottom", show=False),
        Binding("space", "toggle_mark", "Mark", key_display="␣"),
        Binding(
            "v",
            "range_mark",
            "Range mark",
            show=False,
            tooltip="Range mark: moving the cursor extends it; v or space ends it, esc undoes it",
        ),
        Binding("enter", "select", "Open", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "recording-table--header",
        "recording-table--cursor",
        "recording-table--marked",
        "recording-table--mark",
        "recording-table--placeholder",
        "recording-table--failed",
        "recording-table--unavailable",
        "recording-table--billed",
        "recording-table--muted",
    }

    DEFAULT_CSS = """
    RecordingTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        & > .recording-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .recording-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .recording-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .recording-table--marked {
            background: $accent 15%;
        }
        & > .recording-table--mark {
            color: $accent;
            text-style: bold;
        }
        & > .recording-table--placeholder {
            color: $text-muted;
            text-style: italic;
        }
        & > .recording-table--failed {
            color: $text-error;
        }
        & > .recording-table--unavailable {
            color: $text-warning;
        }
        & > .recording-table--billed {
            color: $foreground;
        }
        & > .recording-table--muted {
            color: $text-muted;
        }
    }
    """

    MARK_GLYPH: ClassVar[str] = "●"
    HIGHLIGHT_QUIET_S: ClassVar[float] = 0.1
    """Moves closer together than this are announced once, when the cursor rests."""
    STRIP_CACHE_SIZE: ClassVar[int] = 1024

    # -- messages ---------------------------------------------------------------------------

    class _TableMessage(Message):
        """A message about this table; `control` lets handlers use `@on(..., "#table")`."""

        def __init__(self, table: RecordingTable):
            super().__init__()
            self.table = table

        @property
        def control(self) -> RecordingTable:
            return self.table

    class Highlighted(_TableMessage):
        """The cursor moved (or the row under it finished loading). `recording` is None while
        the row is still a placeholder or is unavailable."""

        def __init__(self, table: RecordingTable, recording: Recording | None, index: int):
            super().__init__(table)
            self.recording = recording
            self.index = index

    class Selected(_TableMessage):
        """Enter (or a double click) on a loaded row."""

        def __init__(self, table: RecordingTable, recording: Recording, index: int):
            super().__init__(table)
            self.recording = recording
            self.index = index

    class LoadFailed(_TableMessage):
        """Opening the listing or fetching rows failed; what was loaded stays on screen."""

        def __init__(self, table: RecordingTable, error: Exception):
            super().__init__(table)
            self.error = error

    class MarksChanged(_TableMessage):
        def __init__(self, table: RecordingTable, count: int):
            super().__init__(table)
            self.count = count

    # -- construction -----------------------------------------------------------------------

    def __init__(
        self,
        listing: ListingLike | None = None,
        *,
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
        self._cursor = 0
        self._marked: dict[str, Recording] = {}
        self._range: _RangeMark | None = None
        """The range mark in progress (`v`), if any."""
        self._range_worker: Worker[None] | None = None
        self._range_pending: tuple[int, int] | None = None
        """The rows of a range ended (v/space) while they were still loading: marked on arrival."""
        self._generation = 0
        """Bumped by set_listing; results of workers from an older generation are dropped."""
        self._workers: dict[Worker[None], tuple[int, int]] = {}
        """Workers in flight and the rows [start, stop) each is loading ((-1, -1): the open)."""
        self._failed: list[tuple[int, int]] = []
        """Row spans whose fetch failed: not retried until reload(), so that scrolling over a
        dead server does not fire a request (and an error) for every frame."""
        self._open_error: Exception | None = None
        self._error_reported = False
        self._fetch_scheduled = False
        self._highlight_scheduled = False
        self._highlight_timer: Timer | None = None
        self._last_highlight_time = float("-inf")
        self._last_highlight: tuple[int, str | None, int] | None = None
        self._direction = 1
        self._layout = layout_columns(80)
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
    def cursor_index(self) -> int:
        return self._cursor

    @cursor_index.setter
    def cursor_index(self, index: int) -> None:
        self._move_cursor(index)

    @property
    def current(self) -> Recording | None:
        """The recording under the cursor, or None for a placeholder or unavailable row."""
        return self._recording_at(self._cursor)

    @property
    def marked(self) -> set[str]:
        """Ids of the marked recordings (a copy)."""
        return set(self._marked)

    @property
    def marked_recordings(self) -> list[Recording]:
        """The marked recordings themselves, in marking order: they stay available even when
        their page has been evicted from the listing or the listing was replaced."""
        return list(self._marked.values())

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
        return self._fetch_scheduled or bool(self._workers)

    def set_listing(self, listing: ListingLike | None, *, keep_cursor: bool = False) -> None:
        """Show another listing (a new filter, or a refresh). In-flight loads are cancelled;
        marks are kept. The table owns the listings it is given: the previous one is closed
        here, the current one when the table unmounts."""
        self._cancel_loads()
        self._generation += 1
        self._range = None  # its indexes belong to the old listing; the marks stay
        old = self._listing
        if old is not None and old is not listing:
            old.close()
        self._listing = listing
        self._failed.clear()
        self._open_error = None
        self._error_reported = False
        self._strips.clear()
        self._now = self._clock()
        # Where to put the cursor and viewport once the new listing knows its total.
        self._restore = (self._cursor, self.scroll_offset.y) if keep_cursor else (0, 0)
        self._start()

    def reload(self) -> None:
        """Retry: reopen a listing that failed to open, and refetch rows that failed to load.
        (Rows already loaded stay cached in the listing; for fresh data build a new Listing and
        call `set_listing(new, keep_cursor=True)`.)"""
        self._failed.clear()
        self._error_reported = False
        listing = self._listing
        if listing is None:
            return
        if not listing.is_open:
            self._open_error = None
            self._start()
        else:
            self.refresh()
            self._request_fetch()

    def mark(self, recordings: Iterable[Recording]) -> int:
        """Mark these recordings (kept in marking order); returns how many were newly marked."""
        added = 0
        for recording in recordings:
            if recording.recording_id not in self._marked:
                self._marked[recording.recording_id] = recording
                added += 1
        if added:
            self._strips.clear()
            self.refresh()
            self.post_message(self.MarksChanged(self, len(self._marked)))
        return added

    def clear_marks(self) -> None:
        self._range = None
        if self._marked:
            self._marked.clear()
            self.refresh()
            self.post_message(self.MarksChanged(self, 0))

    def remove_recording(self, recording_id: str) -> bool:
        """Drop a (deleted) recording: the cursor keeps its index, clamped to the new total."""
        listing = self._listing
        removed = listing.remove(recording_id) if listing is not None else False
        if self._range is not None:
            self._range.base.pop(recording_id, None)
        if self._marked.pop(recording_id, None) is not None:
            self.post_message(self.MarksChanged(self, len(self._marked)))
        # Resync even when this listing no longer held it (Listing.delete() removes it too).
        if listing is not None and listing.is_open and (removed or listing.total != self._total):
            self._set_total(listing.total)
            self._cursor = self._clamp(self._cursor)
            self._scroll_cursor_into_view()
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
            self._track(self._open(listing, self._generation), (-1, -1), "open listing")

    def _apply_open(self, listing: ListingLike) -> None:
        self._set_total(listing.total)
        cursor, top = self._restore if self._restore is not None else (self._cursor, 0)
        self._restore = None
        self._cursor = self._clamp(cursor)
        self.scroll_to(y=top, animate=False, force=True)
        self._scroll_cursor_into_view()
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
        self._workers[worker] = span

    def _untrack(self) -> None:
        with contextlib.suppress(RuntimeError):  # not called from a worker
            self._workers.pop(get_current_worker(), None)

    def cancel_loads(self) -> None:
        """Stop the page loads in flight (the rows stay unloaded until asked for again)."""
        self._cancel_loads()

    def _cancel_loads(self) -> None:
        if self._ready:
            self.workers.cancel_group(self, "pages")
        self._workers.clear()

    async def _open(self, listing: ListingLike, generation: int) -> None:
        try:
            try:
                await listing.open()
            except Exception as error:  # PlivoError mostly; anything else must not kill the app
                if generation == self._generation:
                    self._open_error = error
                    self.refresh()
                    self.post_message(self.LoadFailed(self, error))
                if not isinstance(error, PlivoError):
                    self.log.error("opening the listing failed", error)
                return
            if generation == self._generation:
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
            for run_start, run_stop in self._missing_runs(listing, start, stop):
                self._load_run(listing, run_start, run_stop)

    def _cancel_stale(self, wanted: tuple[int, int]) -> None:
        """Stop waiting for rows the viewport has left far behind (a quick G then g), so they
        are asked for again should the user come back. (The listing shares page requests
        between callers, so the HTTP request itself finishes and its rows are kept.)"""
        margin = max(self._visible_rows(), CHUNK) * 2
        low, high = wanted[0] - margin, wanted[1] + margin
        for worker, (start, stop) in list(self._workers.items()):
            if start >= 0 and (stop <= low or start >= high):  # start < 0: the open
                worker.cancel()
                self._workers.pop(worker, None)

    def _missing_runs(self, listing: ListingLike, start: int, stop: int) -> list[tuple[int, int]]:
        """Runs of rows in [start, stop) neither loaded, nor being loaded, nor failed.

        Exact rows, not rounded to pages: the listing maps them onto its own pages (which are
        aligned per 30-day window, not globally), so the fewest pages are asked for."""
        runs: list[tuple[int, int]] = []
        spans = [*self._workers.values(), *self._failed]
        run_start: int | None = None
        for index in range(start, stop):
            needed = listing.get(index) is None and not any(a <= index < b for a, b in spans)
            if needed and run_start is None:
                run_start = index
            elif not needed and run_start is not None:
                runs.append((run_start, index))
                run_start = None
        if run_start is not None:
            runs.append((run_start, stop))
        return runs

    def _load_run(self, listing: ListingLike, start: int, stop: int) -> None:
        self._track(
            self._load(listing, self._generation, start, stop),
            (start, stop),
            f"rows {start}-{stop}",
        )

    async def _load(self, listing: ListingLike, generation: int, start: int, stop: int) -> None:
        try:
            await listing.ensure(start, stop)
        except Exception as error:
            if generation == self._generation:
                self._failed.append((start, stop))
                self._report_failure(error)
                self._refresh_rows(start, stop)  # placeholders turn into "failed" rows
            if not isinstance(error, PlivoError):
                self.log.error("loading rows failed", error)
            return
        finally:
            self._untrack()
        if generation != self._generation:
            return
        if listing.total != self._total:
            # The server's count moved (recordings added or deleted elsewhere).
            self._set_total(listing.total)
            self._cursor = self._clamp(self._cursor)
            self.refresh()
            self._request_fetch()
        self._refresh_rows(start, stop)
        if start <= self._cursor < stop:
            self._schedule_highlight()

    def _report_failure(self, error: Exception) -> None:
        # One notification per burst of failures, not one per concurrent page.
        if not self._error_reported:
            self._error_reported = True
            self.post_message(self.LoadFailed(self, error))

    # -- geometry ---------------------------------------------------------------------------

    def _visible_rows(self) -> int:
        """Data rows on screen (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _clamp(self, index: int) -> int:
        return max(0, min(index, self._total - 1)) if self._total else 0

    def _set_total(self, total: int) -> None:
        self._total = max(0, total)
        # One extra line for the header, and one for the status line of an empty table.
        self.virtual_size = Size(self._layout.width, max(self._total, 1) + 1)

    def _relayout(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if width != self._layout.width:
            self._layout = layout_columns(width)
            self._invalidate()
        self.virtual_size = Size(width, max(self._total, 1) + 1)

    def _invalidate(self) -> None:
        self._strips.clear()
        self._header = None
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        rows = self._visible_rows()
        top = self.scroll_offset.y
        if self._cursor < top:
            top = self._cursor
        elif self._cursor >= top + rows:
            top = self._cursor - rows + 1
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

    def _move_cursor(self, index: int, *, scroll_by: int = 0, key: bool = False) -> None:
        old = self._cursor
        before = self.scroll_offset.y
        self._cursor = self._clamp(index)
        if scroll_by:
            self.scroll_to(y=before + scroll_by, animate=False, force=True)
        self._scroll_cursor_into_view()
        if self.scroll_offset.y == before:
            # Viewport unchanged: repaint just the two rows whose cursor state changed (a
            # scroll repaints the whole viewport by itself).
            self._refresh_row(old)
            self._refresh_row(self._cursor)
        if self._range is not None and self._cursor != old:
            self._apply_range()
        self._schedule_highlight(burst=key)

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
        key = (self._cursor, recording.recording_id if recording else None, self._generation)
        if key != self._last_highlight:
            self._last_highlight = key
            self.post_message(self.Highlighted(self, recording, self._cursor))

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1, key=True)

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1, key=True)

    def action_half_page_down(self) -> None:
        step = max(1, self._visible_rows() // 2)
        self._move_cursor(self._cursor + step, scroll_by=step, key=True)

    def action_half_page_up(self) -> None:
        step = max(1, self._visible_rows() // 2)
        self._move_cursor(self._cursor - step, scroll_by=-step, key=True)

    def action_page_down(self) -> None:
        step = self._visible_rows()
        self._move_cursor(self._cursor + step, scroll_by=step, key=True)

    def action_page_up(self) -> None:
        step = self._visible_rows()
        self._move_cursor(self._cursor - step, scroll_by=-step, key=True)

    def action_first(self) -> None:
        self._move_cursor(0, scroll_by=-self.scroll_offset.y, key=True)

    def action_last(self) -> None:
        self._move_cursor(self._total - 1, scroll_by=self._total, key=True)

    def action_toggle_mark(self) -> None:
        if self._range is not None:
            self.end_range_mark()
            return
        recording = self.current
        if recording is None:
            self.app.bell()
            self.notify("That row has not loaded yet", severity="warning", timeout=2)
            return
        if self._marked.pop(recording.recording_id, None) is None:
            self._marked[recording.recording_id] = recording
        self.post_message(self.MarksChanged(self, len(self._marked)))
        self._refresh_row(self._cursor)
        # Like mutt's tag or ranger's space: mark and step on, so a run of rows is a run of
        # presses.
        self._move_cursor(self._cursor + 1, key=True)

    # -- range marking (v) ------------------------------------------------------------------

    @property
    def range_marking(self) -> bool:
        """Whether a range mark is in progress (the cursor extends it)."""
        return self._range is not None

    @property
    def range_loading(self) -> bool:
        """Whether rows of a range are still being loaded before they can be marked."""
        return self._range_worker is not None and not self._range_worker.is_finished

    def action_range_mark(self) -> None:
        if self._range is not None:
            self.end_range_mark()
            return
        if self._total == 0:
            self.app.bell()
            return
        self._range = _RangeMark(self._cursor, dict(self._marked))
        self._range_pending = None
        self._apply_range()

    def end_range_mark(self) -> None:
        """Keep the range's marks and stop extending it; rows of it still loading are marked
        when they arrive."""
        if self._range is None:
            return
        span = self._range_span(self._range)
        self._range = None
        if self.range_loading:
            self._range_pending = span
        self.post_message(self.MarksChanged(self, len(self._marked)))

    def cancel_range_mark(self) -> None:
        """Undo the range mark in progress: back to the marks from before `v`."""
        range_mark = self._range
        if range_mark is None:
            return
        self._range = None
        self._range_pending = None
        if self._range_worker is not None:
            self._range_worker.cancel()
            self._range_worker = None
        self._marked = range_mark.base
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self._marked)))

    def _range_span(self, range_mark: _RangeMark) -> tuple[int, int]:
        low, high = sorted((range_mark.anchor, self._cursor))
        return low, min(high + 1, self._total)

    def _collect(self, start: int, stop: int, into: dict[str, Recording]) -> bool:
        """Add the loaded recordings in [start, stop) to `into`; True if some are not loaded."""
        listing = self._listing
        missing = False
        for index in range(start, stop):
            row = listing.get(index) if listing is not None else None
            if isinstance(row, Recording):
                into.setdefault(row.recording_id, row)
            elif row is None:
                missing = True
        return missing

    def _apply_range(self) -> None:
        range_mark = self._range
        if range_mark is None:
            return
        start, stop = self._range_span(range_mark)
        marked = dict(range_mark.base)
        missing = self._collect(start, stop, marked)
        self._marked = marked
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self._marked)))
        if missing and self._listing is not None:
            # Marks are by recording id: the rows must be loaded before they can be marked.
            self._range_worker = self.run_worker(
                self._load_range(self._listing, self._generation, start, stop),
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
            if generation == self._generation:
                self._range_pending = None
                self._report_failure(error)
                self.post_message(self.MarksChanged(self, len(self._marked)))
            return
        if generation != self._generation:
            return
        self._range_worker = None
        if self._range is not None:
            self._apply_range()  # the cursor may have moved meanwhile: mark the latest span
        elif self._range_pending is not None:
            pending, self._range_pending = self._range_pending, None
            found: dict[str, Recording] = {}
            self._collect(*pending, found)
            if not self.mark(found.values()):
                self.post_message(self.MarksChanged(self, len(self._marked)))

    def action_select(self) -> None:
        recording = self.current
        if recording is None:
            self.app.bell()
            return
        self.post_message(self.Selected(self, recording, self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
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
        index = self.scroll_offset.y + y - 1
        if self._total == 0:
            if y == 1:
                return self._render_status(width)
            return Strip.blank(width, self.rich_style)
        if index >= self._total:
            return Strip.blank(width, self.rich_style)

        listing = self._listing
        row = listing.get(index) if listing is not None else None
        is_cursor = index == self._cursor
        if isinstance(row, Recording):
            ident: Any = row.recording_id
            marked = ident in self._marked
        elif row is None:
            failed = any(a <= index < b for a, b in self._failed)
            ident = "failed" if failed else "loading"
            marked = False
        else:  # the listing's stand-in for a malformed row
            ident = ("unavailable", _unavailable_reason(row))
            marked = False
        key = (ident, is_cursor, is_cursor and self.has_focus, marked, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, ident, is_cursor, marked, width)
            self._strips.set(key, strip)
        return strip

    def _overlay(self, name: str) -> Style:
        """Foreground attributes of a component (its background is the row's business)."""
        style = self.get_component_rich_style(name)
        return Style(color=style.color, bold=style.bold, italic=style.italic, dim=style.dim)

    def _render_row(self, row: Any, ident: Any, is_cursor: bool, marked: bool, width: int) -> Strip:
        base = self.rich_style
        if marked:
            base = base + self.get_component_rich_style("recording-table--marked")
        cursor = self.get_component_rich_style("recording-table--cursor") if is_cursor else None

        def styled(style: Style) -> Style:
            return style + cursor if cursor is not None else style

        row_style = styled(base)
        mark = self.MARK_GLYPH if marked else " "
        segments = [
            Segment(mark, styled(base + self._overlay("recording-table--mark"))),
            Segment(" ", row_style),
        ]
        layout = self._layout
        if isinstance(row, Recording):
            gap = Segment(" " * layout.gap, row_style)
            cells = _cells(row, layout, self._utc, self._now)
            overlays: dict[str, Style] = {}
            for number, (text, style_name) in enumerate(cells):
                if number:
                    segments.append(gap)
                if style_name:
                    if style_name not in overlays:
                        overlays[style_name] = styled(base + self._overlay(style_name))
                    segments.append(Segment(text, overlays[style_name]))
                else:
                    segments.append(Segment(text, row_style))
        else:
            if ident == "loading":
                text, style_name = "loading…", "recording-table--placeholder"
            elif ident == "failed":
                text, style_name = "not loaded (r retries)", "recording-table--failed"
            else:
                text, style_name = f"unavailable: {ident[1]}", "recording-table--unavailable"
            segments.append(
                Segment(
                    _fit(text, max(0, width - MARK_WIDTH)), styled(base + self._overlay(style_name))
                )
            )
        return Strip(segments).adjust_cell_length(width, row_style).simplify()

    def _render_header(self, width: int) -> Strip:
        if self._header is not None and self._header.cell_length == width:
            return self._header
        style = self.get_component_rich_style("recording-table--header")
        layout = self._layout
        parts = [" " * MARK_WIDTH]
        for number, (column, column_width) in enumerate(layout.columns):
            if number:
                parts.append(" " * layout.gap)
            header = column.header if len(column.header) <= column_width else column.short_header
            if column.key == "added" and self._utc:
                header = "Added (UTC)" if column_width >= 11 else "UTC"
            parts.append(_fit(header, column_width, column.right))
        strip = Strip([Segment("".join(parts), style)]).adjust_cell_length(width, style)
        self._header = strip
        return strip

    def _render_status(self, width: int) -> Strip:
        """The single line an empty table shows instead of rows."""
        listing = self._listing
        if self._open_error is not None:
            text = f"Could not load recordings: {self._open_error} (r retries)"
            name = "recording-table--failed"
        elif listing is None:
            text, name = "No listing", "recording-table--placeholder"
        elif not listing.is_open:
            text, name = "Loading recordings…", "recording-table--placeholder"
        else:
            text, name = "No recordings match the filter", "recording-table--placeholder"
        style = self.rich_style + self._overlay(name)
        text = " " * MARK_WIDTH + safe_text(text)
        return Strip([Segment(_fit(text, width), style)], width)


def _unavailable_reason(row: Any) -> str:
    """A one-line reason for the listing's stand-in of a malformed row."""
    reason = getattr(row, "reason", None) or getattr(row, "error", None) or row
    return safe_text(" ".join(str(reason).split()))
