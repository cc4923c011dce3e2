"""The local index: one SQLite file per account that remembers every recording seen and what was
proven when, so that reopening, sorting, searching and costing need (almost) no requests.

No Textual here; the CLI (`rectui sync`, `rectui list --local`) and the TUI share it.

    store = IndexStore(index_path(settings.cache_dir, auth_id), auth_id)   # store.notice
    report = await Syncer(store, client, margin=...).refresh(Scope.of(flt), lower, upper)
    ids = LocalQuery(...).ids(store, now)         # local filters and any sort, in SQL
    store.load(ids, now)                           # Recording objects, storage fields as of now
    store.upsert(recs); store.delete(ids)          # write-through, deletes made by rectui
    listing = IndexedListing(store, client, flt, local=..., sort=...)   # a ListingLike
    await listing.open()                           # validation only, then every row is local
    WriteThroughClient(..., index=store)           # a PlivoClient that remembers what it lists

See `sync` for the rule that makes validation cheap, `store` for the file and its concurrency.
"""

from .client import WriteThroughClient
from .listing import IndexedListing
from .opening import Opened, open_listing
from .query import LocalFilter, LocalQuery
from .scope import ACCOUNT, Scope
from .store import IndexCorrupt, IndexStore, IndexUnavailable, index_path, is_damage
from .sync import DEFAULT_MARGIN, Syncer, SyncReport

__all__ = [
    "ACCOUNT",
    "DEFAULT_MARGIN",
    "IndexCorrupt",
    "IndexStore",
    "IndexUnavailable",
    "IndexedListing",
    "LocalFilter",
    "LocalQuery",
    "Opened",
    "Scope",
    "SyncReport",
    "Syncer",
    "WriteThroughClient",
    "index_path",
    "is_damage",
    "open_listing",
]
