"""Small modal dialogs: a yes/no question and a one-line text prompt.

Both take plain text (never markup) and answer through `dismiss`: ConfirmScreen True/False,
PromptScreen the text entered or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..actions import bindings
from ..widgets.text_input import TextInput


class ConfirmScreen(ModalScreen[bool]):
    """A question with y / n. Focus starts on No, so Enter alone never says yes."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("confirm")

    def __init__(self, title: str, question: str, body: str = "", *, yes: str = "Yes") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.question = question
        self.body = body
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = self.title_text
            yield Label(self.question, classes="dialog-question", markup=False)
            if self.body:
                yield Static(self.body, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (y)", variant="primary", id="dialog-yes")
                yield Button("Cancel (n)", id="dialog-no")

    def on_mount(self) -> None:
        self.query_one("#dialog-no", Button).focus()

    @on(Button.Pressed, "#dialog-yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#dialog-no")
    def action_no(self) -> None:
        self.dismiss(False)


Validator = Callable[[str], str | None]
"""Returns a one-line problem with the text, or None when it is fine."""


class PromptScreen(ModalScreen[str | None]):
    """One line of text. Enter accepts (if `validate` finds no problem), esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("prompt")

    def __init__(
        self,
        title: str,
        label: str,
        *,
        value: str = "",
        placeholder: str = "",
        note: str = "",
        ok: str = "Save",
        validate: Validator | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.label = label
        self.value = value
        self.placeholder = placeholder
        self.note = note
        self.ok_label = ok
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = self.title_text
            yield Label(self.label, classes="dialog-question", markup=False)
            yield TextInput(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("", id="prompt-error", classes="dialog-error", markup=False)
            if self.note:
                yield Static(self.note, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.ok_label} (enter)", variant="primary", id="prompt-ok")
                yield Button("Cancel (esc)", id="prompt-cancel")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted, "#prompt-input")
    @on(Button.Pressed, "#prompt-ok")
    def action_ok(self) -> None:
        text = self.query_one("#prompt-input", Input).value.strip()
        problem = "Type something first" if not text else None
        if problem is None and self.validate is not None:
            problem = self.validate(text)
        if problem:
            error = self.query_one("#prompt-error", Label)
            error.update(problem)
            error.add_class("-visible")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#prompt-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
