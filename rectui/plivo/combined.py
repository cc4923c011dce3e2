"""add_time and storage duration in one filter, which the API refuses in one request (a 400).

`--since 400d --storage-gt 90` means "added in the last 400 days and stored more than 90 days".
Days stored follow from add_time (`pricing.storage_days`), so one half can stand in for the
other. The add_time half is sent, narrowed to the span the storage bounds allow (a day wider on
each side, for a server whose clock or day count differs a little from ours), and each row is
kept only if its days stored, as the server reports them, meet the bounds. When nothing gives a
lower time bound (`--to-time X --storage-gt 90`), the add_time half would search only the 7 days
before X, so the storage half is sent instead (it searches all time) and each row's add_time is
checked against the time bounds.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from .filters import STORAGE_FIELDS, TIME_FIELDS, RecordingFilter
from .models import Recording
from .recording_cost import recording_cost
from .rules import format_filter_time

DAY = timedelta(days=1)
MARGIN = DAY
"""How much wider than the storage bounds the add_time span is sent."""


@dataclass(frozen=True, slots=True)
class SplitFilter:
    """What to send for a filter, and whether each row still needs checking against it."""

    server: RecordingFilter
    """The filter sent: the whole filter, or one half of a combined one."""
    wanted: RecordingFilter
    """The filter the rows must match."""
    now: datetime

    @property
    def checks_rows(self) -> bool:
        return self.server != self.wanted

    def keeps(self, rec: Recording) -> bool:
        params = self.wanted.to_params()
        lower, upper = self.wanted.time_bounds()
        at = rec.add_time
        if lower is not None and (at <= lower if "add_time__gt" in params else at < lower):
            return False
        if upper is not None and (at > upper if "add_time__lte" in params else at >= upper):
            return False
        at_least, at_most = self.wanted.storage_days()
        days = recording_cost(rec, self.now).days  # the server's count where it sent one
        return (at_least is None or days >= at_least) and (at_most is None or days <= at_most)

    async def matching(self, rows: AsyncIterable[Recording]) -> AsyncIterator[Recording]:
        """The rows that match the whole filter (all of them unless the filter was split)."""
        async for rec in rows:
            if not self.checks_rows or self.keeps(rec):
                yield rec


def split_filter(flt: RecordingFilter, now: datetime) -> SplitFilter:
    """The request for a valid filter; one with both add_time and storage duration is split."""
    if not (flt.has_time_filter and flt.has_storage_filter):
        return SplitFilter(flt, flt, now)
    at_least, at_most = flt.storage_days()
    time_half = flt.with_values(**dict.fromkeys(STORAGE_FIELDS))
    lower, upper = time_half.time_bounds()
    # Stored at least N days: added at most N - 1 days ago; at most M days: less than M ago.
    implied_upper = None if at_least is None or at_least <= 1 else now - (at_least - 1) * DAY
    implied_lower = None if at_most is None else now - max(at_most, 0) * DAY
    if lower is None and implied_lower is None:
        return SplitFilter(flt.with_values(**dict.fromkeys(TIME_FIELDS)), flt, now)
    changes: dict[str, str | None] = {}
    if implied_lower is not None and (lower is None or implied_lower - MARGIN > lower):
        lower = implied_lower - MARGIN
        changes |= {"add_time__gt": None, "add_time__gte": format_filter_time(lower)}
    if implied_upper is not None and (upper is None or implied_upper + MARGIN < upper):
        upper = implied_upper + MARGIN
        changes |= {"add_time__lte": None, "add_time__lt": format_filter_time(upper)}
    assert lower is not None
    if lower > (upper or now):  # nothing can match: still one (empty) query, never an error
        changes |= {"add_time__lte": None, "add_time__lt": format_filter_time(lower)}
    return SplitFilter(time_half.with_values(**changes), flt, now)
