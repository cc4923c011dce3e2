"""The emulator's record of every request it answered, and a bounded wait on it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple, overload

from .faults import PathMatch, request_matches
from .waiting import wait_until

REQUEST_LOG_LIMIT = 100_000
"""The log keeps at most this many entries (the oldest half goes), so a long demo stays small."""


class LoggedRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    status: int | None
    """The status sent; None when the connection was dropped before any response."""


class RequestLog:
    """Every request in the order its answer started, readable as a sequence.

    An entry is appended when the response starts (or the connection is dropped), before the
    client can see a byte: a client that has its answer always finds the request here. Only a
    request the client gave up on (a cancelled job's in-flight ones) can reach the log after the
    client moved on; `wait_logged` waits for those.
    """

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._changed = threading.Condition()

    def append(self, entry: LoggedRequest) -> None:
        with self._changed:
            self._entries.append(entry)
            if len(self._entries) > REQUEST_LOG_LIMIT:
                del self._entries[: REQUEST_LOG_LIMIT // 2]
            self._changed.notify_all()

    def clear(self) -> None:
        with self._changed:
            self._entries.clear()

    def wait_logged(
        self,
        count: int,
        *,
        method: str | None = None,
        match: PathMatch = None,
        where: Callable[[LoggedRequest], bool] | None = None,
        timeout: float = 30.0,
    ) -> list[LoggedRequest]:
        """The entries matching `method` and `match` (as a fault matches) and `where` (anything
        else, such as the query), once at least `count` of them are logged.

        `timeout` is a bound for a loaded machine, not a guess at how long it takes; past it
        this fails naming what never arrived.
        """

        def wanted(e: LoggedRequest) -> bool:
            return request_matches(match, method, e.method, e.path) and (where is None or where(e))

        def found() -> list[LoggedRequest]:
            return [e for e in self._entries if wanted(e)]

        def failure() -> str:
            what = " ".join(str(part) for part in (method, match) if part is not None)
            return f"the emulator logged {len(found())} of {count} {what or 'requests'}"

        wait_until(self._changed, lambda: len(found()) >= count, failure, timeout)
        with self._changed:
            return found()

    async def until_logged(
        self,
        count: int,
        *,
        method: str | None = None,
        match: PathMatch = None,
        where: Callable[[LoggedRequest], bool] | None = None,
        timeout: float = 30.0,
    ) -> list[LoggedRequest]:
        """`wait_logged` for a test whose event loop sends the requests (an app or client test):
        the loop keeps running while a worker thread waits."""
        return await asyncio.to_thread(
            self.wait_logged, count, method=method, match=match, where=where, timeout=timeout
        )

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        with self._changed:
            return iter(list(self._entries))

    @overload
    def __getitem__(self, index: int) -> LoggedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[LoggedRequest]: ...
    def __getitem__(self, index: int | slice) -> LoggedRequest | list[LoggedRequest]:
        with self._changed:
            return self._entries[index]
