"""Bringing the index up to date with the server for one scope and add_time span, cheaply.

The rule that makes it cheap: recordings never change except by deletion, and a span of
add_time that ended more than `margin` ago can no longer gain any. So a span fetched completely
after it closed is *sealed*: from then on the server can only have fewer recordings there than
the index, and one request (its total_count) per window of at most 30 days proves it unchanged.

- Sealed windows: one request each. A smaller total means deletions made elsewhere; they are
  found by bisecting the window on add_time (halving at the index's median row, one request
  per level, the other half's count following by subtraction) down to spans of one page, whose
  rows are compared with the index's. A *larger* total breaks the rule (a late recording):
  the window is unsealed and fetched again.
- Everything else (never fetched, or still open when it was): fetched page by page, each page
  written to the index as it arrives (so a killed sync keeps what it fetched), then merged: rows
  the server no longer lists are dropped, the part that was already closed is sealed and the
  rest noted as fetched. A window whose total changed between its pages is fetched again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ..formatting import plural
from ..plivo.client import PlivoClient
from ..plivo.models import RecordingPage
from ..plivo.rules import MAX_LIMIT, format_filter_time, split_windows
from . import intervals
from .scope import Scope
from .store import IndexStore, from_us, to_us

DEFAULT_MARGIN = timedelta(hours=48)
"""How long after a span of add_time ends before it is trusted to gain no more recordings
(Plivo writes a recording's object when the call ends; 48 h leaves room for late ones)."""

PRESENT = timedelta(minutes=1)
"""A span ending this close to now ends at the present (a quick range ends when it was chosen)."""

SYNC_CONCURRENCY = 32
"""Requests in flight; the client's rate limiter keeps the account under Plivo's limit."""
FETCH_ATTEMPTS = 3
PAGE = MAX_LIMIT

T = TypeVar("T")
Progress = Callable[[int, int], None]
"""(requests done, requests expected so far)."""


@dataclass(slots=True)
class SyncReport:
    requests: int = 0
    validated_windows: int = 0
    fetched_windows: int = 0
    dropped: int = 0
    """Rows removed because the server no longer has them (deleted elsewhere)."""
    unstable_windows: int = 0
    """Windows left unsealed: their total kept changing, or they hold unreadable objects."""

    def unstable_text(self) -> str:
        """What the unstable windows mean for a person ("" when there are none)."""
        if not self.unstable_windows:
            return ""
        hold, they = ("holds", "it is") if self.unstable_windows == 1 else ("hold", "they are")
        return (
            f"{plural(self.unstable_windows, 'window')} changed while syncing or {hold} "
            f"unreadable objects; {they} fetched again next time"
        )


class _Unproven(Exception):
    """The server has more in a sealed window than the index: the seal no longer holds."""


class Syncer:
    def __init__(
        self,
        store: IndexStore,
        client: PlivoClient,
        *,
        margin: timedelta = DEFAULT_MARGIN,
        concurrency: int = SYNC_CONCURRENCY,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.margin = margin
        self.clock = clock
        self.progress = progress
        self.report = SyncReport()
        self._slots = asyncio.Semaphore(concurrency)
        self._expected = 0

    async def refresh(
        self, scope: Scope, lower: datetime, upper: datetime | None = None
    ) -> SyncReport:
        """Make the index hold exactly the server's recordings of `scope` in [lower, upper)
        (upper: now). Raises the client's PlivoError; what was fetched until then is kept."""
        now = self.clock()
        lo, hi = to_us(lower), to_us(min(upper or now, now))
        sealed = self.store.coverage(scope.covering()).sealed
        checks = [w for a, b in intervals.intersect(sealed, lo, hi) for w in _windows(a, b)]
        fetches = [w for a, b in intervals.subtract(lo, hi, sealed) for w in _windows(a, b)]
        self._expect(len(checks) + len(fetches))
        await _all(
            [
                *(self._validate(scope, a, b) for a, b in checks),
                *(self._fetch(scope, a, b) for a, b in fetches),
            ]
        )
        if now - from_us(hi) <= PRESENT:
            # The index now answers for this scope up to `hi`: later questions that end at
            # their own present count the time since as the "as of" gap, not as unsynced.
            self.store.mark_validated(scope, from_us(hi))
        return self.report

    # -- sealed windows ------------------------------------------------------------------------

    async def _validate(self, scope: Scope, lo: int, hi: int) -> None:
        page = await self._page(scope, lo, hi, 0)
        self.report.validated_windows += 1
        try:
            await self._reconcile(scope, lo, hi, page.meta.total_count, page)
        except _Unproven:
            self.store.unseal(scope.covering(), lo, hi)
            self._expect(1)
            await self._fetch(scope, lo, hi)

    async def _reconcile(
        self, scope: Scope, lo: int, hi: int, total: int, page: RecordingPage | None
    ) -> None:
        """Drop the index's rows in [lo, hi) that the server (holding `total`) no longer has."""
        local = self.store.count(scope, lo, hi)
        if total == local:
            return
        if total > local:
            if page is None:  # a derived count: ask, deletions may have raced the subtraction
                page = await self._expected_page(scope, lo, hi)
                return await self._reconcile(scope, lo, hi, page.meta.total_count, page)
            raise _Unproven
        if total <= PAGE:
            if page is None or len(page.recordings) != page.meta.total_count:
                page = await self._expected_page(scope, lo, hi)
            if page.malformed or len(page.recordings) != page.meta.total_count:
                raise _Unproven
            seen = {rec.recording_id for rec in page.recordings}
            self.report.dropped += self.store.delete(self.store.ids(scope, lo, hi) - seen)
            return
        mid = self.store.median_add_us(scope, lo, hi)
        if mid is None or not lo < mid < hi:
            raise _Unproven  # every row at one instant: nothing to halve, fetch it instead
        newer = await self._expected_page(scope, mid, hi)
        await self._reconcile(scope, mid, hi, newer.meta.total_count, newer)
        await self._reconcile(scope, lo, mid, total - newer.meta.total_count, None)

    # -- everything else ---------------------------------------------------------------------------

    async def _fetch(self, scope: Scope, lo: int, hi: int) -> None:
        self.report.fetched_windows += 1
        for attempt in range(FETCH_ATTEMPTS):
            if attempt:
                self._expect(1)
            at = self.clock()
            # The pages the index expects are asked at once (the window held that many when
            # last fetched); only the rest waits for the first answer's total.
            held = self.store.count(scope, lo, hi)
            guessed = range(0, max(1, -(-held // PAGE)) * PAGE, PAGE)
            self._expect(len(guessed) - 1)
            pages = await _all([self._page(scope, lo, hi, off) for off in guessed])
            total = pages[0].meta.total_count
            offsets = range(guessed.stop, total, PAGE)
            self._expect(len(offsets))
            pages += await _all([self._page(scope, lo, hi, off) for off in offsets])
            if any(p.malformed for p in pages):
                break  # unreadable objects cannot be proven present; keep what was readable
            seen = {rec.recording_id for p in pages for rec in p.recordings}
            if all(p.meta.total_count == total for p in pages) and len(seen) == total:
                self.report.dropped += self.store.commit_window(
                    scope, lo, hi, seen, to_us(at - self.margin), to_us(at)
                )
                return
        self.report.unstable_windows += 1

    # -- requests ------------------------------------------------------------------------------

    async def _expected_page(self, scope: Scope, lo: int, hi: int) -> RecordingPage:
        self._expect(1)
        return await self._page(scope, lo, hi, 0)

    async def _page(self, scope: Scope, lo: int, hi: int, offset: int) -> RecordingPage:
        flt = scope.as_filter().with_values(
            add_time__gte=format_filter_time(from_us(lo)),
            add_time__lt=format_filter_time(from_us(hi)),
            limit=str(PAGE),
            offset=str(offset),
        )
        async with self._slots:
            page = await self.client.list_recordings(flt)
        self.report.requests += 1
        if getattr(self.client, "index", None) is not self.store:  # else it wrote through
            self.store.upsert(page.recordings)
        if self.progress is not None:
            self.progress(self.report.requests, max(self._expected, self.report.requests))
        return page

    def _expect(self, requests: int) -> None:
        self._expected += requests


async def _all(coros: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently; on the first failure cancel the rest and raise it (gather would leave
    them running, still writing to the index)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _windows(lo: int, hi: int) -> list[tuple[int, int]]:
    """[lo, hi) as the API's windows of at most 30 days, newest first."""
    return [(to_us(a), to_us(b)) for a, b in split_windows(from_us(lo), from_us(hi))]
