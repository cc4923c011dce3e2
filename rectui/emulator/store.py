"""The emulator's recordings, indexed for the queries the Recording API answers.

Rows are kept newest first (add_time descending, then recording_id), once for the whole account
tree and once per owner. A time window is found by bisection, so a page with only time filters
costs O(log n + page); any other filter scans just the rows inside the window.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from typing import Any

from ..plivo import pricing
from ..plivo.filters import STORAGE_FIELDS, RecordingFilter
from ..plivo.rules import parse_filter_time
from .data import TIMELESS_US, StoredRecording, datetime_to_us, sort_key

Predicate = Callable[[StoredRecording], bool]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """add_time bounds in epoch microseconds, each inclusive or not."""

    lower_us: int
    lower_inclusive: bool
    upper_us: int
    upper_inclusive: bool

    @classmethod
    def for_filter(cls, flt: RecordingFilter, now: datetime) -> TimeWindow:
        """The window Plivo searches for a (valid) filter.

        Missing bounds come from `RecordingFilter.search_span`, the one place that knows the
        default window; given bounds keep their own strictness (__gt vs __gte).
        """
        params = flt.to_params()
        default_lower, default_upper = flt.search_span(now)
        if "add_time__gte" in params:
            lower, lower_inclusive = parse_filter_time(params["add_time__gte"]), True
        elif "add_time__gt" in params:
            lower, lower_inclusive = parse_filter_time(params["add_time__gt"]), False
        else:
            lower, lower_inclusive = default_lower, True
        if "add_time__lt" in params:
            upper, upper_inclusive = parse_filter_time(params["add_time__lt"]), False
        elif "add_time__lte" in params:
            upper, upper_inclusive = parse_filter_time(params["add_time__lte"]), True
        else:
            upper, upper_inclusive = default_upper, True
        return cls(datetime_to_us(lower), lower_inclusive, datetime_to_us(upper), upper_inclusive)


def _negated_add_time(rec: StoredRecording) -> int:
    # Rows are sorted by add_time descending, i.e. by this key ascending: what bisect needs.
    return -rec.add_us


def _without_plus(number: str | None) -> str | None:
    return number[1:] if number and number.startswith("+") else number


def _field_is(name: str, wanted: str | None, normal: Callable[[Any], Any]) -> Predicate:
    return lambda rec: normal(getattr(rec, name)) == wanted


def filter_predicate(flt: RecordingFilter, now: datetime) -> Predicate | None:
    """A test for every non-time filter, or None when there is nothing beyond the window.

    Numbers match with or without the leading "+"; everything else matches exactly.
    """
    params = flt.to_params()
    tests: list[Predicate] = []
    for name in ("call_uuid", "conference_name", "conference_uuid", "mpc_name", "mpc_uuid"):
        if name in params:
            wanted = params[name]
            tests.append(_field_is(name, wanted, lambda value: value))
    for name in ("from_number", "to_number"):
        if name in params:
            wanted_number = _without_plus(params[name])
            tests.append(_field_is(name, wanted_number, _without_plus))
    storage_bounds = [(name, int(params[name])) for name in STORAGE_FIELDS if name in params]
    if storage_bounds:

        def storage_ok(rec: StoredRecording) -> bool:
            if not rec.has_time:
                return False  # no add_time, no storage duration to compare
            days = pricing.storage_days(rec.add_time, now)
            for name, limit in storage_bounds:
                op = name.rpartition("__")[2] if "__" in name else "eq"
                if not _compare(days, op, limit):
                    return False
            return True

        tests.append(storage_ok)
    if not tests:
        return None
    return lambda rec: all(test(rec) for test in tests)


def _compare(value: int, op: str, limit: int) -> bool:
    if op == "gt":
        return value > limit
    if op == "gte":
        return value >= limit
    if op == "lt":
        return value < limit
    if op == "lte":
        return value <= limit
    return value == limit


class RecordingStore:
    """All recordings, with deletion and a reset to the initial set. Thread-safe."""

    def __init__(self, records: Iterable[StoredRecording]):
        self._lock = threading.RLock()
        self._initial = sorted(records, key=sort_key)
        self._all: list[StoredRecording] = []
        self._by_owner: dict[str, list[StoredRecording]] = {}
        self._by_id: dict[str, StoredRecording] = {}
        self.reset()

    def reset(self) -> None:
        """Bring back every deleted recording."""
        with self._lock:
            self._all = list(self._initial)
            by_owner: dict[str, list[StoredRecording]] = {}
            for rec in self._all:
                by_owner.setdefault(rec.owner, []).append(rec)
            self._by_owner = by_owner
            self._by_id = {rec.recording_id: rec for rec in self._all}

    def __len__(self) -> int:
        return len(self._all)

    def get(self, recording_id: str) -> StoredRecording | None:
        return self._by_id.get(recording_id)

    def snapshot(self, owner: str | None = None) -> list[StoredRecording]:
        """The current rows, newest first: all of them, or one owner's."""
        with self._lock:
            return list(self._all if owner is None else self._by_owner.get(owner, []))

    def add(self, rec: StoredRecording) -> None:
        """A recording made after the start (as calls keep ending on a live account); it stays
        until `reset()`."""
        with self._lock:
            if rec.recording_id in self._by_id:
                raise ValueError(f"recording {rec.recording_id} exists")
            self._by_id[rec.recording_id] = rec
            for rows in (self._all, self._by_owner.setdefault(rec.owner, [])):
                insort(rows, rec, key=sort_key)

    def delete(self, recording_id: str) -> bool:
        with self._lock:
            rec = self._by_id.pop(recording_id, None)
            if rec is None:
                return False
            for rows in (self._all, self._by_owner[rec.owner]):
                if rec.has_time:
                    del rows[bisect_left(rows, sort_key(rec), key=sort_key)]
                else:
                    rows.remove(rec)  # timeless rows share a sort key; there are few of them
            return True

    def page(
        self,
        *,
        owner: str | None,
        window: TimeWindow,
        predicate: Predicate | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[StoredRecording]]:
        """(total_count, rows[offset:offset + limit]) of the matching rows, newest first.

        `owner=None` searches every recording (the main account's view). Rows without a time
        (only from data files) follow the window's rows in every window.
        """
        with self._lock:
            rows = self._all if owner is None else self._by_owner.get(owner, [])
            upper, lower = -window.upper_us, -window.lower_us
            upper_bisect = bisect_left if window.upper_inclusive else bisect_right
            lower_bisect = bisect_right if window.lower_inclusive else bisect_left
            timeless = bisect_left(rows, -TIMELESS_US, key=_negated_add_time)
            start = min(upper_bisect(rows, upper, key=_negated_add_time), timeless)
            stop = min(max(start, lower_bisect(rows, lower, key=_negated_add_time)), timeless)
            if predicate is None:
                in_window = stop - start
                found = rows[start + offset : start + min(in_window, offset + limit)]
                after = timeless + max(0, offset - in_window)
                found += rows[after : min(len(rows), after + limit - len(found))]
                return in_window + len(rows) - timeless, found
            candidates = chain(islice(rows, start, stop), islice(rows, timeless, None))
            found = []
            total = 0
            for rec in candidates:
                if predicate(rec):
                    if offset <= total < offset + limit:
                        found.append(rec)
                    total += 1
            return total, found
