"""Streaming media downloads into the cache: progress, resume with Range, length checks.

A download is written to `<final>.part` and renamed only once every announced byte arrived, so a
file that looks whole is whole. An interrupted download keeps its `.part`; the next attempt asks
for `Range: bytes=N-` and appends on 206, or starts over on 200 (a server that ignores ranges).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..file_lock import lock_exclusive
from ..plivo.auth import Credentials
from ..plivo.client import PlivoClient
from ..plivo.errors import NetworkError, NotFoundError, PlivoError
from ..plivo.models import Recording
from .cache import MediaCache, safe_format
from .errors import (
    DownloadBusyError,
    DownloadIncompleteError,
    MediaUnavailableError,
    OriginalNotAvailableError,
)
from .save import save_to

ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes done, total bytes or None when the server did not say)."""

CredentialsSource = Callable[[Recording], Credentials | None] | Mapping[str, Credentials]
"""Who to authenticate as for a recording's media: a callable, or a mapping from auth id
(`MA…`/`SA…`, as found in the recording's URL or resource_uri) to credentials."""

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def media_url(recording: Recording, *, original: bool = False) -> str:
    """The URL to fetch; the original (pre-denoise) variant adds `type=original` to the query,
    replacing any `type` already there and keeping every other parameter."""
    url = recording.recording_url
    if not url:
        raise MediaUnavailableError("this recording has no media URL")
    if not original:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "type"]
    query.append(("type", "original"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def media_format(recording: Recording) -> str:
    """`mp3`/`wav` from the API, else the URL's extension; only used to name the cache file."""
    if recording.recording_format:
        return safe_format(recording.recording_format)
    if recording.recording_url:
        suffix = PurePosixPath(urlsplit(recording.recording_url).path).suffix.lstrip(".")
        if suffix:
            return safe_format(suffix)
    return "mp3"


def resolve_credentials(
    source: CredentialsSource | None, recording: Recording
) -> Credentials | None:
    if source is None:
        return None
    if callable(source):
        return source(recording)
    account = recording.owner_auth_id
    return source.get(account) if account else None


def _parse_content_range(value: str | None) -> tuple[int, int | None] | None:
    """(first byte, complete length or None) from `bytes 100-199/200`."""
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), total


def _lock(handle: BinaryIO, part: Path) -> None:
    if not lock_exclusive(handle.fileno()):
        raise DownloadBusyError(
            f"{part.name} is being downloaded by another rectui; try again when it finishes"
        )


class _RestartFromZero(Exception):
    """The server cannot continue the partial file; drop it and fetch the whole body."""


async def download_file(
    client: PlivoClient,
    url: str,
    part: Path,
    *,
    credentials: Credentials | None = None,
    progress: ProgressCallback | None = None,
) -> int:
    """Stream `url` into `part`, resuming from its current size. Returns the byte count.

    Raises DownloadIncompleteError (partial kept) when fewer or more bytes arrive than the
    server announced, and the client's errors (AuthenticationError, NotFoundError, ...) as is.
    """
    fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o600)
    empty = False
    try:
        with os.fdopen(fd, "r+b") as handle:
            # Off the loop: taking the lock may wait (file_lock.LOCK_WAIT_S).
            await asyncio.to_thread(_lock, handle, part)
            try:
                for _attempt in range(2):
                    try:
                        return await _transfer(client, url, handle, credentials, progress)
                    except _RestartFromZero:
                        handle.seek(0)
                        handle.truncate()
                raise DownloadIncompleteError(
                    "the server keeps answering ranges it was not asked for", done=0, total=None
                )
            except BaseException:
                empty = handle.seek(0, os.SEEK_END) == 0
                raise
    finally:
        if empty:  # a failure before any byte arrived (e.g. 404): leave no stray .part
            with contextlib.suppress(OSError):
                part.unlink()


