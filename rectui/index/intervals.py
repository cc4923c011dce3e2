"""Half-open [lo, hi) intervals of add_time in epoch microseconds, kept as sorted disjoint lists."""

from __future__ import annotations

Interval = tuple[int, int]


def union(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint and merged (touching intervals become one)."""
    merged: list[Interval] = []
    for lo, hi in sorted(i for i in intervals if i[0] < i[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def intersect(intervals: list[Interval], lo: int, hi: int) -> list[Interval]:
    """The parts of `intervals` inside [lo, hi)."""
    return [(max(a, lo), min(b, hi)) for a, b in union(intervals) if a < hi and b > lo]


def subtract(lo: int, hi: int, intervals: list[Interval]) -> list[Interval]:
    """[lo, hi) minus `intervals`."""
    gaps: list[Interval] = []
    cursor = lo
    for a, b in intersect(intervals, lo, hi):
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < hi:
        gaps.append((cursor, hi))
    return gaps
