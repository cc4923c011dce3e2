"""The windowed listing engine: one ordered, randomly addressable sequence over any add_time span.

See the package docstring (`rectui.listing`) for the API the UI codes against. Internals:

- The filter's add_time span is cut into windows of at most 30 days, newest first. Each window
  keeps its own `total` and a dict `rows` of local offset → Row; a global index maps to a window
  through prefix sums of the window totals (`_starts`).
- A page request is (window, aligned offset). In-flight requests are shared through
  `_inflight`, so two callers asking for the same page cause one HTTP request.
- Once a page's response is stored, every slot it covers holds a Recording or an Unavailable;
  that is what makes `ensure()` terminate even when the server returns fewer rows than it counted.
- Each window has a `generation`, bumped by `remove()` and around `delete()`. A response whose
  request overlapped a change of generation describes offsets from before the deletion and is
  dropped rather than stored (the next `ensure()` asks again).
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..plivo.client import PlivoClient
from ..plivo.filters import TIME_FIELDS, RecordingFilter
from ..plivo.models import Recording, RecordingPage
from ..plivo.rules import DEFAULT_WINDOW, MAX_LIMIT, format_filter_time, split_windows
from .concurrency import DEFAULT_INITIAL, AdaptiveConcurrency

PAGE_SIZE = MAX_LIMIT

Bounds = tuple[datetime | None, datetime | None]


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A row the server counted but that cannot be shown.

    `recording_id` is the id of a malformed object when it had one; None for a slot the server
    left empty (it returned fewer rows than its count, or a row that was already listed, because
    recordings were added or deleted while the listing was loading). It keeps its index so that
    no other row moves.
    """

    recording_id: str | None
    reason: str


Row = Recording | Unavailable


@dataclass(eq=False, slots=True)
class _Window:
    bounds: Bounds
    flt: RecordingFilter
    """The filter for this window, without limit and offset."""
    total: int | None = None
    """None until the first page has told us total_count."""
    rows: dict[int, Row] = field(default_factory=dict)
    slot_of: dict[str, int] = field(default_factory=dict)
    """recording_id → local offset of every Recording in `rows`."""
    generation: int = 0
    deleting: int = 0
    """Deletes in flight through Listing.delete(); responses arriving meanwhile are ambiguous."""

    @property
    def known_total(self) -> int:
        return self.total or 0

    def page_filter(self, offset: int) -> RecordingFilter:
        return self.flt.with_values(limit=str(PAGE_SIZE), offset=str(offset))


def plan_windows(flt: RecordingFilter, now: datetime) -> list[tuple[Bounds, RecordingFilter]]:
    """The windows to query for a valid filter, newest first, each with its own filter.

    - No add_time, or a storage-duration filter (which the API will not combine with add_time):
      one window, sent without add_time; its bounds are (None, None) — the server's default.
    - Only an upper bound: one window sent as given; the server searches the 7 days before it.
    - A lower bound: [lower, upper or now) cut into ≤ 30-day windows. The outer bounds keep the
      user's operators (__gt / __lte); the boundaries between windows are __gte below and __lt
      above, so each moment belongs to exactly one window. A missing upper bound is sent as
      `now`: left open, the server's later clock would stretch a full 30-day window past the
      limit, and a fixed end keeps the totals stable while the user scrolls.
    """
    base = flt.with_values(limit=None, offset=None)
    if flt.has_storage_filter or not flt.has_time_filter:
        return [((None, None), base)]
    lower, upper = flt.time_bounds()
    if lower is None:
        assert upper is not None
        return [((upper - DEFAULT_WINDOW, upper), base)]
    params = flt.to_params()
    lower_op = "add_time__gt" if "add_time__gt" in params else "add_time__gte"
    upper_op = "add_time__lte" if "add_time__lte" in params else "add_time__lt"
    end = upper if upper is not None else now
    spans = split_windows(lower, end) or [(lower, end)]  # an empty span is still one query
    cleared = base.with_values(**dict.fromkeys(TIME_FIELDS))
    plan: list[tuple[Bounds, RecordingFilter]] = []
    last = len(spans) - 1
    for i, (lo, hi) in enumerate(spans):
        ops = {
            (lower_op if i == last else "add_time__gte"): format_filter_time(lo),
            (upper_op if i == 0 else "add_time__lt"): format_filter_time(hi),
        }
        plan.append(((lo, hi), cleared.with_values(**ops)))
    return plan