async def _transfer(
    client: PlivoClient,
    url: str,
    handle: BinaryIO,
    credentials: Credentials | None,
    progress: ProgressCallback | None,
) -> int:
    offset = handle.seek(0, os.SEEK_END)
    # identity: byte ranges and Content-Length must describe the bytes that land on disk.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    done = offset
    total: int | None = None
    try:
        async with client.stream_media(url, headers=headers, credentials=credentials) as response:
            length_header = response.headers.get("Content-Length")
            length = int(length_header) if length_header and length_header.isdigit() else None
            if response.status_code == 206:
                content_range = _parse_content_range(response.headers.get("Content-Range"))
                if content_range is None or content_range[0] != offset:
                    raise _RestartFromZero
                total = content_range[1]
                if total is None and length is not None:
                    total = offset + length
            else:  # 200 (range ignored, or none asked): the body is the whole file
                if offset:
                    handle.seek(0)
                    handle.truncate()
                done = offset = 0
                total = length
            encoded = response.headers.get("Content-Encoding", "identity").lower()
            if encoded not in ("identity", ""):
                # A compressed body cannot be resumed by byte offset; decoded bytes are kept
                # whole or not at all, and the length check is on what came over the wire.
                total = None
            if progress:
                progress(done, total)
            # No chunk_size: httpx would hold back up to a chunk it has already received, and
            # those bytes would be lost from the .part if the connection then breaks.
            async for chunk in response.aiter_bytes():
                handle.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except PlivoError as exc:
        if exc.status == 416 and offset:  # our partial is at/after the end: start over
            raise _RestartFromZero from None
        if isinstance(exc, NetworkError) and done > offset:
            handle.flush()
            raise DownloadIncompleteError(
                f"download interrupted after {done:,} of "
                f"{f'{total:,}' if total is not None else '?'} bytes ({exc}); "
                "try again to resume",
                done=done,
                total=total,
            ) from None
        raise
    handle.flush()
    # The rename that follows must not expose unwritten data; off the loop, an fsync takes ms.
    await asyncio.to_thread(os.fsync, handle.fileno())
    if total is not None and done != total:
        raise DownloadIncompleteError(
            f"download incomplete: got {done:,} bytes, the server announced {total:,}; "
            "try again to resume",
            done=done,
            total=total,
        )
    return done


class MediaStore:
    """Fetches recordings into the cache and hands out local paths.

    `credentials_for` picks the credentials for a recording (a subaccount's recordings need the
    subaccount's auth id and token); without an answer the client's own credentials are used.
    PlivoClient.stream_media decides whether they may be sent to the URL's host at all.
    """

    def __init__(
        self,
        client: PlivoClient,
        cache: MediaCache,
        *,
        credentials_for: CredentialsSource | None = None,
    ):
        self.client = client
        self.cache = cache
        self.credentials_for = credentials_for
        self._locks: dict[Path, asyncio.Lock] = {}

    def path_for(self, recording: Recording, *, original: bool = False) -> Path:
        return self.cache.path_for(
            recording.recording_id, media_format(recording), original=original
        )

    def cached(self, recording: Recording, *, original: bool = False) -> Path | None:
        """The cached file if it is complete, else None. Marks it as used."""
        return self.cache.lookup(recording.recording_id, media_format(recording), original=original)

    async def fetch(
        self,
        recording: Recording,
        *,
        original: bool = False,
        progress: ProgressCallback | None = None,
    ) -> Path:
        """The local path of the media, downloading (or resuming) it first if needed."""
        final = self.path_for(recording, original=original)
        # One download per file: a second request for the same file waits and then finds it.
        lock = self._locks.setdefault(final, asyncio.Lock())
        async with lock:
            if final.is_file():
                self.cache.touch(final)
                if progress:
                    size = final.stat().st_size
                    progress(size, size)
                return final
            url = media_url(recording, original=original)
            part = self.cache.part_path(final)
            self.cache.pin(part)
            try:
                await download_file(
                    self.client,
                    url,
                    part,
                    credentials=resolve_credentials(self.credentials_for, recording),
                    progress=progress,
                )
            except NotFoundError:
                if original:
                    raise OriginalNotAvailableError() from None
                raise MediaUnavailableError(
                    "the server has no media for this recording (HTTP 404); "
                    "it may have been deleted"
                ) from None
            finally:
                self.cache.unpin(part)
            return self.cache.commit(part, final)

    def save_to(
        self, dest_dir: Path | str, recording: Recording, *, original: bool = False
    ) -> Path:
        """Copy the cached file to `dest_dir` under a readable name (see save.readable_name).
        Blocking file copy: call from a worker thread for big files."""
        source = self.cached(recording, original=original)
        if source is None:
            raise MediaUnavailableError("the recording has not been downloaded yet")
        return save_to(dest_dir, recording, source, original=original)

    async def save(
        self,
        recording: Recording,
        dest_dir: Path | str,
        *,
        original: bool = False,
        progress: ProgressCallback | None = None,
    ) -> Path:
        """Download if needed, then copy to `dest_dir`; returns the saved path."""
        source = await self.fetch(recording, original=original, progress=progress)
        self.cache.pin(source)
        try:
            return await asyncio.to_thread(save_to, dest_dir, recording, source, original=original)
        finally:
            self.cache.unpin(source)
