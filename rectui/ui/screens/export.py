"""The export dialog: which format, and where (a timestamped file in the download folder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from rectui.triage.export import FORMATS, ExportFormat

from ..actions import bindings
from ..widgets.text_input import TextInput

FORMAT_LABELS: dict[ExportFormat, str] = {
    "csv": "CSV (a fixed set of columns, for spreadsheets)",
    "jsonl": "JSON lines (every field the server sent, for jq)",
}
EXTENSIONS: dict[ExportFormat, str] = {"csv": ".csv", "jsonl": ".jsonl"}


@dataclass(frozen=True, slots=True)
class ExportRequest:
    fmt: ExportFormat
    path: Path
    transcripts: bool = False
    """Add each recording's stored transcript as a last column."""


def tilde(path: Path) -> str:
    """A path as people type it: `~/…` under the home directory (expanded again on use)."""
    try:
        return "~/" + str(path.expanduser().relative_to(Path.home()))
    except (ValueError, RuntimeError):
        return str(path)


def default_export_path(directory: Path, now: datetime, fmt: ExportFormat) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    return directory / f"rectui-export-{stamp}{EXTENSIONS[fmt]}"


def path_problem(path: Path) -> str | None:
    """Why the export cannot go to `path`, in one line, or None."""
    if path.exists() and path.is_dir():
        return f"{path} is a directory: give a file name"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    return None


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("export")

    def __init__(self, *, total: int, directory: Path, now: datetime, summary: str) -> None:
        super().__init__(classes="dialog-screen", id="export-screen")
        self.total = total
        self.directory = directory
        self.now = now
        self.summary = summary
        self._fmt: ExportFormat = "csv"
        self._confirm_replace: Path | None = None

    def compose(self) -> ComposeResult:
        noun = "recording" if self.total == 1 else "recordings"
        with Vertical(classes="dialog-box", id="export-box") as box:
            box.border_title = "Export"
            yield Label(
                f"Export {self.total:,} {noun} ({self.summary})",
                classes="dialog-question",
                markup=False,
            )
            yield Static(
                "Every row of the filter is exported, not only the rows loaded so far.",
                classes="dialog-body",
            )
            yield Label("Format", classes="dialog-caption")
            yield Select(
                [(label, fmt) for fmt, label in FORMAT_LABELS.items()],
                value=self._fmt,
                allow_blank=False,
                id="export-format",
            )
            yield Label("File", classes="dialog-caption")
            yield TextInput(
                tilde(default_export_path(self.directory, self.now, "csv")), id="export-path"
            )
            yield Checkbox(
                "Add each recording's stored transcript (a last column)",
                value=False,
                id="export-transcripts",
            )
            yield Label("", id="export-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (^s)", variant="primary", id="export-ok")
                yield Button("Cancel (esc)", id="export-cancel")

    def on_mount(self) -> None:
        # The format first: the file name is a good default, edited only by choice (Tab).
        self.query_one("#export-format", Select).focus()

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        # An error about the old text is stale once the text changes; a new one shows on Export.
        self._confirm_replace = None
        text = event.value.strip()
        if text and path_problem(Path(text).expanduser()) is None:
            self._error("")

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        fmt = event.value
        if fmt not in FORMATS or fmt == self._fmt:
            return
        field = self.query_one("#export-path", Input)
        old_ext, new_ext = EXTENSIONS[self._fmt], EXTENSIONS[fmt]  # type: ignore[index]
        if field.value.endswith(old_ext):
            field.value = field.value[: -len(old_ext)] + new_ext
        self._fmt = fmt  # type: ignore[assignment]

    def _error(self, text: str) -> None:
        error = self.query_one("#export-error", Label)
        error.update(text)
        error.set_class(bool(text), "-visible")

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def action_export(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._error("Give a file to write")
            return
        path = Path(text).expanduser()
        problem = path_problem(path)
        if problem:
            self._error(problem)
            return
        if path.exists() and self._confirm_replace != path:
            self._confirm_replace = path
            self._error("That file exists: press Export again to replace it")
            return
        transcripts = self.query_one("#export-transcripts", Checkbox).value
        self.dismiss(ExportRequest(self._fmt, path, transcripts))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
