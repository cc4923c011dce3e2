"""The SQLite file: one per account, under the user's cache directory.

Concurrency follows SQLite's WAL rules: readers never block the one writer and the writer never
blocks readers; writers queue on `busy_timeout`. Every write is a short `BEGIN IMMEDIATE`
transaction (a deferred one that reads first and then writes can fail with SQLITE_BUSY at once,
without waiting), so the TUI and a `rectui sync` in another process can share the file.

The file is private (0600; SQLite gives its -wal and -shm files the same mode) and holds the
recording objects and what was proven when, never a credential.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from ..plivo import pricing
from ..plivo.models import MalformedRecord, Recording
from ..plivo.recording_cost import rounded_seconds, storage_rate
from . import intervals
from .intervals import Interval
from .scope import Scope

SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 30.0
DAY_US = 86_400_000_000
FREE_DAYS = pricing.FREE_STORAGE_DAYS

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recordings (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    add_us INTEGER NOT NULL,
    type TEXT, format TEXT, duration_ms REAL,
    from_number TEXT, to_number TEXT,
    conference_name TEXT, conference_uuid TEXT, mpc_name TEXT, mpc_uuid TEXT,
    call_uuid TEXT, owner TEXT,
    rounded_s INTEGER, rate REAL
);
CREATE INDEX IF NOT EXISTS recordings_by_time ON recordings (add_us DESC, id);
CREATE TABLE IF NOT EXISTS objects (rid INTEGER PRIMARY KEY, raw BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS objects_follow AFTER DELETE ON recordings
    BEGIN DELETE FROM objects WHERE rid = old.rid; END;
CREATE TABLE IF NOT EXISTS coverage (
    scope TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
    sealed INTEGER NOT NULL, at_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS coverage_by_scope ON coverage (scope, sealed);
CREATE TABLE IF NOT EXISTS validated (scope TEXT PRIMARY KEY, at_us INTEGER NOT NULL)
"""
# The objects live apart from the indexed columns so that sorting and filtering 100k rows scans
# a compact table. They are zlib-compressed with a dictionary of what every object repeats
# (field names, the account's URL paths), which halves them.
# coverage: per server filter (scope), the add_time spans the index holds completely. A sealed
# span was closed when it was fetched, so the server can only have fewer recordings there since;
# a fresh one was fetched at `at_us` while recordings could still arrive.

_COLUMNS = (
    "id", "add_us", "type", "format", "duration_ms", "from_number", "to_number",
    "conference_name", "conference_uuid", "mpc_name", "mpc_uuid", "call_uuid", "owner",
    "rounded_s", "rate",
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO recordings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
    + " RETURNING rid"
)
_DICTIONARY = (
    '{"add_time":"2020-01-01 00:00:00.000000+00:00","api_id":"","call_uuid":"",'
    '"conference_name":null,"conference_uuid":"","from_number":"+1",'
    '"monthly_recording_storage_amount":"0.00000","mpc_name":null,"mpc_uuid":null,'
    '"recording_duration_ms":".00000","recording_end_ms":".00000","recording_format":"wav",'
    '"recording_start_ms":".00000","recording_storage_duration":"","recording_storage_rate":'
    '"0.0004","recording_type":"conference","rounded_recording_duration":"","to_number":"+1",'
    '"recording_format":"mp3","recording_type":"normal","recording_id":"",'
    '"recording_url":"https://media.plivo.com/v1/Account/{auth_id}/Recording/.mp3",'
    '"resource_uri":"/v1/Account/{auth_id}/Recording/"}'
)


class IndexCorrupt(Exception):
    """The file is not a usable index (damaged, another version's, another account's)."""


class IndexUnavailable(Exception):
    """The file could not be opened, and is not damaged: another process kept it locked past
    the busy timeout, no permission, a full disk. It is left as it is."""


_DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of an error (extended codes keep it in the low byte)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_damage(exc: BaseException) -> bool:
    """Whether an error says the file itself is unusable (so it is rebuilt), as opposed to busy,
    read-only or out of space, where removing it would lose a good index."""
    if isinstance(exc, IndexCorrupt):
        return True
    return isinstance(exc, sqlite3.DatabaseError) and _primary_code(exc) in _DAMAGE


