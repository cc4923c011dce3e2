"""Failures a test can schedule: error answers, dropped connections, truncated media and held
requests.

Each fault matches requests by path (a recording id matches its GET, DELETE and media requests)
and optionally by method, and is used up after `times` matches (None: until cleared). A hold
matches the same way and keeps matching requests waiting at a gate until the test opens it, so a
test that needs the server "midway" stops it there instead of racing it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .waiting import wait_until

PathMatch = str | Callable[[str], bool] | None
"""A substring of the request path, a predicate on the path, or None for every request."""

FaultKind = Literal["fail", "drop", "truncate"]


class DropConnection(Exception):
    """Raised inside the app to make the emulator close the connection without completing the
    response."""


def request_matches(match: PathMatch, want_method: str | None, method: str, path: str) -> bool:
    """Whether a request is one a fault or hold (`match`, `want_method`) is meant for."""
    if want_method is not None and want_method.upper() != method.upper():
        return False
    if match is None:
        return True
    if isinstance(match, str):
        return match in path
    return bool(match(path))


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    match: PathMatch
    method: str | None = None
    remaining: int | None = 1
    status: int = 500
    error: str = "internal server error"
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    keep_bytes: int | None = None
    """For truncated media: bytes sent before the connection is closed (None: half)."""

    def matches(self, method: str, path: str) -> bool:
        return request_matches(self.match, self.method, method, path)


class FaultPlan:
    """The scheduled faults, consumed in the order they were added, and the holds. Thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._holds: list[Hold] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        with self._lock:
            self._faults.append(fault)

    def take(self, kinds: tuple[FaultKind, ...], method: str, path: str) -> Fault | None:
        """The first pending fault of one of `kinds` for this request, used up once."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def add_hold(self, hold: Hold) -> None:
        with self._lock:
            self._holds.append(hold)

    async def pass_holds(self, method: str, path: str) -> None:
        """Wait at every hold that matches this request, in the order they were added."""
        with self._lock:
            holds = [hold for hold in self._holds if hold.matches(method, path)]
        for hold in holds:
            await hold.pass_through()

    def clear(self) -> None:
        """Drop every fault, and open and drop every hold (nothing stays stuck in the server)."""
        with self._lock:
            self._faults.clear()
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()


class Hold:
    """A gate for the requests that match it, after the first `after` of them pass.

    Held requests wait inside the server (before any fault, the API or the log) until `release()`;
    from then on every matching request passes. The emulator's event loop runs on another thread
    than the test, so the gate is crossed with `call_soon_threadsafe`, and the waits below are
    bounded and say what never happened.
    """

    def __init__(self, match: PathMatch, method: str | None, after: int):
        if after < 0:
            raise ValueError("after must be 0 or more")
        self.match = match
        self.method = method
        self._pass_first = after
        self.seen = 0
        """Matching requests that reached the gate, passed or held."""
        self.held = 0
        """Requests waiting at the gate now."""
        self._open = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._changed = threading.Condition()

    def matches(self, method: str, path: str) -> bool:
        return request_matches(self.match, self.method, method, path)

    async def pass_through(self) -> None:
        """Called by the server for a matching request: return at once or when released."""
        loop = asyncio.get_running_loop()
        with self._changed:
            self.seen += 1
            if self._open or self.seen <= self._pass_first:
                self._changed.notify_all()
                return
            gate: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, gate))
            self.held += 1
            self._changed.notify_all()
        try:
            await gate
        finally:
            with self._changed:
                self.held -= 1
                self._changed.notify_all()

    def release(self, count: int | None = None) -> None:
        """Let every held request go on and every later one pass; or, with `count`, let only
        that many of the held ones go on (the oldest first) and keep the gate shut."""
        with self._changed:
            if count is None:
                self._open = True
                waiters, self._waiters = self._waiters, []
            else:
                waiters, self._waiters = self._waiters[:count], self._waiters[count:]
        for loop, gate in waiters:
            loop.call_soon_threadsafe(_resolve, gate)

    def wait_held(self, count: int = 1, timeout: float = 30.0) -> None:
        """Block until at least `count` requests wait at the gate."""
        wait_until(
            self._changed,
            lambda: self.held >= count,
            lambda: (
                f"the emulator never held {count} request(s) (matching seen: {self.seen}, "
                f"held: {self.held})"
            ),
            timeout,
        )

    async def until_held(self, count: int = 1, timeout: float = 30.0) -> None:
        """`wait_held` for a test running an event loop the requests come from (an app test):
        the loop keeps running while the wait blocks a worker thread."""
        await asyncio.to_thread(self.wait_held, count, timeout)


def _resolve(gate: asyncio.Future[None]) -> None:
    if not gate.done():
        gate.set_result(None)
