"""A fully loaded listing, re-ordered in memory: what lets the table sort by any column.

The server only lists newest first. Once every row of a filter is loaded (a sort, the cost view,
mark all and export load them all), `SortedListing.of(listing, column, now, descending=…)`
copies the recordings into a list sorted by that column (rectui/listing/columns.py) and offers
the same methods the table uses (`total`, `get`, `ensure`, `is_loaded`, `remove`, `index_of`,
`iter_all`, `close`), so `table.set_listing(sorted)` shows
it with no other change. It owns the source listing (closing it when closed). Rows the server
sent malformed are left out (they cannot be sorted); a refresh (`r`) goes back to the server's
order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from ..plivo.filters import RecordingFilter
from ..plivo.models import Recording
from .columns import SERVER_ORDER, sorted_by
from .protocol import ListingLike, is_fully_loaded

NAMED_SORTS: dict[str, tuple[str, bool]] = {
    "cost": ("money", True),
    "duration": ("duration", True),
    "age": ("added", False),
}
"""The cost view's sorts (c, u, a) as (column, descending): costliest, longest, oldest first."""


class SortedListing:
    def __init__(
        self,
        rows: list[Recording],
        *,
        source: ListingLike | None = None,
        sort_order: tuple[str, bool] = SERVER_ORDER,
    ) -> None:
        self._rows = rows
        self._index: dict[str, int] | None = None
        self.source = source
        self.sort_order = sort_order
        """(column, descending): what the table's header marks with ▲ or ▼."""
        self._closed = False
        self.filter: RecordingFilter | None = getattr(source, "filter", None)
        self.now: datetime | None = getattr(source, "now", None)

    @classmethod
    def of(
        cls, listing: ListingLike, column: str, now: datetime, *, descending: bool
    ) -> SortedListing:
        """The loaded recordings of `listing` (a Listing or a SortedListing) sorted by a column
        (rectui/listing/columns.py); ties keep the server's order."""
        if isinstance(listing, SortedListing):
            # Re-sorting a sorted listing starts from the server's order, so ties keep it.
            source = listing.source
            base = listing if source is None or not is_fully_loaded(source) else source
        else:
            source = base = listing
        rows = [row for i in range(base.total) if isinstance(row := base.get(i), Recording)]
        ordered = sorted_by(rows, column, descending=descending, now=now)
        return cls(ordered, source=source, sort_order=(column, descending))

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
