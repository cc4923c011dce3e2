"""The table's loading bookkeeping: which rows are being fetched, which failed, and which listing
(generation) a result belongs to. Pure state (no Textual), kept apart from the widget that starts
the fetches, as Toolong keeps its reader apart from its log view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from rectui.listing import Row

H = TypeVar("H")
"""Whatever stands for one fetch in flight (the table's workers)."""

Span = tuple[int, int]
"""Rows [start, stop)."""

OPENING: Span = (-1, -1)
"""The span of the fetch that opens the listing (its first page of every window)."""


class RowLoads(Generic[H]):
    def __init__(self) -> None:
        self.generation = 0
        """Bumped for each new listing; results of fetches from an older one are dropped."""
        self._inflight: dict[H, Span] = {}
        self._failed: list[Span] = []
        """Spans whose fetch failed: not retried until `retry()`, so that scrolling over a dead
        server does not fire a request (and an error) for every frame."""
        self.open_error: Exception | None = None
        self._reported = False

    def new_listing(self) -> None:
        self.generation += 1
        self._inflight.clear()
        self._failed.clear()
        self.open_error = None
        self._reported = False

    def retry(self) -> None:
        """Failed rows may be asked for again, and their failure reported again."""
        self._failed.clear()
        self._reported = False

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    # -- fetches in flight ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._inflight)

    def track(self, handle: H, span: Span) -> None:
        self._inflight[handle] = span

    def untrack(self, handle: H) -> None:
        self._inflight.pop(handle, None)

    def forget_inflight(self) -> None:
        self._inflight.clear()

    def stale(self, low: int, high: int) -> list[H]:
        """Forget (and return, to cancel) the row fetches wholly outside [low, high)."""
        found = [
            handle
            for handle, (start, stop) in self._inflight.items()
            if start >= 0 and (stop <= low or start >= high)  # start < 0: the open
        ]
        for handle in found:
            del self._inflight[handle]
        return found

    # -- what to fetch --------------------------------------------------------------------------

    def fail(self, span: Span) -> None:
        self._failed.append(span)

    def failed_at(self, index: int) -> bool:
        return any(a <= index < b for a, b in self._failed)

    def missing_runs(self, rows: Callable[[int], Row | None], start: int, stop: int) -> list[Span]:
        """Runs of rows in [start, stop) neither loaded, nor being loaded, nor failed.

        Exact rows, not rounded to pages: the listing maps them onto its own pages (which are
        aligned per 30-day window, not globally), so the fewest pages are asked for."""
        runs: list[Span] = []
        spans = [*self._inflight.values(), *self._failed]
        run_start: int | None = None
        for index in range(start, stop):
            needed = rows(index) is None and not any(a <= index < b for a, b in spans)
            if needed and run_start is None:
                run_start = index
            elif not needed and run_start is not None:
                runs.append((run_start, index))
                run_start = None
        if run_start is not None:
            runs.append((run_start, stop))
        return runs

    def first_report(self) -> bool:
        """True once per burst of failures (one notification, not one per concurrent page)."""
        first = not self._reported
        self._reported = True
        return first
