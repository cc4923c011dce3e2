"""A sliding-window limiter shared by every request an account makes."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from .rules import RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS


class Slot:
    """One request's place in the window, timed from when it was sent until its answer came."""

    __slots__ = ("at", "settled")

    def __init__(self, at: float):
        self.at = at
        self.settled = False


class RateLimiter:
    """Allows at most `requests` acquisitions in any `period` seconds.

    A sliding log rather than a token bucket: Plivo counts requests in a window, and a bucket
    that refills continuously can burst past a server that counts that way.

    The server counts a request when it arrives, which can be well after we sent it (new
    connections, GC pauses, load: 190 ms was measured here). So each entry is moved to the moment
    its response arrived, a time the server has certainly counted it by; `slack` covers the rest.
    """

    def __init__(
        self,
        requests: int = RATE_LIMIT_REQUESTS,
        period: float = RATE_LIMIT_PERIOD_S,
        *,
        slack: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ):
        if requests < 1 or period <= 0:
            raise ValueError("rate limit needs at least one request per positive period")
        self.requests = requests
        self.period = period + slack
        self._clock = clock
        self._sent: deque[Slot] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> Slot:
        """Wait for room, then take it; the returned slot is handed back to `settle`."""
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0].at >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.requests:
                    slot = Slot(now)
                    self._sent.append(slot)
                    return slot
                # Settled entries can sit out of order; waiting on the oldest is conservative.
                await asyncio.sleep(max(0.001, self.period - (now - self._sent[0].at)))

    def settle(self, slot: Slot) -> None:
        """The response (or failure) for this slot's request has arrived; later calls (a
        streamed body finishing) change nothing."""
        if not slot.settled:
            slot.at = max(slot.at, self._clock())
            slot.settled = True

    @asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """Hold a slot for the duration of one request."""
        slot = await self.acquire()
        try:
            yield
        finally:
            self.settle(slot)


def parse_rate(text: str) -> tuple[int, float]:
    """Parse `300/5` (requests per seconds)."""
    try:
        count, _, seconds = text.partition("/")
        requests, period = int(count), float(seconds or 1)
    except ValueError:
        raise ValueError(f"rate limit {text!r}: use N/SECONDS, e.g. 300/5") from None
    if requests < 1 or period <= 0:
        raise ValueError(f"rate limit {text!r}: both numbers must be positive")
    return requests, period
