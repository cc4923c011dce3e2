"""The server side of Plivo's rate limit: a sliding count of requests per account."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RequestCounter:
    """Sliding-window admission per account: Plivo rejects excess requests, it does not queue.

    Rejected requests are not counted, so a client that backs off recovers after one period.
    """

    def __init__(self, requests: int, period: float, clock: Callable[[], float] = time.monotonic):
        if requests < 1 or period <= 0:
            raise ValueError("a rate limit needs at least one request per positive period")
        self.requests = requests
        self.period = period
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, account: str) -> bool:
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(account, deque())
            while seen and now - seen[0] >= self.period:
                seen.popleft()
            if len(seen) >= self.requests:
                return False
            seen.append(now)
            return True
