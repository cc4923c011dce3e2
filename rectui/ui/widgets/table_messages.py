"""What the recording table tells the app. Handlers are named as for messages nested in
`RecordingTable` (`on_recording_table_highlighted`), which re-exports them
(`RecordingTable.Highlighted`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ...plivo.models import Recording

if TYPE_CHECKING:
    from .table_view import TableView


@dataclass
class TableMessage(Message, namespace="recording_table"):
    """A message about a table; `control` lets handlers use `@on(..., "#table")`."""

    table: TableView

    @property
    def control(self) -> TableView:
        return self.table


@dataclass
class Highlighted(TableMessage, namespace="recording_table"):
    """The cursor moved (or the row under it finished loading)."""

    recording: Recording | None
    """None while the row is still a placeholder or is unavailable."""
    index: int
    """The cursor's row in the listing."""


@dataclass
class Selected(TableMessage, namespace="recording_table"):
    """Enter (or a double click) on a loaded row."""

    recording: Recording
    index: int


@dataclass
class LoadFailed(TableMessage, namespace="recording_table"):
    """Opening the listing or fetching rows failed; what was loaded stays on screen."""

    error: Exception


@dataclass
class SortRequested(TableMessage, namespace="recording_table"):
    """The sort key or a click on a header asks for the rows in another order (the app loads
    every row first if it must)."""

    column: str
    descending: bool


@dataclass
class MarksChanged(TableMessage, namespace="recording_table"):
    """Recordings were marked or unmarked (a range mark in progress counts)."""

    count: int
    """How many are marked now."""
