"""The one text field of the app: an Input that keeps its text when it takes focus."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class TextInput(Input):
    """Focus puts the cursor at the end instead of selecting every character (Textual's
    default): a key typed into a field that has text adds to it, it never wipes it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
