"""The recording table's sort, as the header shows it: which column, which way, and the next one
for the sort key. The order itself belongs to the listing (a `SortedListing` in memory, an
`IndexedListing` in SQL, the server's newest first); this only reads it and says what to ask
for next (rectui/ui/triage.py loads every row first when the sort needs them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...listing import DESCENDING_FIRST, SERVER_ORDER, ListingLike
from .table_layout import COLUMNS, SORT_ARROWS

SortOrder = tuple[str, bool]
"""(column, descending)."""


def sort_order_of(listing: ListingLike | None) -> SortOrder:
    """How `listing` is ordered: its own `sort_order`, else the server's (newest first)."""
    order = getattr(listing, "sort_order", None)
    return order if order is not None else SERVER_ORDER


def first_direction(column: str) -> bool:
    """Descending for amounts and times (largest first), ascending for text."""
    return column in DESCENDING_FIRST


def clicked(current: SortOrder, column: str) -> SortOrder:
    """A click on a header: that column, or the other way if it is already the sort."""
    if current[0] == column:
        return column, not current[1]
    return column, first_direction(column)


def next_column(current: SortOrder, shown: Sequence[str]) -> SortOrder:
    """The sort key: the next shown column (after the last, the first again)."""
    if not shown:
        return current
    position = shown.index(current[0]) + 1 if current[0] in shown else 0
    column = shown[position % len(shown)]
    return column, first_direction(column)


def label(order: SortOrder) -> str:
    """`Who ▲`: for notes and the task panel."""
    column, descending = order
    return f"{COLUMNS[column].header} {SORT_ARROWS[descending]}"


@dataclass(frozen=True, slots=True)
class SortLoading:
    """Every row of the filter is being loaded so that the table can be sorted."""

    order: SortOrder
    done: int
    total: int

    def status(self) -> str:
        done = f"{self.done:,}/{self.total:,}"
        return f"sort by {label(self.order)}: loading rows {done} · esc cancels"
