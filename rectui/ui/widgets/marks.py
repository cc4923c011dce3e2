"""The table's marks: recordings by id, in marking order, and a range mark in progress (`v`).

Pure state (no Textual): the table (rectui/ui/widgets/recording_table.py) asks it what is marked
and tells it what the user did; the recordings themselves are kept, so the marks survive their
page leaving the listing's cache, or the listing being replaced (a new filter keeps the marks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rectui.listing import Row
from rectui.plivo.models import Recording

Span = tuple[int, int]
"""Rows [start, stop)."""


@dataclass(slots=True)
class RangeMark:
    """A range mark in progress: rows from `anchor` to the cursor are marked."""

    anchor: int
    base: dict[str, Recording]
    """The marks from before `v`: the range is added to them, and esc goes back to them."""

    def span(self, cursor: int, total: int) -> Span:
        low, high = sorted((self.anchor, cursor))
        return low, min(high + 1, total)


@dataclass(slots=True)
class MarkSet:
    _marked: dict[str, Recording] = field(default_factory=dict)
    range: RangeMark | None = None
    """The range mark in progress, if any."""
    pending: Span | None = None
    """The rows of a range ended (v or space) while they were still loading: marked on arrival."""

    def __len__(self) -> int:
        return len(self._marked)

    def __contains__(self, recording_id: object) -> bool:
        return recording_id in self._marked

    @property
    def ids(self) -> set[str]:
        """A copy."""
        return set(self._marked)

    @property
    def recordings(self) -> list[Recording]:
        """In marking order."""
        return list(self._marked.values())

    def toggle(self, recording: Recording) -> None:
        if self._marked.pop(recording.recording_id, None) is None:
            self._marked[recording.recording_id] = recording

    def add(self, recordings: Iterable[Recording]) -> int:
        """Mark these (kept in marking order); returns how many were newly marked."""
        added = 0
        for recording in recordings:
            if recording.recording_id not in self._marked:
                self._marked[recording.recording_id] = recording
                added += 1
        return added

    def discard(self, recording_id: str) -> bool:
        """Forget a (deleted) recording, also from the marks a range would go back to."""
        if self.range is not None:
            self.range.base.pop(recording_id, None)
        return self._marked.pop(recording_id, None) is not None

    def clear(self) -> None:
        self.range = None
        self._marked.clear()

    # -- range marking ------------------------------------------------------------------------

    def start_range(self, anchor: int) -> None:
        self.range = RangeMark(anchor, dict(self._marked))
        self.pending = None

    def apply_range(self, rows: Callable[[int], Row | None], cursor: int, total: int) -> bool:
        """The marks become those from before the range plus the loaded recordings from the
        anchor to `cursor`; True if some rows of the span are not loaded yet."""
        assert self.range is not None
        start, stop = self.range.span(cursor, total)
        marked = dict(self.range.base)
        missing = collect(rows, start, stop, marked)
        self._marked = marked
        return missing

    def end_range(self, cursor: int, total: int, *, still_loading: bool) -> None:
        """Keep the range's marks; rows of it still loading are marked when they arrive."""
        if self.range is None:
            return
        span = self.range.span(cursor, total)
        self.range = None
        if still_loading:
            self.pending = span

    def cancel_range(self) -> bool:
        """Back to the marks from before `v`; False if no range was in progress."""
        if self.range is None:
            return False
        self._marked = self.range.base
        self.range = None
        self.pending = None
        return True


def collect(
    rows: Callable[[int], Row | None], start: int, stop: int, into: dict[str, Recording]
) -> bool:
    """Add the loaded recordings in [start, stop) to `into`; True if some are not loaded."""
    missing = False
    for index in range(start, stop):
        row = rows(index)
        if isinstance(row, Recording):
            into.setdefault(row.recording_id, row)
        elif row is None:
            missing = True
    return missing
