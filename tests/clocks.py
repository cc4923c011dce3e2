"""Time a test steps instead of waiting for: a limiter, a client's stall timer or the emulator's
rate window can run on it, and then a wait of n seconds takes none."""

from __future__ import annotations

import asyncio

from rectui.plivo.ratelimit import RateLimiter


class SteppedClock:
    """Time that moves only when a test moves it (`now`) or something waits on it (`sleep`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def stepped_limiter(*args: float) -> RateLimiter:
    """Plivo's limiter (300 / 5 s unless given), on a clock of its own: after a 429 cut it lets
    the next request go at once instead of five real seconds later."""
    clock = SteppedClock()
    return RateLimiter(*args, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
