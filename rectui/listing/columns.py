"""The recording table's columns as data the core knows: their names (what `columns = [...]` in
the configuration lists), the default set, and how each one orders recordings.

The widget (rectui/ui/widgets/table_layout.py) decides how a column looks; this module decides
what it means, so that the configuration can be checked and a listing sorted by any column
without importing the UI.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from ..plivo.models import Recording
from ..plivo.pricing import storage_days
from ..plivo.recording_cost import recording_cost

COLUMN_NAMES: Final = (
    "added", "type", "who", "duration", "format", "days", "money",
    "from", "to", "name", "id", "owner",
)  # fmt: skip
"""Every column, in the order the palette lists them."""

DEFAULT_COLUMNS: Final = ("added", "type", "who", "duration", "format", "days", "money")
"""What the table shows when the configuration does not say (From, To and the conference name
are in Who; the id and owner are in the detail pane)."""

DESCENDING_FIRST: Final = frozenset({"added", "duration", "days", "money"})
"""Columns whose first sort is largest first (newest, longest, stored longest, costliest);
text columns sort A to Z first."""

SERVER_ORDER: Final = ("added", True)
"""What the server's order is, as a sort: newest first."""


def who_text(recording: Recording) -> str | None:
    """Who talked, in one value: the conference or multiparty call's name for those, else the
    numbers, From → To."""
    name = recording.meeting_name
    if name:
        return name
    ends = [n for n in (recording.from_number, recording.to_number) if n]
    return " → ".join(ends) if ends else None


def _text(value: str | None) -> str | None:
    return value.casefold() if value else None


def column_value(name: str, now: datetime) -> Callable[[Recording], Any]:
    """What `name` sorts recordings by (None for a missing value: it sorts last either way)."""
    if name == "added":
        return lambda rec: rec.add_time
    if name == "duration":
        return lambda rec: rec.duration_s
    if name == "days":
        return lambda rec: (
            rec.recording_storage_duration
            if rec.recording_storage_duration is not None
            else storage_days(rec.add_time, now)
        )
    if name == "money":

        def by_cost(rec: Recording) -> Any:
            cost = recording_cost(rec, now)
            return (cost.monthly_amount or Decimal(0), cost.billable_minutes or Decimal(0))

        return by_cost
    if name == "who":
        return lambda rec: _text(who_text(rec))
    if name == "owner":
        return lambda rec: rec.owner_auth_id
    fields = {
        "type": "recording_type",
        "format": "recording_format",
        "from": "from_number",
        "to": "to_number",
        "id": "recording_id",
    }
    if name == "name":
        return lambda rec: _text(rec.meeting_name)
    if name in fields:
        attr = fields[name]
        return lambda rec: _text(getattr(rec, attr))
    raise ValueError(f"unknown column {name!r}; columns: {', '.join(COLUMN_NAMES)}")


def sorted_by(
    rows: list[Recording], name: str, *, descending: bool, now: datetime
) -> list[Recording]:
    """`rows` ordered by column `name`; rows without a value last, ties in the given order."""
    value = column_value(name, now)
    keyed = [(value(rec), rec) for rec in rows]
    present = [pair for pair in keyed if pair[0] is not None]
    # `reverse` keeps the sort stable: ties stay in the server's order either way.
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [rec for _, rec in present] + [rec for v, rec in keyed if v is None]


INDEX_COLUMNS: Final = {"money": "cost"}
"""Columns the local index calls by another name (rectui/index/query.py's SORTS)."""


def index_sort(column: str) -> str:
    return INDEX_COLUMNS.get(column, column)


def column_of_index_sort(sort: str) -> str:
    return {v: k for k, v in INDEX_COLUMNS.items()}.get(sort, sort)
