"""A fully loaded listing, re-ordered in memory: what lets the table sort by cost, duration or age.

The server only lists newest first. Once every row of a filter is loaded (the cost view, mark
all and export load them all), `SortedListing.of(listing, key, now)` copies the recordings into
a list sorted by `key` and offers the same methods the table uses (`total`, `get`, `ensure`,
`is_loaded`, `remove`, `index_of`, `iter_all`, `close`), so `table.set_listing(sorted)` shows
it with no other change. It owns the source listing (closing it when closed). Rows the server
sent malformed are left out (they cannot be sorted); a refresh (`r`) goes back to the server's
order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..plivo.filters import RecordingFilter
from ..plivo.models import Recording
from ..plivo.recording_cost import recording_cost
from .protocol import ListingLike

SortKey = Callable[[Recording], Any]

SORTS: dict[str, tuple[str, str]] = {
    "cost": ("by cost", "costliest first (monthly storage cost, then billable minutes)"),
    "duration": ("by duration", "longest first"),
    "age": ("by age", "oldest first (stored longest)"),
}
"""Sort name -> (short label for the header, description)."""


def sort_key(name: str, now: datetime) -> SortKey:
    """A key for `sorted()` that puts the row that matters most first. Ties keep the server's
    order (the sort is stable), as the cost view's costliest list does."""
    if name == "cost":

        def by_cost(rec: Recording) -> Any:
            cost = recording_cost(rec, now)
            minutes = cost.billable_minutes or Decimal(0)
            return (-(cost.expected_amount or Decimal(0)), -minutes)

        return by_cost
    if name == "duration":
        return lambda rec: -(rec.duration_s or 0.0)
    if name == "age":
        return lambda rec: rec.add_time
    raise ValueError(f"unknown sort {name!r}; sorts: {', '.join(SORTS)}")


class SortedListing:
    def __init__(
        self, rows: list[Recording], *, source: ListingLike | None = None, sort: str = ""
    ) -> None:
        self._rows = rows
        self._index: dict[str, int] | None = None
        self.source = source
        self.sort = sort
        self._closed = False
        self.filter: RecordingFilter | None = getattr(source, "filter", None)
        self.now: datetime | None = getattr(source, "now", None)

    @classmethod
    def of(cls, listing: ListingLike, sort: str, now: datetime) -> SortedListing:
        """The loaded recordings of `listing` (a Listing or a SortedListing), sorted."""
        source = listing.source if isinstance(listing, SortedListing) else listing
        rows = [row for i in range(listing.total) if isinstance(row := listing.get(i), Recording)]
        rows.sort(key=sort_key(sort, now))
        return cls(rows, source=source, sort=sort)

    # -- what the table (and the app) read ------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self._rows)

    @property
    def is_open(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def problems(self) -> list[str]:
        # The source's malformed rows were reported when it loaded them; they are left out here.
        return []

    async def open(self) -> int:
        return self.total

    def get(self, index: int) -> Recording | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def is_loaded(self, start: int, stop: int) -> bool:
        return True

    async def ensure(self, start: int, stop: int) -> None:
        return None

    def index_of(self, recording_id: str) -> int | None:
        if self._index is None:
            # Rebuilt lazily: a bulk delete removes many rows before anyone asks.
            self._index = {rec.recording_id: i for i, rec in enumerate(self._rows)}
        return self._index.get(recording_id)

    def remove(self, recording_id: str) -> bool:
        index = self.index_of(recording_id)
        if index is None:
            return False
        del self._rows[index]
        self._index = None
        if self.source is not None:
            self.source.remove(recording_id)
        return True

    async def iter_all(self) -> AsyncIterator[Recording]:
        for rec in list(self._rows):
            yield rec

    def close(self) -> None:
        self._closed = True
        if self.source is not None:
            self.source.close()
