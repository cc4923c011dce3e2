"""How many page requests a listing keeps in flight: found by probing the server, not fixed.

Plivo documents no concurrency cap, only 300 requests per 5 s per account (the client's limiter
enforces that). A fixed number is wrong both ways: too few leaves a latency-bound listing waiting
on round trips, too many piles onto a server that is already struggling. So, like TCP's
congestion window:

- start with `initial` requests in flight (the listing asks for every window's first page at
  once);
- while answers come back about as fast as the fastest one seen (within SLOW_FACTOR) and none is
  a 429, a 5xx or missing, add one per answer: the window doubles every round trip;
- an answer much slower than the fastest ends the doubling; from then on the window grows by one
  per round trip of fast answers, and not at all while answers stay slow;
- a 429, a 5xx or no answer (dropped connection, timeout) halves the window, once per round trip
  of failures: an attempt sent before the last halving does not halve it again;
- never above `maximum` (the listing bounds that by its configuration and by how many requests
  the rate limiter admits in one period) and never below one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..plivo.client import DEFAULT_MAX_CONCURRENCY, Attempt

DEFAULT_INITIAL = 8
SLOW_FACTOR = 2.0
"""An answer this many times slower than the fastest seen means the server (or the path to it)
is queueing: stop growing."""


def is_trouble(status: int | None) -> bool:
    """A 429, a 5xx, or no answer at all (None): the server wants fewer requests."""
    return status is None or status == 429 or status >= 500


class AdaptiveConcurrency:
    """The in-flight window of one listing's page requests."""

    def __init__(self, maximum: int = DEFAULT_MAX_CONCURRENCY, initial: int = DEFAULT_INITIAL):
        if maximum < 1 or initial < 1:
            raise ValueError("concurrency must be at least 1")
        self.maximum = maximum
        self._window = float(min(initial, maximum))
        self.in_flight = 0
        self.peak = 0
        """The most requests that were ever in flight at once."""
        self.fastest: float | None = None
        """The quickest answer seen, in seconds: the round trip of an unloaded server."""
        self.doubling = True
        """Still doubling per round trip: no slow answer and no failure seen yet."""
        self.shrinks = 0
        self._last_shrink = float("-inf")
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """Requests allowed in flight right now."""
        return max(1, int(self._window))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a place in the window for one request (its retries included)."""
        while self.in_flight >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # handed a place it will not use: pass it on
                raise
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            self.in_flight -= 1
            self._wake()

    def observe(self, attempt: Attempt) -> None:
        """One HTTP attempt of a request in the window ended."""
        if is_trouble(attempt.status):
            self.doubling = False
            if attempt.sent >= self._last_shrink:
                self._last_shrink = attempt.answered
                self.shrinks += 1
                self._window = max(1.0, self._window / 2)
            return
        seconds = attempt.seconds
        if self.fastest is None or seconds < self.fastest:
            self.fastest = seconds
        if seconds > self.fastest * SLOW_FACTOR:
            self.doubling = False
            return
        step = 1.0 if self.doubling else 1.0 / self._window
        self._window = min(float(self.maximum), self._window + step)
        self._wake()

    def _wake(self) -> None:
        """Let as many waiting requests go as the window has room for."""
        room = self.limit - self.in_flight
        while room > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                room -= 1
