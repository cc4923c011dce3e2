"""`ListingLike`: what the table, the triage jobs and the cost view read from a listing.

Both `Listing` (the server's order, paged in on demand) and `SortedListing` (every row in
memory, re-ordered) satisfy it, so the table shows either with no special case; the type checker
holds them to it (`rectui/listing/__init__.py` asserts it statically).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from ..plivo.models import Recording
from .engine import Row


class ListingLike(Protocol):
    @property
    def total(self) -> int: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def problems(self) -> list[str]:
        """One line per malformed object the server sent (reported by the app once each)."""
        ...

    async def open(self) -> int: ...
    def get(self, index: int) -> Row | None: ...
    def is_loaded(self, start: int, stop: int) -> bool: ...
    async def ensure(self, start: int, stop: int) -> None: ...
    def index_of(self, recording_id: str) -> int | None: ...
    def remove(self, recording_id: str) -> bool: ...
    def iter_all(self) -> AsyncIterator[Recording]: ...
    def close(self) -> None: ...


def is_fully_loaded(listing: ListingLike | None) -> bool:
    """Every row of an open listing is in memory (so sorting needs no request)."""
    return bool(listing is not None and listing.is_open and listing.is_loaded(0, listing.total))
