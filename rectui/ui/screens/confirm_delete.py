"""The delete confirmation: names exactly what will go and what it will save, and offers to
archive the recordings first (each is deleted only once its copy is verified)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from rectui.formatting import format_minutes, format_money
from rectui.plivo.models import Recording
from rectui.plivo.recording_cost import DeleteSummary

from ...server_text import safe_text
from ..actions import bindings
from ..widgets.text_input import TextInput
from .export import tilde

SHOWN_IDS = 6
"""How many ids the dialog lists before summarising the rest as a count."""
SHORT_HEIGHT = 32
"""Terminals shorter than this get the compact dialog (fewer ids, one-line buttons), so that
the buttons stay on screen at 80×24."""
NARROW_WIDTH = 70
"""Narrower terminals get shorter button labels, so that all three fit one line at 60 columns."""


@dataclass(frozen=True, slots=True)
class DeleteChoice:
    """What the dialog answered (None: cancel)."""

    archive_dir: Path | None = None
    """Archive into this directory first; None deletes straight away."""


class ConfirmDeleteScreen(ModalScreen[DeleteChoice | None]):
    """Answers a DeleteChoice, or None. Focus starts on Cancel: Enter alone never deletes."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("delete")

    def __init__(
        self, recordings: Sequence[Recording], now: datetime, archive_dir: Path | None = None
    ) -> None:
        super().__init__(id="confirm-delete")
        self.recordings = list(recordings)
        self.summary = DeleteSummary.of(self.recordings, now)
        self.archive_dir = archive_dir

    def compose(self) -> ComposeResult:
        summary = self.summary
        noun = "recording" if summary.count == 1 else "recordings"
        short = self.app.size.height < SHORT_HEIGHT
        narrow = self.app.size.width < NARROW_WIDTH
        self.set_class(short, "-short")
        self.set_class(narrow, "-narrow")
        shown = 3 if short else SHOWN_IDS
        with Vertical(id="confirm-box") as box:
            box.border_title = "Delete"
            yield Label(f"Delete {summary.count:,} {noun}?", id="confirm-title")
            lines = [Text(f"• {safe_text(r.recording_id)}") for r in self.recordings[:shown]]
            if summary.count > shown:
                lines.append(Text(f"… and {summary.count - shown:,} more", style="dim"))
            ids = Text("\n").join(lines)
            yield Static(ids, id="confirm-ids")
            facts = Text()
            facts.append("Total duration  ", style="dim")
            facts.append(f"{format_minutes(summary.minutes)} billed\n")
            facts.append("Monthly saving  ", style="dim")
            facts.append(format_money(summary.monthly_saving))
            if summary.future_saving:
                facts.append(
                    f" now, {format_money(summary.future_saving)} after the free period",
                    style="dim",
                )
            yield Static(facts, id="confirm-facts")
            yield Label("This cannot be undone.", id="confirm-warning")
            if self.archive_dir is not None:
                with Horizontal(id="confirm-archive-row"):
                    yield Label("Archive to ", id="confirm-archive-label")
                    yield TextInput(tilde(self.archive_dir), id="confirm-archive-dir", compact=True)
                    yield Label(" e edits", id="confirm-archive-hint")
                yield Label(
                    "Archive, then delete: each recording is downloaded, checked and listed in "
                    "manifest.jsonl there; only a verified copy is ever deleted.",
                    id="confirm-archive-note",
                )
            with Horizontal(id="confirm-buttons"):
                yield Button("Delete (y)", variant="error", id="confirm-yes", compact=short)
                if self.archive_dir is not None:
                    yield Button(
                        "Archive+delete (a)" if narrow else "Archive, then delete (a)",
                        variant="warning",
                        id="confirm-archive",
                        compact=short,
                    )
                yield Button("Cancel (n)", id="confirm-no", compact=short)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in ("archive", "edit_dir") or self.archive_dir is not None

    def _editing(self) -> bool:
        return isinstance(self.focused, Input)

    def action_move(self, step: int) -> None:
        """← → go from button to button only: the archive path is never entered by the way,
        so y, a and n keep deleting, archiving and cancelling."""
        if self._editing():
            return  # in the path, ← → move the cursor (the field takes them first anyway)
        buttons = list(self.query(Button))
        here = buttons.index(self.focused) if self.focused in buttons else 0
        self.set_focus(buttons[(here + step) % len(buttons)])

    def action_edit_dir(self) -> None:
        self.query_one("#confirm-archive-dir", Input).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_confirm(self) -> None:
        self.dismiss(DeleteChoice())

    @on(Button.Pressed, "#confirm-archive")
    def action_archive(self) -> None:
        if self.archive_dir is None:
            return
        field = self.query_one("#confirm-archive-dir", Input)
        text = field.value.strip()
        if not text:
            self.notify("Give a directory to archive to", severity="warning", markup=False)
            field.focus()
            return
        directory = Path(text).expanduser()
        if directory.exists() and not directory.is_dir():
            self.notify(f"{directory} is not a directory", severity="error", markup=False)
            field.focus()
            return
        self.dismiss(DeleteChoice(archive_dir=directory))

    @on(Input.Submitted, "#confirm-archive-dir")
    def _archive_dir_entered(self, event: Input.Submitted) -> None:
        # Enter in the field never starts anything by itself: it moves to the button.
        event.stop()
        self.query_one("#confirm-archive", Button).focus()

    def action_cancel(self) -> None:
        if self._editing():  # esc in the path ends the edit; a second esc cancels
            self.query_one("#confirm-archive", Button).focus()
            return
        self.dismiss(None)

    @on(Button.Pressed, "#confirm-no")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)
