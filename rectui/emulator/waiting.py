"""One bounded wait on a condition, for the emulator's test-facing waits (held requests, the
request log, requests in flight)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_until(
    changed: threading.Condition,
    done: Callable[[], bool],
    failure: Callable[[], str],
    timeout: float,
) -> None:
    """Block until `done()` holds, re-checking whenever `changed` is notified; past `timeout`
    seconds (a bound for a loaded machine, not a guess at how long it takes) fail with
    `failure()`, which names what never happened. Holds `changed` while checking."""
    deadline = time.monotonic() + timeout
    with changed:
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(failure())
            changed.wait(left)