class Listing:
    """Every recording matching one filter, as one sequence; see `rectui.listing`."""

    def __init__(
        self,
        client: PlivoClient,
        flt: RecordingFilter,
        *,
        now: datetime | None = None,
        max_concurrency: int | None = None,
        first_rows: int | Callable[[], int] = 0,
    ):
        max_concurrency = client.max_concurrency if max_concurrency is None else max_concurrency
        if max_concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.client = client
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        # FilterError (with a message per field) for anything the server would refuse.
        self.filter = flt.validate(now=self.now, check_window=False)
        self._windows = [_Window(bounds, wflt) for bounds, wflt in plan_windows(flt, self.now)]
        # More in flight than the limiter admits at once would only queue in the limiter; and
        # every window's first page goes out in the first round trip.
        maximum = min(max_concurrency, client.limiter.requests)
        self.concurrency = AdaptiveConcurrency(
            maximum, initial=max(DEFAULT_INITIAL, len(self._windows))
        )
        self._starts: list[int] = [0] * len(self._windows)
        self._total = 0
        self._where: dict[str, _Window] = {}
        self._inflight: dict[tuple[int, int], tuple[int, asyncio.Task[None]]] = {}
        self._open_task: asyncio.Task[None] | None = None
        self._closed = False
        self.first_rows = first_rows
        """Rows a first screen shows: the first window's pages holding them are asked for as soon
        as its total is known, not one round trip after every window's (a first screen is
        usually all in the newest window). A callable is asked then: a screen can start its
        listing before it knows its own height."""
        self.requests_made = 0
        """HTTP page requests this listing has sent (a client-level retry counts once)."""
        self.problems: list[str] = []
        """One message per malformed object skipped, naming its recording id."""

    # -- state ---------------------------------------------------------------------------------

    @property
    def windows(self) -> list[Bounds]:
        return [w.bounds for w in self._windows]

    @property
    def window_filters(self) -> list[RecordingFilter]:
        return [w.flt for w in self._windows]

    @property
    def window_totals(self) -> list[int]:
        return [w.known_total for w in self._windows]

    @property
    def total(self) -> int:
        return self._total

    @property
    def is_open(self) -> bool:
        return all(w.total is not None for w in self._windows)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def loaded_count(self) -> int:
        return sum(len(w.rows) for w in self._windows)

    def _reindex(self) -> None:
        start = 0
        for i, w in enumerate(self._windows):
            self._starts[i] = start
            start += w.known_total
        self._total = start

    def _locate(self, index: int) -> tuple[int, int] | None:
        """(window number, local offset) of a global index, or None out of range."""
        if index < 0 or index >= self.total:
            return None
        # The last window starting at or before index; empty windows share the next one's start
        # and bisect_right skips past them.
        w = bisect.bisect_right(self._starts, index) - 1
        return w, index - self._starts[w]

    # -- reading (no I/O) ------------------------------------------------------------------------

    def get(self, index: int) -> Row | None:
        """The row at `index` if loaded, else None. Never raises."""
        where = self._locate(index)
        if where is None:
            return None
        w, local = where
        return self._windows[w].rows.get(local)

    def is_loaded(self, start: int, stop: int) -> bool:
        start, stop = max(0, start), min(stop, self.total)
        return all(self.get(i) is not None for i in range(start, stop))

    def index_of(self, recording_id: str) -> int | None:
        win = self._where.get(recording_id)
        if win is None:
            return None
        w = self._windows.index(win)
        return self._starts[w] + win.slot_of[recording_id]

    # -- loading ---------------------------------------------------------------------------------

    async def open(self) -> int:
        """Learn every window's total, fetching page 0 of all windows concurrently (those pages
        stay cached). Idempotent; concurrent callers share one attempt; a failed attempt raises
        PlivoError and the next call tries again."""
        while not (self.is_open or self._closed):
            if self._open_task is None or self._open_task.done():
                self._open_task = self._spawn(self._open())
            await self._await_all([self._open_task])
        return self.total

    async def _open(self) -> None:
        pending = [i for i, w in enumerate(self._windows) if w.total is None]
        await self._await_all([self._page_task(i, 0) for i in pending])

    async def ensure(self, start: int, stop: int) -> None:
        """Load the rows [start, stop) (clamped to the total), fetching only the pages that hold
        them, concurrently. Raises the first PlivoError; failed pages are not cached, so calling
        again retries them. Returns quietly if the listing is closed meanwhile."""
        await self.open()
        while not self._closed:
            needed = self._missing_pages(start, stop)
            if not needed:
                return
            await self._await_all([self._page_task(w, off) for w, off in needed])
            # Loop: a response dropped as stale (a deletion overlapped it) left its slots empty.

    def _missing_pages(self, start: int, stop: int) -> list[tuple[int, int]]:
        start, stop = max(0, start), min(stop, self.total)
        needed: list[tuple[int, int]] = []
        for w, win in enumerate(self._windows):
            w_start = self._starts[w]
            lo, hi = max(start, w_start) - w_start, min(stop, w_start + win.known_total) - w_start
            if lo >= hi:
                continue
            for page in range(lo - lo % PAGE_SIZE, hi, PAGE_SIZE):
                wanted = range(max(lo, page), min(hi, page + PAGE_SIZE))
                if any(slot not in win.rows for slot in wanted):
                    needed.append((w, page))
        return needed

    async def iter_all(self) -> AsyncIterator[Recording]:
        """Every Recording in order (Unavailable rows are skipped), fetching up to
        4 × the concurrency limit pages ahead of the consumer. Raises PlivoError like
        ensure()."""
        if self._closed:
            return
        if not self.is_open and (self._open_task is None or self._open_task.done()):
            # Page 0 of every window is queued first; the pages of a window are queued behind
            # them as soon as its total is known, so no request slot idles while the rest open.
            self._open_task = self._spawn(self._open())
        yielded: set[str] = set()
        ahead = self._page_order()
        queued = consumed = 0  # pages taken from `ahead` / reached by the consumer
        for w, win in enumerate(self._windows):
            while win.total is None and not self._closed:
                await self._await_all([self._page_task(w, 0)])
            for page in range(0, win.known_total, PAGE_SIZE):
                # The limit grows as answers come back: look further ahead as it does.
                while queued < consumed + 4 * self.concurrency.limit:
                    nxt = next(ahead, None)
                    if nxt is None:
                        break  # the next window's total is not known yet (or no pages left)
                    queued += 1
                    if not self._page_loaded(*nxt):
                        self._page_task(*nxt)
                consumed += 1
                while not (self._closed or self._page_loaded(w, page)):
                    await self._await_all([self._page_task(w, page)])
                if self._closed:
                    return
                for slot in range(page, min(page + PAGE_SIZE, win.known_total)):
                    row = win.rows.get(slot)
                    if isinstance(row, Recording) and row.recording_id not in yielded:
                        yielded.add(row.recording_id)
                        yield row

    def _page_order(self) -> Iterator[tuple[int, int] | None]:
        """Every (window, offset) page in the order iter_all() consumes them; None while the
        next window's total is unknown (ask again later: it resumes where it was)."""
        for w, win in enumerate(self._windows):
            while win.total is None:
                yield None
            for page in range(0, win.total, PAGE_SIZE):
                yield w, page

    def _page_loaded(self, w: int, page: int) -> bool:
        win = self._windows[w]
        return all(s in win.rows for s in range(page, min(page + PAGE_SIZE, win.known_total)))

    def _page_task(self, w: int, offset: int) -> asyncio.Task[None]:
        win = self._windows[w]
        shared = self._inflight.get((w, offset))
        if shared is not None and shared[0] == win.generation and not shared[1].done():
            return shared[1]
        task = self._spawn(self._fetch_page(w, offset))
        self._inflight[(w, offset)] = (win.generation, task)

        def forget(done: asyncio.Task[None]) -> None:
            if self._inflight.get((w, offset), (0, None))[1] is done:
                del self._inflight[(w, offset)]

        task.add_done_callback(forget)
        return task

    async def _fetch_page(self, w: int, offset: int) -> None:
        win = self._windows[w]
        async with self.concurrency.slot():
            if self._closed:
                return
            generation = win.generation
            self.requests_made += 1
            page = await self.client.list_recordings(
                win.page_filter(offset), observe=self.concurrency.observe
            )
        if self._closed or win.generation != generation or win.deleting:
            return  # stale: the offsets may predate a deletion, or nobody wants it any more
        opening = win.total is None
        self._store(win, offset, page)
        if opening and w == 0:
            rows = self.first_rows() if callable(self.first_rows) else self.first_rows
            for first_screen in range(PAGE_SIZE, min(rows, win.known_total), PAGE_SIZE):
                self._page_task(0, first_screen)

    def _store(self, win: _Window, offset: int, page: RecordingPage) -> None:
        if win.total is None:
            win.total = page.meta.total_count
            self._reindex()
        end = min(offset + PAGE_SIZE, win.total)
        slot = offset
        for rec in page.recordings:
            if slot >= end:
                break  # more rows than counted when the total was learned: data grew since
            owner = self._where.get(rec.recording_id)
            if owner is not None:
                if owner is win and win.slot_of[rec.recording_id] == slot:
                    slot += 1  # a page loaded again: this row is where it was
                # else: listed twice because rows shifted; the first copy stays
                continue
            while slot < end and slot in win.rows:
                slot += 1  # keep rows already shown; never replace one under the user
            if slot >= end:
                break
            win.rows[slot] = rec
            win.slot_of[rec.recording_id] = slot
            self._where[rec.recording_id] = win
            slot += 1
        # The client does not say where on the page a malformed object was, so Unavailable rows
        # go into the page's remaining slots: rows of every other page keep their indexes.
        malformed = list(page.malformed)
        for problem in malformed:
            message = f"skipped malformed {problem}"
            if message not in self.problems:  # a page loaded twice reports its problems once
                self.problems.append(message)
        for slot in range(offset, end):
            if slot in win.rows:
                continue
            if malformed:
                problem = malformed.pop(0)
                win.rows[slot] = Unavailable(problem.recording_id, str(problem))
            else:
                win.rows[slot] = Unavailable(
                    None, "not returned by the server (recordings changed while loading)"
                )

    # -- deletions -------------------------------------------------------------------------------

    def remove(self, recording_id: str) -> bool:
        """Drop a recording deleted on the server from this listing: the rows after it move up
        by one and the total shrinks, matching the server's own offsets after the deletion.
        False if it is not a loaded row (nothing changes)."""
        win = self._where.pop(recording_id, None)
        if win is None:
            return False
        removed = win.slot_of.pop(recording_id)
        rows: dict[int, Row] = {}
        for slot, row in win.rows.items():
            if slot != removed:
                rows[slot - 1 if slot > removed else slot] = row
        win.rows = rows
        win.slot_of = {
            rid: (slot - 1 if slot > removed else slot) for rid, slot in win.slot_of.items()
        }
        win.total = max(0, win.known_total - 1)
        win.generation += 1
        self._reindex()
        return True

    async def delete(self, recording_id: str) -> bool:
        """Delete on the server, then `remove()` locally. Page responses that overlap the
        deletion are dropped, since their offsets may be from either side of it. Returns what
        `PlivoClient.delete_recording` returns (False: it was already gone); raises PlivoError."""
        win = self._where.get(recording_id)
        if win is not None:
            win.generation += 1
            win.deleting += 1
        try:
            deleted = await self.client.delete_recording(recording_id)
        finally:
            if win is not None:
                win.deleting -= 1
                win.generation += 1
        self.remove(recording_id)
        return deleted

    # -- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel in-flight work; responses still arriving are dropped. Idempotent."""
        self._closed = True
        tasks = [task for _, task in self._inflight.values()]
        if self._open_task is not None:
            tasks.append(self._open_task)
        self._inflight.clear()
        for task in tasks:
            task.cancel()

    # -- plumbing --------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)

        def retrieve(done: asyncio.Task[None]) -> None:
            # Prefetches nobody awaits must not log "exception was never retrieved"; callers
            # that do await them still get the exception.
            if not done.cancelled():
                done.exception()

        task.add_done_callback(retrieve)
        return task

    async def _await_all(self, tasks: Iterable[asyncio.Task[None]]) -> None:
        """Wait for shared tasks without cancelling them if this caller is cancelled (others may
        be waiting on the same page), then raise the first failure."""
        tasks = list(tasks)
        if not tasks:
            return
        await asyncio.wait(tasks)
        for task in tasks:
            if task.cancelled():
                if self._closed:
                    return
                raise asyncio.CancelledError
            exc = task.exception()
            if exc is not None:
                raise exc
