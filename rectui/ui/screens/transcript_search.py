"""Search the stored transcripts: type words, see each matching recording with its line.

Enter takes the highlighted hit back to the table (the app selects it), `p` plays it. Lines are
server text, shown through `safe_text` and never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from rectui.index.transcripts import SearchHit
from rectui.server_text import safe_text

from ..actions import bindings
from ..widgets.text_input import TextInput
from ..widgets.transcript_view import speaker_style

Searcher = Callable[[str], list[SearchHit]]


@dataclass(frozen=True, slots=True)
class SearchChoice:
    recording_id: str
    then: Literal["select", "play"]


def hit_text(hit: SearchHit) -> Text:
    out = Text(safe_text(hit.recording_id[:36]), style="bold")
    out.append("  ")
    label = "—" if hit.speaker is None else f"Speaker {safe_text(hit.speaker)}"
    out.append(label, style=speaker_style(hit.speaker))
    out.append(": " + safe_text(hit.line[:300]))
    if hit.matches > 1:
        out.append(f"  (+{hit.matches - 1} more lines)", style="dim")
    return out


class TranscriptSearchScreen(ModalScreen[SearchChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("search")

    def __init__(self, search: Searcher, stored: int) -> None:
        super().__init__(classes="dialog-screen")
        self.search = search
        self.stored = stored
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="search-box") as box:
            box.border_title = "Search transcripts"
            yield TextInput(placeholder="words said in the call, e.g. refund", id="search-input")
            yield Label(f"{self.stored:,} transcripts stored", id="search-status", markup=False)
            yield OptionList(id="search-hits")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()

    @on(Input.Submitted, "#search-input")
    def _search(self, event: Input.Submitted) -> None:
        self.hits = self.search(event.value)
        hits = self.query_one("#search-hits", OptionList)
        hits.clear_options()
        hits.add_options(Option(hit_text(hit)) for hit in self.hits)
        count = f"{len(self.hits):,} recording{'' if len(self.hits) == 1 else 's'}"
        status = (
            f"{count} · Enter selects, p plays" if self.hits else "no stored transcript has that"
        )
        self.query_one("#search-status", Label).update(status)
        if self.hits:
            hits.highlighted = 0
            hits.focus()

    @on(OptionList.OptionSelected, "#search-hits")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(SearchChoice(self.hits[event.option_index].recording_id, "select"))

    def action_play(self) -> None:
        index = self.query_one("#search-hits", OptionList).highlighted
        if index is not None and self.focused is not self.query_one("#search-input", Input):
            self.dismiss(SearchChoice(self.hits[index].recording_id, "play"))

    def action_cancel(self) -> None:
        self.dismiss(None)
