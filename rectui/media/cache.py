"""The on-disk media cache: safe file names, least-recently-used eviction under a size cap.

Recording ids come from a server and are never trusted as file names: a name is a sanitised,
shortened prefix (for people looking at the directory) plus a sha256 of the id (for uniqueness),
and every path is checked to resolve inside the cache directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from .errors import MediaError

DEFAULT_MAX_BYTES = 2 * 1024**3
PART_SUFFIX = ".part"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
# Only files named by path_for() (and their .part files) are ever counted or evicted, so
# pointing the cache at a directory holding other files cannot delete them.
_OURS = re.compile(r"^[A-Za-z0-9_-]*-[0-9a-f]{32}(\.original)?\.[a-z0-9]{1,8}(\.part)?$")


def default_cache_dir() -> Path:
    """`<user cache dir>/rectui/media`; a subdirectory so other caches can live beside it."""
    return Path(platformdirs.user_cache_dir("rectui")) / "media"


def safe_stem(text: str, limit: int = 40) -> str:
    """Letters, digits, `-` and `_` only: no separators, dots, NULs or control characters."""
    return _UNSAFE.sub("_", text).strip("_")[:limit]


_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def id_stem(recording_id: str) -> str:
    """A file-name stem that is the id itself when it is a plain name, else a sanitised prefix
    plus a hash of the id: two ids never share a stem (`a/b` and `a_b` would after sanitising)."""
    if _PLAIN_ID.match(recording_id):
        return recording_id
    digest = hashlib.sha256(recording_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{safe_stem(recording_id)}-{digest}"


def safe_format(fmt: str | None) -> str:
    cleaned = re.sub(r"[^a-z0-9]", "", (fmt or "").lower())[:8]
    return cleaned or "media"


class MediaCache:
    """A directory of downloaded media, keyed by recording id, format and variant.

    Thread-safe: downloads run on the event loop while the player pins files from its threads.
    Recency is the file's mtime, set on every use (atime is unreliable under relatime/noatime).
    """

    def __init__(self, directory: Path | str | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._root = self.directory.resolve()
        self._max_bytes = max(0, int(max_bytes))
        self._lock = threading.Lock()
        self._pins: Counter[Path] = Counter()

    # -- naming ---------------------------------------------------------------------------------

    def path_for(self, recording_id: str, fmt: str | None, *, original: bool = False) -> Path:
        """The final cache path for one variant of one recording; always inside the cache."""
        digest = hashlib.sha256(recording_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        variant = ".original" if original else ""
        name = f"{safe_stem(recording_id)}-{digest}{variant}.{safe_format(fmt)}"
        path = self.directory / name
        if path.resolve().parent != self._root:  # belt and braces: the name has no separators
            raise MediaError(f"refusing a cache path outside {self.directory}")
        return path

    @staticmethod
    def part_path(final: Path) -> Path:
        return final.with_name(final.name + PART_SUFFIX)

    # -- use --------------------------------------------------------------------------------------

    def lookup(self, recording_id: str, fmt: str | None, *, original: bool = False) -> Path | None:
        """The cached file if complete (a `.part` never counts), marked as just used."""
        path = self.path_for(recording_id, fmt, original=original)
        if not path.is_file():
            return None
        self.touch(path)
        return path

    def touch(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            os.utime(path)

    def pin(self, path: Path) -> None:
        """Protect a file from eviction while it is downloading or playing (counted)."""
        with self._lock:
            self._pins[self._key(path)] += 1
        self.touch(path)

    def unpin(self, path: Path) -> None:
        with self._lock:
            key = self._key(path)
            if self._pins[key] > 1:
                self._pins[key] -= 1
            else:
                self._pins.pop(key, None)

    def commit(self, part: Path, final: Path) -> Path:
        """Promote a complete download: rename (atomic on one filesystem), then enforce the cap
        without ever evicting the file just written."""
        os.replace(part, final)
        self.touch(final)
        self.evict(protect=[final])
        return final

    # -- size ------------------------------------------------------------------------------------

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        self._max_bytes = max(0, int(value))
        self.evict()

    def entries(self) -> list[tuple[Path, int, float]]:
        """(path, size, mtime) of every cache file, oldest use first."""
        found: list[tuple[Path, int, float]] = []
        try:
            scan = list(os.scandir(self.directory))
        except OSError:
            return []
        for entry in scan:
            if not _OURS.match(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found.append((Path(entry.path), st.st_size, st.st_mtime))
        found.sort(key=lambda item: item[2])
        return found

    def usage(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def evict(self, protect: Iterable[Path] = ()) -> list[Path]:
        """Delete least-recently-used files until the total is within the cap. Pinned and
        protected files stay even if they alone exceed it."""
        keep = {self._key(p) for p in protect}
        removed: list[Path] = []
        with self._lock:
            keep |= set(self._pins)
            entries = self.entries()
            total = sum(size for _, size, _ in entries)
            for path, size, _ in entries:
                if total <= self._max_bytes:
                    break
                if self._key(path) in keep:
                    continue
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError:
                    continue
                total -= size
                removed.append(path)
        return removed

    def clear(self) -> list[Path]:
        """Delete every unpinned cache file."""
        saved, self._max_bytes = self._max_bytes, 0
        try:
            return self.evict()
        finally:
            self._max_bytes = saved

    def _key(self, path: Path) -> Path:
        return Path(os.path.abspath(path))
