"""The transcript of the highlighted recording, inside the detail pane (`t` toggles it).

The server's words are shown through `rich.text.Text` and `safe_text`, never as markup: a caller
who said `[red]refund[/]` reads exactly that, and control characters are shown, never sent.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rectui.plivo.transcription import TranscriptLine
from rectui.server_text import safe_text

SPEAKER_STYLES = ("bold cyan", "bold magenta", "bold yellow", "bold green")


def speaker_style(speaker: str | None) -> str:
    if speaker is None:
        return "dim"
    index = int(speaker) if speaker.isdigit() else sum(map(ord, speaker))
    return SPEAKER_STYLES[index % len(SPEAKER_STYLES)]


def render_transcript(lines: list[TranscriptLine]) -> Text:
    out = Text()
    for n, line in enumerate(lines):
        if n:
            out.append("\n")
        label = "—" if line.speaker is None else f"Speaker {safe_text(line.speaker)}"
        out.append(label, style=speaker_style(line.speaker))
        out.append(": ")
        out.append(safe_text(line.text))
    return out


class TranscriptView(Static):
    """Shows either a transcript or one line about it (none yet, in progress, failed)."""

    shown: Text = Text()
    """What it shows (for tests: the screen only has what fits)."""

    def show_lines(self, lines: list[TranscriptLine]) -> None:
        self._show(render_transcript(lines) if lines else Text("(an empty transcript)", "dim"))

    def show_message(self, message: str) -> None:
        self._show(Text(safe_text(message), style="italic"))

    def _show(self, text: Text) -> None:
        self.shown = text
        self.update(text)
