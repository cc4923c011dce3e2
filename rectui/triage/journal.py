"""The archive manifest, which is also the journal that makes archive-then-delete resumable.

One JSON object per line, appended and fsynced before the step it announces is taken:

    archived     the media is on disk, complete and verified (path, sha256, size)
    delete_sent  the DELETE is about to go out (after a crash its fate is unknown)
    deleted      the server answered 204, or 404 for a DELETE already sent: gone
                 (or, after an interrupted run, the next run found it gone: 404)
    failed       archiving or deleting failed (reason); nothing was deleted unless an
                 earlier line of the same recording says delete_sent

Every line carries everything known about its recording (`recording`: the server's object as
sent, `path` relative to the manifest's directory, `sha256`, `size`), so the last line of an id
is its whole state and a person can read the file with grep or jq. A torn last line (a crash in
the middle of a write) is skipped on reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..file_lock import lock_exclusive
from ..server_text import safe_json

MANIFEST_NAME = "manifest.jsonl"

ARCHIVED = "archived"
DELETE_SENT = "delete_sent"
DELETED = "deleted"
FAILED = "failed"
STATUSES = frozenset({ARCHIVED, DELETE_SENT, DELETED, FAILED})

_ARCHIVE_KEYS = ("recording", "path", "sha256", "size", "content_length", "decoded_s")


class JournalError(Exception):
    """The manifest cannot be used (locked by another run, unwritable)."""


@dataclass(frozen=True, slots=True)
class Entry:
    recording_id: str
    status: str
    data: Mapping[str, Any]

    @property
    def sha256(self) -> str | None:
        return self.data.get("sha256")

    @property
    def size(self) -> int | None:
        return self.data.get("size")

    @property
    def path(self) -> str | None:
        return self.data.get("path")

    @property
    def recording(self) -> dict[str, Any] | None:
        value = self.data.get("recording")
        return value if isinstance(value, dict) else None

    @property
    def has_archive(self) -> bool:
        return bool(self.sha256 and self.path and self.size is not None)


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, Entry] = {}
        self.skipped_lines = 0
        """Lines that were not valid entries (a torn last line after a crash)."""
        self._fd: int | None = None
        self._lock = threading.Lock()
        """Guards the descriptor and the lines: writes are whole and in order."""
        self._sync_lock = threading.Lock()
        """Held while one fsync runs (taken before `_lock` wherever both are)."""
        self._written = 0
        self._synced = 0

    @classmethod
    def open(cls, path: Path) -> Journal:
        journal = cls(path)
        journal._open()
        return journal

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise JournalError(f"cannot open {self.path}: {exc.strerror}") from None
        if not lock_exclusive(fd):  # one rectui at a time appends to a manifest
            os.close(fd)
            raise JournalError(f"{self.path} is in use by another rectui; wait for it to finish")
        self._fd = fd
        if not existed:
            fsync_dir(self.path.parent)
        self._load()

    def _load(self) -> None:
        assert self._fd is not None
        with open(self.path, "rb") as handle:
            data = handle.read()
        for line in data.splitlines():
            try:
                obj = json.loads(line)
                rid, status = obj["recording_id"], obj["status"]
                if not isinstance(rid, str) or status not in STATUSES:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                self.skipped_lines += bool(line.strip())
                continue
            self.entries[rid] = Entry(rid, status, obj)
        if data and not data.endswith(b"\n"):
            # A torn line from a crash: end it so the next entry starts on a line of its own.
            os.write(self._fd, b"\n")
            os.fsync(self._fd)

    def close(self) -> None:
        # Under both locks: an append abandoned by a cancelled task may still be running in its
        # thread, and must not write to a descriptor number the OS has handed out again.
        with self._sync_lock, self._lock:
            if self._fd is not None:
                os.close(self._fd)  # closing releases the flock
                self._fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def state(self, recording_id: str) -> Entry | None:
        return self.entries.get(recording_id)

    def with_status(self, status: str) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.status == status]

    def build(self, recording_id: str, status: str, **data: Any) -> dict[str, Any]:
        """The line to write: the archive facts already known for this recording carried
        forward (unless `data` replaces them), so each line stands on its own."""
        previous = self.entries.get(recording_id)
        line: dict[str, Any] = {
            "recording_id": recording_id,
            "status": status,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        if previous is not None:
            line.update({k: previous.data[k] for k in _ARCHIVE_KEYS if k in previous.data})
        line.update(data)  # an archive key given as None drops it (the archive is invalid)
        return {k: v for k, v in line.items() if v is not None}

    def append_sync(self, recording_id: str, status: str, **data: Any) -> Entry:
        if status not in STATUSES:
            raise ValueError(f"unknown journal status {status!r}")
        line = self.build(recording_id, status, **data)
        # safe_json: a lone surrogate or a control character in a server field stays escaped.
        encoded = safe_json(line, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            if self._fd is None:
                raise JournalError(f"{self.path} is closed")
            # O_APPEND and the lock keep lines whole; loop in case of a short write.
            view = memoryview(encoded)
            while view:
                view = view[os.write(self._fd, view) :]
            self._written += 1
            mine = self._written
        self._sync_through(mine)
        entry = Entry(recording_id, status, line)
        self.entries[recording_id] = entry
        return entry

    def _sync_through(self, line: int) -> None:
        """Group commit: one fsync makes every line written before it durable, so appends
        that wait while another's fsync runs share the next one instead of queueing one each
        (an fsync costs milliseconds; a bulk run appends three lines per recording)."""
        with self._sync_lock:
            if self._synced >= line:
                return
            with self._lock:
                if self._fd is None:
                    raise JournalError(f"{self.path} is closed")
                fd, through = self._fd, self._written
            os.fsync(fd)
            self._synced = through

    async def append(self, recording_id: str, status: str, **data: Any) -> Entry:
        """Append and fsync off the event loop (a slow disk must not freeze the UI); returns
        once the line is durable."""
        return await asyncio.to_thread(self.append_sync, recording_id, status, **data)
