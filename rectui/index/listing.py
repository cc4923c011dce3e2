"""`IndexedListing`: a filter's recordings answered by the index, in any order, after one
validation against the server. It reads like a `Listing` (see `rectui.listing.ListingLike`),
so the table shows it unchanged; every row is there at once, so `G` costs no request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from ..listing import Row, Unavailable
from ..listing.columns import column_of_index_sort
from ..plivo.client import PlivoClient
from ..plivo.filters import RecordingFilter
from ..plivo.models import Recording
from .query import ALL_TIME, LocalFilter, LocalQuery
from .store import IndexStore, from_us
from .sync import DEFAULT_MARGIN, Syncer, SyncReport

CHUNK = 200
"""Rows read from SQLite at a time, as the table asks for them."""


class IndexedListing:
    def __init__(
        self,
        store: IndexStore,
        client: PlivoClient,
        flt: RecordingFilter,
        *,
        now: datetime | None = None,
        local: LocalFilter | None = None,
        sort: str = "added",
        descending: bool = True,
        margin: timedelta = DEFAULT_MARGIN,
        offline: bool = False,
    ) -> None:
        self.store = store
        self.client = client
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.filter = flt.validate(now=self.now, check_window=False)
        self.query = LocalQuery.for_filter(flt, self.now, local, sort=sort, descending=descending)
        self.margin = margin
        self.offline = offline
        """Answer from the index without asking the server (it could not be reached)."""
        self.report: SyncReport | None = None
        self.problems: list[str] = []
        self._ids: list[str] = []
        self._position: dict[str, int] | None = None
        self._rows: dict[int, Row] = {}
        self._opened = False
        self._closed = False

    @staticmethod
    def is_warm(store: IndexStore, flt: RecordingFilter, now: datetime) -> bool:
        """The index holds the filter's whole span (as of its last sync): worth opening from."""
        return not LocalQuery.for_filter(flt, now).unsynced(store)

    # -- state ---------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self._ids)

    @property
    def is_open(self) -> bool:
        return self._opened

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def requests_made(self) -> int:
        return 0 if self.report is None else self.report.requests

    @property
    def as_of(self) -> datetime | None:
        """When the server last confirmed what the index holds for this filter."""
        return self.store.validated_at(self.query.scope.covering())

    # -- loading -------------------------------------------------------------------------------

    async def open(self) -> int:
        """Validate the filter's span with the server (unless offline), then read the ids in
        order. Raises the client's PlivoError (the index is left as it was)."""
        if self._opened or self._closed:
            return self.total
        if not self.offline:
            syncer = Syncer(self.store, self.client, margin=self.margin, clock=lambda: self.now)
            self.report = await syncer.refresh(self.query.scope, self._lower(), self.query.upper)
        self._ids = self.query.ids(self.store, self.now)
        self._opened = True
        return self.total

    def _lower(self) -> datetime:
        if self.query.lower != ALL_TIME:
            return self.query.lower
        # A storage filter searches all time: validate what the index holds, not since 1970.
        spans = self.store.coverage(self.query.scope.covering()).spans
        return from_us(spans[0][0]) if spans else self.now - timedelta(days=30)

    def get(self, index: int) -> Row | None:
        if not 0 <= index < len(self._ids):
            return None
        row = self._rows.get(index)
        if row is None:
            self._load(index - index % CHUNK)
            row = self._rows.get(index)
        return row

    def _load(self, start: int) -> None:
        ids = self._ids[start : start + CHUNK]
        found = self.store.load(ids, self.now)
        for offset, rid in enumerate(ids):
            self._rows[start + offset] = found.get(rid) or Unavailable(
                rid, "no longer in the local index (deleted meanwhile)"
            )

    def is_loaded(self, start: int, stop: int) -> bool:
        return self._opened

    async def ensure(self, start: int, stop: int) -> None:
        await self.open()

    def index_of(self, recording_id: str) -> int | None:
        if self._position is None:
            self._position = {rid: i for i, rid in enumerate(self._ids)}
        return self._position.get(recording_id)

    async def iter_all(self) -> AsyncIterator[Recording]:
        await self.open()
        for start in range(0, len(self._ids), CHUNK):
            ids = self._ids[start : start + CHUNK]
            found = self.store.load(ids, self.now)
            for rid in ids:
                if rid in found:
                    yield found[rid]

    @property
    def sort_order(self) -> tuple[str, bool]:
        """(table column, descending), as `SortedListing.sort_order`."""
        return column_of_index_sort(self.query.sort), self.query.descending

    def resorted(self, sort: str, *, descending: bool) -> IndexedListing:
        """The same rows in another order, from the index, without asking the server again."""
        other = IndexedListing(
            self.store, self.client, self.filter, now=self.now, local=self.query.local,
            sort=sort, descending=descending, margin=self.margin, offline=True,
        )  # fmt: skip
        other.offline = self.offline
        other.report = self.report
        other._ids = other.query.ids(self.store, self.now)
        other._opened = True
        return other

    # -- deletions -------------------------------------------------------------------------------

    def remove(self, recording_id: str) -> bool:
        """Drop a recording deleted on the server, here and from the index."""
        index = self.index_of(recording_id)
        self.store.delete([recording_id])
        if index is None:
            return False
        del self._ids[index]
        self._position = None
        self._rows = {i - (i > index): row for i, row in self._rows.items() if i != index}
        return True

    async def delete(self, recording_id: str) -> bool:
        deleted = await self.client.delete_recording(recording_id)
        self.remove(recording_id)
        return deleted

    def close(self) -> None:
        self._closed = True
