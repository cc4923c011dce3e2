"""Finding rows in the recording table, as in less, k9s or lazygit: `f` opens a prompt on the
table's last line, each key moves the cursor to the first loaded row that matches (substring,
case ignored, over the id, the numbers, the names and the uuids), Enter keeps the search for
`n` / `N`, Esc goes back to where the search started.

It searches the rows already loaded (the server cannot search); the sidebar's filters (`/`) are
what the server is asked for. Pure state and functions: the widget feeds it keys and rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...listing import Row
from ...plivo.models import Recording


def searched_text(recording: Recording) -> str:
    """Everything a search looks in, case folded, one field per line (so no match spans two)."""
    fields = (
        recording.recording_id,
        recording.from_number,
        recording.to_number,
        recording.conference_name,
        recording.mpc_name,
        recording.call_uuid,
        recording.conference_uuid,
        recording.mpc_uuid,
        recording.owner_auth_id,
    )
    return "\n".join(f for f in fields if f).casefold()


def matches(row: Row | None, query: str) -> bool:
    return bool(query) and isinstance(row, Recording) and query.casefold() in searched_text(row)


@dataclass(slots=True)
class TableSearch:
    query: str = ""
    typing: bool = False
    """The prompt is open: keys go into the query."""
    origin: int = 0
    """The cursor when the prompt opened (Esc goes back there)."""
    count: int = 0
    """Loaded rows that match."""
    ordinal: int = 0
    """Which of them the cursor is on (1-based; 0: not on a match)."""

    @property
    def active(self) -> bool:
        """The table's last line shows the search."""
        return self.typing or bool(self.query)

    def open(self, cursor: int) -> None:
        self.query, self.typing, self.origin = "", True, cursor

    def clear(self) -> None:
        self.query, self.typing, self.count, self.ordinal = "", False, 0, 0

    def find(
        self, get: Callable[[int], Row | None], total: int, start: int, step: int
    ) -> int | None:
        """The first matching row from `start` (included) going by `step`, wrapping around."""
        for offset in range(total):
            index = (start + step * offset) % total
            if matches(get(index), self.query):
                return index
        return None

    def recount(self, get: Callable[[int], Row | None], total: int, cursor: int) -> None:
        hits = [i for i in range(total) if matches(get(i), self.query)] if self.query else []
        self.count = len(hits)
        self.ordinal = hits.index(cursor) + 1 if cursor in hits else 0

    def status(self, width: int = 200) -> str:
        """The table's last line, the short form when `width` is narrow."""
        cursor = "▏" if self.typing else ""
        if not self.query:
            long = "find: ▏  (id, number or name in the loaded rows · Enter keeps · Esc cancels)"
            return long if len(long) <= width else "find: ▏  (Enter keeps · Esc cancels)"
        if self.count == 0:
            found, short = "no loaded row matches", "no match"
        elif self.ordinal:
            found, short = (
                f"{self.ordinal} of {self.count} loaded rows",
                f"{self.ordinal}/{self.count}",
            )
        else:
            found, short = f"{self.count} loaded rows match", f"{self.count} match"
        keys = "Enter keeps · Esc cancels" if self.typing else "n next · N previous · Esc clears"
        long = f"find: {self.query}{cursor}  {found} · {keys}"
        if len(long) <= width:
            return long
        keys = "Enter · Esc" if self.typing else "n N · Esc"
        return f"find: {self.query}{cursor}  {short} · {keys}"
