"""One rectui at a time on a file (the archive manifest, a download's partial file): an
exclusive flock, taken without blocking for long."""

from __future__ import annotations

import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, as before
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT_S = 2.0
"""How long taking the lock waits before calling the file in use. A process this one starts
(ffmpeg, from any thread) holds a copy of every descriptor from its fork until it execs, and
with it the lock of a file closed meanwhile: reopening right after a close (a resumed run, a
retried download) finds the lock taken for a moment, by no other rectui."""


def lock_exclusive(fd: int) -> bool:
    """Lock the open file `fd` for this process; False if another keeps it for LOCK_WAIT_S.
    Closing the file releases the lock. It may block that long: call it from a thread."""
    if fcntl is None:  # pragma: no cover
        return True
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