def is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock it needs."""
    return _primary_code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextlib.contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write, as `BEGIN IMMEDIATE` (see the module docstring)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


T = TypeVar("T")


def wait_while_busy(step: Callable[[], T]) -> T:
    """`step()`, tried again while it finds the file busy, for up to BUSY_TIMEOUT_S. SQLite's
    own busy timeout does not cover everything: `PRAGMA journal_mode=WAL` on a file another
    process is creating answers SQLITE_BUSY at once."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)


def index_path(cache_dir: Path, auth_id: str) -> Path:
    """Where an account's index lives; the auth id keys it (a hash if it is not plain)."""
    name = auth_id if re.fullmatch(r"[A-Za-z0-9]{1,64}", auth_id) else _digest(auth_id)
    return cache_dir / "index" / f"{name}.sqlite3"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch: how add_time is stored and compared."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _row(rec: Recording) -> tuple[Any, ...]:
    return (
        rec.recording_id, to_us(rec.add_time), rec.recording_type, rec.recording_format,
        rec.recording_duration_ms, rec.from_number, rec.to_number, rec.conference_name,
        rec.conference_uuid, rec.mpc_name, rec.mpc_uuid, rec.call_uuid, rec.owner_auth_id,
        rounded_seconds(rec), float(storage_rate(rec)),
    )  # fmt: skip


def aged(rec: Recording, now: datetime) -> Recording:
    """A stored recording with its storage fields as of `now`.

    Recordings never change except for those two fields, which follow from add_time and the
    rate by the cost model: the stored copy's figures are from when it was fetched.
    """
    days = pricing.storage_days(rec.add_time, now)
    seconds = rounded_seconds(rec)
    amount = (
        None
        if seconds is None
        else pricing.expected_monthly_amount(storage_rate(rec), seconds, days)
    )
    return replace(rec, recording_storage_duration=days, monthly_recording_storage_amount=amount)


@dataclass(frozen=True, slots=True)
class Coverage:
    sealed: list[Interval]
    fresh: list[tuple[int, int, int]]
    """(lo, hi, fetched at) of spans fetched completely while still open."""

    @property
    def spans(self) -> list[Interval]:
        return intervals.union(self.sealed + [(lo, hi) for lo, hi, _ in self.fresh])


def _check_header(path: Path) -> None:
    """Cheap checks that catch a truncated or foreign file at once (a full quick_check reads
    every page: a third of a second at 100k recordings, on every start). Damage inside a page
    still raises sqlite3.DatabaseError where it is read."""
    size = path.stat().st_size
    if size == 0:
        return  # new: SQLite writes the header with the schema
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        raise IndexCorrupt("not an SQLite file")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # SQLite's rule for trusting the page count
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # a checkpoint may have been cut short: SQLite completes it from the WAL
    if valid and pages * page_size > size:
        raise IndexCorrupt(f"truncated ({size:,} of {pages * page_size:,} bytes)")


