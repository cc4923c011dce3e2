"""A sliding-window limiter shared by every request an account makes, that learns the limit the
server really applies.

Plivo allows 300 requests per 5 s per account, but an enterprise account may have another
figure, and every tool using the account (a second rectui, a script, the console) spends the
same budget. So the configured figure is a ceiling (`requests`), and what is let through is
`allowed`, learned from the answers, like TCP's congestion window:

- a 429 cuts `allowed` to a little less (SHARE) than what the server accepted from us over
  the last period, which is our share of the account's budget right now (and by SHARE at
  least); once per round: a 429 for a request sent before the last cut is old news and cuts
  nothing;
- each accepted answer adds CREEP × `requests` / `allowed`, so a period's worth of accepted
  answers adds CREEP of the ceiling: the limiter creeps back up when the account's budget frees,
  and finds the edge again (one more 429) if it did not;
- a refused request keeps its place in the window, though the server may not have counted it:
  that is what spaces the retries when every request is refused (one a period at `allowed` 1);
- a request keeps its place for as long as it is in flight, however long that is: the server
  may count it at any moment until its answer comes.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

from .rules import RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS

SHARE = 0.9
"""After a 429, let through this much of what the server accepted from us in the last period."""
CREEP = 0.02
"""A period's worth of accepted answers raises the allowance by this much of the ceiling."""


class Slot:
    """One request's place in the window: from when it was let go until a period after its
    answer came."""

    __slots__ = ("accepted", "at", "number", "settled")

    def __init__(self, at: float, number: int):
        self.at = at
        self.number = number
        """Slots are numbered in the order they were handed out."""
        self.settled = False
        self.accepted = False


class RateLimiter:
    """Allows at most `allowed` (≤ `requests`) acquisitions in any `period` seconds.

    A sliding log rather than a token bucket: Plivo counts requests in a window, and a bucket
    that refills continuously can burst past a server that counts that way.

    The server counts a request when it arrives, which can be well after we sent it (new
    connections, GC pauses, load: 190 ms was measured here, and more than a period once, under a
    full test run). So an entry leaves the window only a period after its response arrived, a time
    the server has certainly counted it by; `slack` is a margin for timers and clocks.
    """

    def __init__(
        self,
        requests: int = RATE_LIMIT_REQUESTS,
        period: float = RATE_LIMIT_PERIOD_S,
        *,
        slack: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        if requests < 1 or period <= 0:
            raise ValueError("rate limit needs at least one request per positive period")
        self.requests = requests
        """The ceiling: what the account is documented (or configured) to allow."""
        self.period = period + slack
        self.allowed = float(requests)
        """What the server has been found to take from us; see the module docstring."""
        self.cuts = 0
        """How many times a 429 lowered `allowed`."""
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        """Requests sent and not answered yet: each holds its place, however long it takes."""
        self._answered: deque[Slot] = deque()
        """Answered requests of the last period, in the order (so the time) they were answered."""
        self._issued = 0
        self._last_before_cut = 0
        """The number of the last slot handed out before the last cut."""
        self._lock = asyncio.Lock()
        self._settled = asyncio.Event()
        """Set by each answer: what a window full of requests in flight waits for."""

    @property
    def limit(self) -> int:
        """Requests let through per period right now."""
        return max(1, int(self.allowed))

    async def acquire(self) -> Slot:
        """Wait for room, then take it; the returned slot is handed back to `settle`."""
        async with self._lock:
            while True:
                now = self._clock()
                self._expire(now)
                if self._in_flight + len(self._answered) < self.limit:
                    self._issued += 1
                    self._in_flight += 1
                    return Slot(now, self._issued)
                if self._answered:
                    await self._sleep(max(0.001, self.period - (now - self._answered[0].at)))
                else:  # every request in the window is still in flight: wait for an answer
                    self._settled.clear()
                    await self._settled.wait()

    def settle(self, slot: Slot, status: int | None = None) -> None:
        """The response (or failure) for this slot's request has arrived, with its HTTP status
        (None: no answer); later calls (a streamed body finishing) change nothing."""
        if slot.settled:
            return
        now = self._clock()
        slot.at = max(slot.at, now)
        slot.settled = True
        self._in_flight -= 1
        self._answered.append(slot)
        self._settled.set()
        if status == 429:
            self._rejected(slot, now)
        elif status is not None and status < 500:
            slot.accepted = True
            self.allowed = min(
                float(self.requests), self.allowed + CREEP * self.requests / self.allowed
            )

    def _rejected(self, slot: Slot, now: float) -> None:
        if slot.number <= self._last_before_cut:
            return  # sent before the last cut: the cut already answered this round
        self._expire(now)
        accepted = sum(1 for s in self._answered if s.accepted)
        self.allowed = max(1.0, SHARE * min(self.allowed, accepted))
        self._last_before_cut = self._issued
        self.cuts += 1

    def _expire(self, now: float) -> None:
        while self._answered and now - self._answered[0].at >= self.period:
            self._answered.popleft()


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
