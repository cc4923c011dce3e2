"""How a filter is opened when there is an index: from it when it holds the filter (after
validating it with the server), from the server otherwise (rows written through), and from
the index alone, marked offline, when the server cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ..listing import Listing, ListingLike
from ..plivo.client import PlivoClient
from ..plivo.errors import NetworkError
from ..plivo.filters import RecordingFilter
from .listing import IndexedListing
from .store import IndexStore
from .sync import DEFAULT_MARGIN

Source = Literal["index", "server", "offline"]


@dataclass(frozen=True, slots=True)
class Opened:
    listing: ListingLike
    source: Source
    as_of: datetime | None
    """offline: when the server last confirmed what the index holds."""

    @property
    def offline(self) -> bool:
        return self.source == "offline"


async def open_listing(
    client: PlivoClient,
    index: IndexStore | None,
    flt: RecordingFilter,
    now: datetime,
    *,
    margin: timedelta = DEFAULT_MARGIN,
    first_rows: int | Callable[[], int] = 0,
) -> Opened:
    """An opened listing for `flt`. Raises what `Listing.open()` raises, except NetworkError
    when the index can answer instead. `first_rows`: see `Listing.first_rows`."""
    if index is not None and IndexedListing.is_warm(index, flt, now):
        warm = IndexedListing(index, client, flt, now=now, margin=margin)
        try:
            await warm.open()
            return Opened(warm, "index", warm.as_of)
        except NetworkError:
            return await _offline(client, index, flt, now)
    listing = Listing(client, flt, now=now, first_rows=first_rows)
    try:
        await listing.open()
    except NetworkError:
        listing.close()
        if index is None:
            raise
        return await _offline(client, index, flt, now)
    except BaseException:
        listing.close()
        raise
    return Opened(listing, "server", None)


async def _offline(
    client: PlivoClient, index: IndexStore, flt: RecordingFilter, now: datetime
) -> Opened:
    listing = IndexedListing(index, client, flt, now=now, offline=True)
    await listing.open()
    return Opened(listing, "offline", listing.as_of)