class IndexStore:
    """One open index file. Not thread-safe: use it from one thread (the event loop's)."""

    def __init__(self, path: Path, auth_id: str) -> None:
        self.path = path
        self.auth_id = auth_id
        self._dictionary = _DICTIONARY.replace("{auth_id}", auth_id).encode()
        self.notice: str | None = None
        """One line for the user when the file had to be rebuilt."""
        self._db = self._open()

    @classmethod
    def for_account(cls, cache_dir: Path, auth_id: str) -> IndexStore:
        return cls(index_path(cache_dir, auth_id), auth_id)

    # -- opening -------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                return wait_while_busy(self._connect_checked)
            except (sqlite3.DatabaseError, IndexCorrupt) as exc:
                if not is_damage(exc):
                    raise
                reason = str(exc) or type(exc).__name__
            self.discard(self.path)
            self.notice = f"the local index {self.path} was {reason}; rebuilt it empty"
            return wait_while_busy(self._connect_checked)
        except (sqlite3.Error, OSError) as exc:
            raise IndexUnavailable(f"the local index {self.path} cannot be opened: {exc}") from None

    def _connect_checked(self) -> sqlite3.Connection:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)  # also a file copied in with looser rights
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            _check_header(self.path)
            with write_transaction(db):
                for statement in _SCHEMA.split(";\n"):
                    db.execute(statement)
                db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?), ('auth_id', ?)",
                    (str(SCHEMA_VERSION), self.auth_id),
                )
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema_version") != str(SCHEMA_VERSION):
                raise IndexCorrupt(f"from another version (schema {meta.get('schema_version')})")
            if meta.get("auth_id") != self.auth_id:
                raise IndexCorrupt("for another account")
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def discard(path: Path) -> None:
        """Remove an index file (and its WAL), e.g. one found damaged."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{path}{suffix}")

    def close(self) -> None:
        self._db.close()

    def forget(self) -> None:
        """Drop everything the file holds about the account (the file stays, empty): the
        recordings and their coverage, and whatever else shares the file (transcripts)."""
        with write_transaction(self._db):
            for table in self._account_tables():
                self._db.execute(f'DELETE FROM "{table}"')
        self._db.execute("VACUUM")

    def _account_tables(self) -> list[str]:
        """Every table but `meta` and the FTS5 shadow tables (`<name>_data`, …), which
        follow their virtual table."""
        rows = self._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        tables = {name: sql or "" for name, sql in rows}
        virtual = [n for n, sql in tables.items() if sql.upper().startswith("CREATE VIRTUAL")]
        return [
            name
            for name in tables
            if name != "meta"
            and not name.startswith("sqlite_")
            and not any(name.startswith(f"{v}_") for v in virtual)
        ]

    # -- recordings ----------------------------------------------------------------------------

    def _pack(self, obj: Any) -> bytes:
        packer = zlib.compressobj(6, zdict=self._dictionary)
        return packer.compress(json.dumps(obj, separators=(",", ":")).encode()) + packer.flush()

    def _unpack(self, raw: bytes) -> Any:
        unpacker = zlib.decompressobj(zdict=self._dictionary)
        return json.loads(unpacker.decompress(raw) + unpacker.flush())

    def upsert(self, recs: Iterable[Recording]) -> None:
        rows = [(_row(rec), self._pack(rec.raw)) for rec in recs]
        if rows:
            with write_transaction(self._db):
                for columns, packed in rows:
                    (rid,) = self._db.execute(_UPSERT, columns).fetchone()
                    self._db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?)", (rid, packed))

    def delete(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        if not ids:
            return 0
        with write_transaction(self._db):
            cur = self._db.executemany("DELETE FROM recordings WHERE id = ?", [(i,) for i in ids])
        return cur.rowcount

    def count(self, scope: Scope, lo: int, hi: int) -> int:
        sql, params = scope.where()
        row = self._db.execute(
            f"SELECT count(*) FROM recordings WHERE add_us >= ? AND add_us < ? AND {sql}",
            (lo, hi, *params),
        ).fetchone()
        return int(row[0])

    def ids(self, scope: Scope, lo: int, hi: int) -> set[str]:
        sql, params = scope.where()
        return {
            r[0]
            for r in self._db.execute(
                f"SELECT id FROM recordings WHERE add_us >= ? AND add_us < ? AND {sql}",
                (lo, hi, *params),
            )
        }

    def median_add_us(self, scope: Scope, lo: int, hi: int) -> int | None:
        """The add_time that halves the scope's rows in [lo, hi) (for bisecting deletions)."""
        sql, params = scope.where()
        n = self.count(scope, lo, hi)
        row = self._db.execute(
            f"SELECT add_us FROM recordings WHERE add_us >= ? AND add_us < ? AND {sql} "
            "ORDER BY add_us DESC LIMIT 1 OFFSET ?",
            (lo, hi, *params, n // 2),
        ).fetchone()
        return None if row is None else int(row[0])

    def load(self, ids: Sequence[str], now: datetime) -> dict[str, Recording]:
        """The recordings with these ids (those the index has), aged to `now`."""
        found: dict[str, Recording] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for rid, raw in self._db.execute(
                f"SELECT id, raw FROM recordings JOIN objects USING (rid) WHERE id IN ({marks})",
                chunk,
            ):
                with contextlib.suppress(MalformedRecord, ValueError, zlib.error):
                    found[rid] = aged(Recording.from_api(self._unpack(raw)), now)
        return found

    def select_ids(self, where: str, params: Sequence[Any], order: str) -> list[str]:
        return [r[0] for r in self._db.execute(
            f"SELECT id FROM recordings WHERE {where} ORDER BY {order}", params
        )]  # fmt: skip

    def total(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM recordings").fetchone()[0])

    # -- coverage ------------------------------------------------------------------------------

    def coverage(self, scopes: Iterable[Scope]) -> Coverage:
        keys = [s.key for s in scopes]
        marks = ",".join("?" * len(keys))
        sealed: list[Interval] = []
        fresh: list[tuple[int, int, int]] = []
        for lo, hi, is_sealed, at in self._db.execute(
            f"SELECT lo, hi, sealed, at_us FROM coverage WHERE scope IN ({marks})", keys
        ):
            if is_sealed:
                sealed.append((lo, hi))
            else:
                fresh.append((lo, hi, at))
        return Coverage(intervals.union(sealed), sorted(fresh))

    def commit_window(
        self, scope: Scope, lo: int, hi: int, seen: set[str], seal_before: int, at_us: int
    ) -> int:
        """After [lo, hi) was fetched completely at `at_us`: drop the scope's rows there that the
        server no longer has, seal the part that was closed (before `seal_before`) and note the
        rest as fetched. Returns how many rows were dropped."""
        gone = self.ids(scope, lo, hi) - seen
        split = min(max(seal_before, lo), hi)
        with write_transaction(self._db):
            self._db.executemany("DELETE FROM recordings WHERE id = ?", [(i,) for i in gone])
            if split > lo:
                self._replace_coverage(scope.key, lo, split, sealed=True, at_us=at_us)
            if hi > split:
                self._replace_coverage(scope.key, split, hi, sealed=False, at_us=at_us)
        return len(gone)

    def unseal(self, scopes: Iterable[Scope], lo: int, hi: int) -> None:
        """The server has more there than the index: that span is no longer proven."""
        with write_transaction(self._db):
            for scope in scopes:
                self._cut(scope.key, lo, hi)

    def _replace_coverage(self, key: str, lo: int, hi: int, *, sealed: bool, at_us: int) -> None:
        self._cut(key, lo, hi, only_fresh=sealed is False)
        if sealed:
            # Merge with the sealed spans it touches, so the table stays small.
            rows = self._db.execute(
                "SELECT rowid, lo, hi FROM coverage WHERE scope = ? AND sealed = 1 "
                "AND hi >= ? AND lo <= ?",
                (key, lo, hi),
            ).fetchall()
            for rowid, a, b in rows:
                lo, hi = min(lo, a), max(hi, b)
                self._db.execute("DELETE FROM coverage WHERE rowid = ?", (rowid,))
            self._cut(key, lo, hi, only_fresh=True)
        self._db.execute(
            "INSERT INTO coverage VALUES (?, ?, ?, ?, ?)", (key, lo, hi, int(sealed), at_us)
        )

    def _cut(self, key: str, lo: int, hi: int, *, only_fresh: bool = False) -> None:
        """Remove [lo, hi) from the scope's coverage rows (all of them, or the fresh ones)."""
        extra = " AND sealed = 0" if only_fresh else ""
        rows = self._db.execute(
            "SELECT rowid, lo, hi, sealed, at_us FROM coverage "
            f"WHERE scope = ? AND hi > ? AND lo < ?{extra}",
            (key, lo, hi),
        ).fetchall()
        for rowid, a, b, is_sealed, at in rows:
            self._db.execute("DELETE FROM coverage WHERE rowid = ?", (rowid,))
            for part_lo, part_hi in intervals.subtract(a, b, [(lo, hi)]):
                self._db.execute(
                    "INSERT INTO coverage VALUES (?, ?, ?, ?, ?)",
                    (key, part_lo, part_hi, is_sealed, at),
                )

    # -- validation times ----------------------------------------------------------------------

    def mark_validated(self, scope: Scope, at: datetime) -> None:
        with write_transaction(self._db):
            self._db.execute(
                "INSERT INTO validated VALUES (?, ?) ON CONFLICT(scope) DO UPDATE "
                "SET at_us = max(at_us, excluded.at_us)",
                (scope.key, to_us(at)),
            )

    def validated_at(self, scopes: Iterable[Scope]) -> datetime | None:
        keys = [s.key for s in scopes]
        marks = ",".join("?" * len(keys))
        row = self._db.execute(
            f"SELECT max(at_us) FROM validated WHERE scope IN ({marks})", keys
        ).fetchone()
        return None if row[0] is None else from_us(int(row[0]))


def days_sql(now: datetime) -> tuple[str, list[Any]]:
    """SQL for days stored as of `now`, counted as pricing.storage_days counts them."""
    return "max(1, (? - add_us) / ? + 1)", [to_us(now), DAY_US]


def cost_sql(now: datetime) -> tuple[str, list[Any]]:
    """SQL for the monthly storage cost as of `now` (pricing.expected_monthly_amount)."""
    days, params = days_sql(now)
    return (
        f"(CASE WHEN {days} > {FREE_DAYS} THEN rate * coalesce(rounded_s, 0) / 60.0 ELSE 0 END)",
        params,
    )
