"""A sliding-window limiter shared by every request an account makes."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from .rules import RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS


class RateLimiter:
    """Allows at most `requests` acquisitions in any `period` seconds.

    A sliding log rather than a token bucket: Plivo counts requests in a window, and a bucket
    that refills continuously can burst past a server that counts that way. `slack` widens the
    window a little, because the server counts arrivals and latency jitter can bunch them up.
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
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.requests:
                    self._sent.append(now)
                    return
                await asyncio.sleep(self.period - (now - self._sent[0]))


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
