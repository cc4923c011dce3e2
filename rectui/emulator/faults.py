"""Failures a test can schedule: error answers, dropped connections and truncated media.

Each fault matches requests by path (a recording id matches its GET, DELETE and media requests)
and optionally by method, and is used up after `times` matches (None: until cleared).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

PathMatch = str | Callable[[str], bool] | None
"""A substring of the request path, a predicate on the path, or None for every request."""

FaultKind = Literal["fail", "drop", "truncate"]


class DropConnection(Exception):
    """Raised inside the app to make the emulator close the connection without completing the
    response."""


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
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.match is None:
            return True
        if isinstance(self.match, str):
            return self.match in path
        return bool(self.match(path))


class FaultPlan:
    """The scheduled faults, consumed in the order they were added. Thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
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

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
