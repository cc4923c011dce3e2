"""Questions the API cannot answer, asked of the index: local filters and any sort, in SQL.

A `LocalQuery` is a server filter (its scope and add_time span, a storage-duration filter turned
into a days-stored range) plus a `LocalFilter`; `ids()` returns the matching recording ids in
the asked order, across the whole filter, without loading the objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..plivo.filters import RecordingFilter
from . import intervals
from .scope import Scope
from .store import IndexStore, cost_sql, days_sql, from_us, to_us

_NAME = "coalesce(nullif(nullif(conference_name, 'noname'), ''), nullif(mpc_name, ''))"
SORTS: dict[str, str] = {
    "added": "add_us",
    "duration": "duration_ms",
    "cost": "",  # depends on now: see _order
    "days": "",
    "type": "type",
    "format": "format",
    "from": "from_number",
    "to": "to_number",
    "id": "id",
    "owner": "owner",
    "name": _NAME,
    # The table's Who: the conference or MPC name, else the numbers (rectui/listing/columns.py).
    "who": f"lower(coalesce({_NAME}, from_number, to_number))",
}
"""Sortable columns: name → SQL expression."""

_SEARCHED = (
    "id", "from_number", "to_number", "call_uuid", "conference_name", "conference_uuid",
    "mpc_name", "mpc_uuid", "owner",
)  # fmt: skip
ALL_TIME = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LocalFilter:
    """Filters the API lacks. Ranges are inclusive; None means unbounded."""

    min_duration_s: float | None = None
    max_duration_s: float | None = None
    formats: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    min_cost: Decimal | None = None
    """Monthly storage cost in dollars, as of now."""
    max_cost: Decimal | None = None
    min_days: int | None = None
    """Days stored, as of now."""
    max_days: int | None = None
    text: str | None = None
    """A substring of any number, name or id (case does not matter)."""

    @property
    def is_empty(self) -> bool:
        return self == LocalFilter()


@dataclass(frozen=True, slots=True)
class LocalQuery:
    scope: Scope
    lower: datetime
    upper: datetime
    local: LocalFilter = field(default_factory=LocalFilter)
    sort: str = "added"
    descending: bool = True

    @classmethod
    def for_filter(
        cls,
        flt: RecordingFilter,
        now: datetime,
        local: LocalFilter | None = None,
        *,
        sort: str = "added",
        descending: bool = True,
    ) -> LocalQuery:
        """The query that answers a (valid) server filter from the index, narrowed by `local`.

        A storage-duration filter searches all time on the server; here it becomes a
        days-stored range (complete only where the index holds that far back).
        """
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; sorts: {', '.join(SORTS)}")
        local = local or LocalFilter()
        params = flt.to_params()
        if flt.has_storage_filter:
            local = _with_storage_days(local, flt)
        if flt.has_storage_filter and not flt.has_time_filter:
            # Stored at most N days: added after now - (N + 1) days; else since ever.
            days = local.max_days
            lower = ALL_TIME if days is None else now - timedelta(days=days + 1)
            upper = now
        else:
            lower, upper = flt.search_span(now)
            # The local span is [lower, upper); the server's __gt and __lte move a bound by one
            # microsecond, the smallest step of add_time.
            if "add_time__gt" in params:
                lower += timedelta(microseconds=1)
            if "add_time__lte" in params:
                upper += timedelta(microseconds=1)
        return cls(Scope.of(flt), lower, upper, local, sort, descending)

    def ids(self, store: IndexStore, now: datetime) -> list[str]:
        where, params = self._where(now)
        order, order_params = self._order(now)
        return store.select_ids(where, [*params, *order_params], order)

    def unsynced(self, store: IndexStore) -> list[tuple[datetime, datetime]]:
        """The parts of the span the index does not hold completely; empty means every answer
        is complete as of `store.validated_at(scope.covering())`. The time since that
        validation is not a gap: it is what "as of" means."""
        scopes = self.scope.covering()
        lo, hi = to_us(self.lower), to_us(self.upper)
        gaps = intervals.subtract(lo, hi, store.coverage(scopes).spans)
        as_of = store.validated_at(scopes)
        if gaps and as_of is not None and gaps[-1][1] == hi and gaps[-1][0] >= to_us(as_of):
            gaps.pop()
        return [(from_us(a), from_us(b)) for a, b in gaps]

    # -- SQL -----------------------------------------------------------------------------------

    def _where(self, now: datetime) -> tuple[str, list[Any]]:
        scope_sql, scope_params = self.scope.where()
        clauses = ["add_us >= ?", "add_us < ?", scope_sql]
        params: list[Any] = [to_us(self.lower), to_us(self.upper), *scope_params]
        f = self.local

        def bound(expr: str, op: str, value: Any, extra: list[Any] | None = None) -> None:
            if value is not None:
                clauses.append(f"{expr} {op} ?")
                params.extend([*(extra or []), value])

        bound("duration_ms", ">=", None if f.min_duration_s is None else f.min_duration_s * 1000)
        bound("duration_ms", "<=", None if f.max_duration_s is None else f.max_duration_s * 1000)
        cost, cost_params = cost_sql(now)
        bound(cost, ">=", None if f.min_cost is None else float(f.min_cost), cost_params)
        bound(cost, "<=", None if f.max_cost is None else float(f.max_cost), cost_params)
        days, days_params = days_sql(now)
        bound(days, ">=", f.min_days, days_params)
        bound(days, "<=", f.max_days, days_params)
        for column, wanted in (("format", f.formats), ("type", f.types)):
            if wanted:
                clauses.append(f"lower({column}) IN ({','.join('?' * len(wanted))})")
                params.extend(w.lower() for w in wanted)
        if f.text:
            clauses.append("(" + " OR ".join(f"instr(lower({c}), ?) > 0" for c in _SEARCHED) + ")")
            params.extend([f.text.lower()] * len(_SEARCHED))
        return " AND ".join(clauses), params

    def _order(self, now: datetime) -> tuple[str, list[Any]]:
        params: list[Any] = []
        if self.sort == "cost":
            expr, params = cost_sql(now)
        elif self.sort == "days":
            expr, params = days_sql(now)
        else:
            expr = SORTS[self.sort]
        direction = "DESC" if self.descending else "ASC"
        # Ties keep the server's order (newest first), so a sort is stable across calls.
        return f"{expr} {direction} NULLS LAST, add_us DESC, id", params


def _with_storage_days(local: LocalFilter, flt: RecordingFilter) -> LocalFilter:
    lo, hi = flt.storage_days()
    if local.min_days is not None:
        lo = local.min_days if lo is None else max(lo, local.min_days)
    if local.max_days is not None:
        hi = local.max_days if hi is None else min(hi, local.max_days)
    return replace(local, min_days=lo, max_days=hi)


__all__ = ["ALL_TIME", "SORTS", "LocalFilter", "LocalQuery"]
