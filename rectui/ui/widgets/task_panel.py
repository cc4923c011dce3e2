"""The task panel: a docked strip above the footer for long jobs (bulk delete, archive, export,
loading every row), so the table stays usable while one runs.

It shows a title, a progress bar with a one-line status, and when the job ends with failures,
the failed recordings with their reasons plus "Retry failed" and "Close". It holds no job state
itself: the triage controller (rectui/ui/triage.py) drives it and answers its messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, ProgressBar, Static

from ...server_text import safe_text
from ..actions import bindings

MAX_FAILURES_SHOWN = 200
"""Failures listed in the panel; beyond that a count (the retry still covers them all)."""


class TaskPanel(Vertical):
    """Hidden until `start()`; `finish()` leaves it open only when there is something to read."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("task")

    class CancelRequested(Message):
        """Cancel (or esc on the panel) while the job runs."""

    class RetryRequested(Message):
        """Retry failed, after a job ended with failures."""

    class Closed(Message):
        """The panel was closed after its job ended."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running = False
        self.can_retry = False
        self._title = Label("", id="task-title", markup=False)
        self._status = Label("", id="task-status", markup=False)
        self._progress = ProgressBar(show_eta=False, id="task-progress")
        self._failures = Static("", id="task-failures-table")
        self._failures_box = VerticalScroll(self._failures, id="task-failures")
        self._cancel = Button("Cancel (esc)", id="task-cancel", variant="warning", compact=True)
        self._retry = Button("Retry failed (R)", id="task-retry", variant="primary", compact=True)
        self._close = Button("Close (esc)", id="task-close", compact=True)
        self._built = False

    def build(self) -> None:
        """Mount the parts (once): the screen does it after its first frame, so that they do not
        delay its rows and the first job (a quiet sync can start at once) does not pay for them.
        `start` builds them too if that comes first; they are updated straight away, before
        their own mount, and Textual shows what was set by then."""
        if not self._built:
            self._built = True
            self.mount_all(
                [
                    Horizontal(self._title, self._status, id="task-top"),
                    self._progress,
                    self._failures_box,
                    Horizontal(self._cancel, self._retry, self._close, id="task-buttons"),
                ]
            )

    # -- driven by the controller ----------------------------------------------------------------

    def start(self, title: str, total: int | None) -> None:
        self.build()
        self.running = True
        self.can_retry = False
        self.add_class("-active")
        self.remove_class("-failed")
        self._title.update(title)
        self._status.update("starting…")
        self._progress.update(total=total or 1, progress=0)
        self.show_failures([], 0)
        self._buttons()

    def progress(self, done: int, total: int | None, status: str) -> None:
        self._progress.update(total=max(1, total or done or 1), progress=done)
        self._status.update(status)

    def set_status(self, status: str) -> None:
        self._status.update(status)

    def finish(self, title: str, status: str, *, can_retry: bool = False) -> None:
        self.running = False
        self.can_retry = can_retry
        self.set_class(can_retry, "-failed")
        self._title.update(title)
        self._status.update(status)
        self._buttons()

    def show_failures(self, failures: Sequence[tuple[str, str]], not_attempted: int) -> None:
        """(recording id, reason) per failure; ids and reasons come from the server: plain text."""
        self._failures_box.display = bool(failures) or bool(not_attempted)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(style="red")
        for rid, reason in failures[:MAX_FAILURES_SHOWN]:
            table.add_row(Text(safe_text(rid)), Text(safe_text(reason)))
        if len(failures) > MAX_FAILURES_SHOWN:
            more = len(failures) - MAX_FAILURES_SHOWN
            table.add_row(Text(f"… {more:,} more", style="dim"), Text(""))
        if not_attempted:
            noun = "recording was" if not_attempted == 1 else "recordings were"
            table.add_row(
                Text(f"{not_attempted:,} {noun} not attempted", style="dim"),
                Text("cancelled before they started; R retries them too", style="dim"),
            )
        self._failures.update(table)

    def close(self) -> None:
        self.running = False
        self.can_retry = False
        self.remove_class("-active")
        self.post_message(self.Closed())

    @property
    def active(self) -> bool:
        return self.has_class("-active")

    def _buttons(self) -> None:
        self._cancel.display = self.running
        self._retry.display = self.can_retry and not self.running
        self._close.display = not self.running

    # -- input -----------------------------------------------------------------------------------

    @on(Button.Pressed, "#task-cancel")
    def _cancel_pressed(self) -> None:
        self.post_message(self.CancelRequested())

    @on(Button.Pressed, "#task-retry")
    def action_retry(self) -> None:
        if self.can_retry and not self.running:
            self.post_message(self.RetryRequested())

    @on(Button.Pressed, "#task-close")
    def _close_pressed(self) -> None:
        self.close()

    def action_escape(self) -> None:
        if self.running:
            self.post_message(self.CancelRequested())
        else:
            self.close()
