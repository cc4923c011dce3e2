"""Serving a media file: byte ranges, HEAD, streaming, and deliberate truncation."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.types import Receive, Scope, Send

from .faults import DropConnection

CHUNK_SIZE = 256 * 1024
_RANGE_RE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class UnsatisfiableRange(ValueError):
    """The Range header asks for bytes the file does not have, or makes no sense: 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range (first, last inclusive) a Range header asks for.

    None means "send the whole file": no header, a unit other than bytes, or several ranges
    (a server may answer those with the full file, and players never ask for them).
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    match = _RANGE_RE.match(spec)
    if not match or match.groups() == ("", ""):
        raise UnsatisfiableRange(f"malformed range {header!r}")
    first_text, last_text = match.groups()
    if first_text == "":
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange("empty suffix range")
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = size - 1 if last_text == "" else min(int(last_text), size - 1)
    if first >= size or first > last:
        raise UnsatisfiableRange(f"range {header!r} is outside 0-{size - 1}")
    return first, last


class FileSliceResponse:
    """An ASGI response streaming bytes [first, first + length) of a file.

    The file is read in chunks, so an hour of audio never sits in memory and a slow client only
    holds back its own connection. With `cut_after` set, only that many bytes are sent before
    the connection is closed, though Content-Length promised `length`.
    """

    def __init__(
        self,
        path: Path,
        *,
        first: int,
        length: int,
        status: int,
        headers: dict[str, str],
        send_body: bool = True,
        cut_after: int | None = None,
    ):
        self.path = path
        self.first = first
        self.length = length
        self.status = status
        self.headers = {**headers, "content-length": str(length)}
        self.send_body = send_body
        self.cut_after = cut_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(k.encode(), v.encode()) for k, v in self.headers.items()],
            }
        )
        if not self.send_body:
            await send({"type": "http.response.body", "body": b""})
            return
        budget = self.length if self.cut_after is None else min(self.cut_after, self.length)
        with self.path.open("rb") as file:
            file.seek(self.first)
            while budget > 0:
                # Local, page-cached reads of this size take microseconds: no thread needed.
                chunk = file.read(min(CHUNK_SIZE, budget))
                if not chunk:
                    break
                budget -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if self.cut_after is not None:
            raise DropConnection
        await send({"type": "http.response.body", "body": b""})
