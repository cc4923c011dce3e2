"""The listing engine: every recording matching a filter as one ordered sequence with a known
total and random access by index, over Plivo's 20-row pages and 30-day add_time windows.

No Textual here; the virtualized table reads a `Listing`.

    listing = Listing(client, flt, now=None, max_concurrency=None)  # FilterError if flt is invalid
    total = await listing.open()        # page 0 of every window, concurrently; idempotent
    listing.get(i)                      # Recording | Unavailable | None (not loaded); no I/O
    await listing.ensure(start, stop)   # fetch the pages holding rows [start, stop)
    listing.is_loaded(start, stop)
    listing.index_of(recording_id)      # global index of a loaded row, or None
    await listing.delete(recording_id)  # server delete + remove(), safe against pages in flight
    listing.remove(recording_id)        # local removal after a delete done elsewhere
    async for rec in listing.iter_all(): ...   # every Recording in order (export)
    listing.close()                     # cancel in-flight fetches; late results are dropped

Semantics:

- One `Listing` per filter. When the filter changes, `close()` the old one and make a new one;
  the old one's responses never reach the new one. The filter, `now` and the windows are fixed
  for the object's life.
- Windows: the add_time span is split into windows of at most 30 days, newest first
  (`windows`, `window_filters`, `window_totals`). No add_time filter, or a storage-duration
  filter: one window sent without add_time (the server's default 7 days; bounds (None, None)).
  A missing upper bound is `now`.
- Order: newest first across windows; within a window, the server's order.
- `total` is known after `open()` and shrinks with `remove()`/`delete()`. Before `open()` it is 0.
- `get(i)` never raises: None means "not loaded yet" (or i out of range). An `Unavailable` row
  (`recording_id`, `reason`) stands where the server counted a row that cannot be shown — a
  malformed object (also reported in `problems`, with its id) or a row the server no longer
  returned because data changed while loading. It keeps its index, so no other row moves.
  The client does not say where on its page a malformed object was, so its Unavailable takes
  one of that page's last slots; rows on other pages never move. Each distinct problem is
  reported once in `problems`. Duplicates (the same recording_id returned again because rows
  shifted) are kept once: rows already loaded are never replaced under the user.
- Deleting: `remove(id)` drops a loaded row, shrinks its window's total and moves the rows
  after it up by one, exactly as the server's offsets move, so nothing is refetched. A page
  whose request was in flight while the deletion happened may describe either side of it, so
  prefer `await listing.delete(id)`: it drops such pages (they are fetched again on demand).
  `remove()` also drops pages in flight when it is called, which covers most of that window.
- `ensure()` and `open()` raise the client's PlivoError subclasses (NetworkError,
  AuthenticationError, RateLimitedError, ServerError, ...). Failed pages are not cached: call
  again to retry. Concurrent callers asking for the same page share one request. After
  `close()` they return quietly.
- Concurrency: adaptive (`rectui.listing.concurrency`): the page requests in flight start at
  max(8, windows), double per round trip while answers stay as fast as the fastest seen, grow
  more slowly after the first slow answer, and halve on a 429, 5xx or dropped connection; never
  above `max_concurrency` (default: the client's, from `settings.max_requests_in_flight`, 64)
  nor the rate limiter's requests per period. `listing.concurrency` shows
  the state (`limit`, `peak`, `shrinks`). The client's rate limiter keeps the account under
  Plivo's 300 requests / 5 s, or under the lower limit it learns from 429s
  (`rectui.plivo.ratelimit`); a page refused with 429 is asked again quietly, and only fails
  after STALL_SECONDS (30) without progress (`rectui.plivo.client`).
- `iter_all()` does not wait for every window's total: the pages of a window are queued as soon
  as its own page 0 has arrived, up to 4 × the current concurrency limit pages ahead of the
  consumer.
- `requests_made` counts page requests sent (for benchmarks and tests).

`SortedListing` (rectui/listing/sorted.py) is a fully loaded listing re-ordered in memory; both
satisfy `ListingLike` (rectui/listing/protocol.py), which is all the table reads.
"""

from typing import TYPE_CHECKING

from ..plivo.client import DEFAULT_MAX_CONCURRENCY
from .columns import COLUMN_NAMES, DEFAULT_COLUMNS, DESCENDING_FIRST, SERVER_ORDER
from .concurrency import AdaptiveConcurrency
from .engine import PAGE_SIZE, Listing, Row, Unavailable, plan_windows
from .protocol import ListingLike, is_fully_loaded
from .ranges import QUICK_RANGE_LABELS, QUICK_RANGES, filter_with_quick_range, quick_range
from .sorted import NAMED_SORTS, SortedListing

if TYPE_CHECKING:
    # Held to the protocol by the type checker: a drift in either is an error in CI.
    def _satisfies(listing: Listing, ordered: SortedListing) -> list[ListingLike]:
        return [listing, ordered]


__all__ = [
    "COLUMN_NAMES",
    "DEFAULT_COLUMNS",
    "DEFAULT_MAX_CONCURRENCY",
    "DESCENDING_FIRST",
    "NAMED_SORTS",
    "PAGE_SIZE",
    "QUICK_RANGES",
    "QUICK_RANGE_LABELS",
    "SERVER_ORDER",
    "AdaptiveConcurrency",
    "Listing",
    "ListingLike",
    "Row",
    "SortedListing",
    "Unavailable",
    "filter_with_quick_range",
    "is_fully_loaded",
    "plan_windows",
    "quick_range",
]
