"""The player bar: three lines above the footer saying what plays, where, and what just happened.

    ▶ playing  Conference support-31 · c3d5bd74         0:12 / 1:04   1.5×   vol 100%   denoised
    ▂▃▅▇▆▃▁▁▂▄▆█▇▅▃▂▁▁▁▃▅▆▅▃▂▁▁▂▃▄▅▄▃▂▁▁▁▁▂▃▅▇█▇▅▄▃▂▁▁▂▃▄▅▆▅▄▃▂▁▁▁▂▃▄▃▂▁▁
    p pause · x stop · ←/→ 5 s · [/] 30 s · 0 start · </> speed · +/- volume · o original · s save

Line two is the whole recording's waveform, coloured up to the play head (so it is the progress
bar too); before the waveform is ready it is a plain progress bar, and during a download it is the
download's bar with bytes done / total. Line three is the latest message, or the keys.

A pure view: `rectui.ui.playback.Playback` builds a `BarView` and hands it to `show()`. The bar is
hidden until the first use (it takes three lines from the table). While it shows, the screen
has the class `-player-bar`, which lifts notifications above it (app.tcss): a toast must not hide
the time, the volume or the variant.

Line one also names the output device when one was chosen, and "simpleaudio fallback" when
PortAudio could not load. On a narrow terminal the right-hand items go from the last.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from rectui.formatting import format_bytes, format_clock
from rectui.plivo.models import Recording

from ...server_text import safe_text

STATUS_LABELS = {
    "playing": "▶ playing",
    "paused": "⏸ paused",
    "stopped": "■ stopped",
    "finished": "■ finished",
    "downloading": "⬇ downloading",
    "saved": "✔ saved",
    "no-audio": "✖ no audio",
    "error": "✖ error",
}

WAVE_GLYPHS = "▁▂▃▄▅▆▇█"

KEYS_HINT = (
    "p play/pause · x stop · ←/→ 5 s · [/] 30 s · 0 start · </> speed · +/- volume · "
    "o original · s save"
)


def format_speed(speed: float) -> str:
    return f"{speed:g}×"


def short_id(recording: Recording) -> str:
    return safe_text(recording.recording_id[:8])


def recording_title(recording: Recording) -> str:
    """`Conference support-31 · c3d5bd74`, `+1415… → sip:alice@… · 1a2b3c4d`, `call · 1a2b3c4d`."""
    if recording.conference_name and recording.conference_name != "noname":
        label = f"Conference {recording.conference_name}"
    elif recording.mpc_name and recording.mpc_name != "noname":
        label = f"Multiparty call {recording.mpc_name}"
    elif recording.from_number or recording.to_number:
        label = f"{recording.from_number or '?'} → {recording.to_number or '?'}"
    else:
        label = (recording.recording_type or "recording").capitalize()
    return f"{safe_text(label)} · {short_id(recording)}"


@dataclass(slots=True)
class Download:
    recording: Recording
    purpose: str
    """"play", "switch" (to the other variant) or "save"."""
    done: int = 0
    total: int | None = None

    def describe(self) -> str:
        verb = {"play": "downloading", "switch": "fetching the other variant of"}.get(
            self.purpose, "saving"
        )
        percent = f" {min(100, self.done * 100 // self.total)}%" if self.total else ""
        return f"⬇ {verb} {short_id(self.recording)}{percent}"


class Downloads:
    """The media downloads under way: at most one per purpose and recording."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], Download] = {}

    def __iter__(self) -> Iterator[Download]:
        return iter(list(self._by_key.values()))

    def start(self, recording: Recording, purpose: str) -> Download:
        download = Download(recording, purpose)
        self._by_key[(purpose, recording.recording_id)] = download
        return download

    def finish(self, download: Download) -> None:
        """Forget `download` unless a newer one for the same file has taken its place."""
        key = (download.purpose, download.recording.recording_id)
        if self._by_key.get(key) is download:
            del self._by_key[key]

    def drop(self, purpose: str) -> bool:
        """Forget the downloads for `purpose`; True if there was one."""
        keys = [key for key in self._by_key if key[0] == purpose]
        for key in keys:
            del self._by_key[key]
        return bool(keys)

    def playing(self, recording: Recording | None = None) -> Download | None:
        """The download to be played (of `recording`, if given)."""
        return next(
            (
                d
                for d in self._by_key.values()
                if d.purpose == "play"
                and (recording is None or d.recording.recording_id == recording.recording_id)
            ),
            None,
        )


@dataclass(frozen=True, slots=True)
class BarView:
    """Everything the bar shows; equal views render the same."""

    status: str = "stopped"
    """A key of STATUS_LABELS."""
    title: str = ""
    position: float = 0.0
    duration: float | None = None
    volume: int = 100
    speed: float = 1.0
    output: str = ""
    """The device chosen, and/or the fallback library; "" for the default through PortAudio."""
    variant: str = ""
    """"denoised" / "original" for what is in the player; "" for a recording that is not."""
    download: tuple[int, int | None] | None = None
    """(bytes done, total or None) while the recording shown is downloading."""
    peaks: tuple[float, ...] | None = None
    """The waveform (0..1 per slice of the recording), once computed."""
    track_text: str = ""
    """Shown on line two instead of a bar (e.g. the scp line after saving)."""
    message: str = ""
    level: str = "information"
    """Severity of `message`: information, warning or error."""


def fit_peaks(peaks: Sequence[float], width: int) -> list[float]:
    """`peaks` resampled to `width` columns: the loudest slice a column covers (so short clicks
    stay visible), repeating slices when there are fewer than columns."""
    count = len(peaks)
    if width <= 0 or count == 0:
        return []
    columns: list[float] = []
    for column in range(width):
        start = column * count // width
        stop = max(start + 1, (column + 1) * count // width)
        columns.append(max(peaks[start:stop]))
    return columns


def stretch(levels: list[float]) -> list[float]:
    """Quietest column to the lowest glyph, loudest to the highest: a phone call's peaks sit close
    together (the line noise never drops to zero), and unstretched they draw a flat block."""
    if not levels:
        return levels
    low, high = min(levels), max(levels)
    if high - low < 1e-6:
        return [1.0 if high > 0 else 0.0] * len(levels)
    return [(level - low) / (high - low) for level in levels]


def head_column(position: float, duration: float | None, width: int) -> int:
    """The column of the play head on a track `width` cells wide."""
    if not duration or duration <= 0 or width <= 0:
        return 0
    return max(0, min(width - 1, int(position / duration * width)))


class PlayerBar(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "player-bar--playing",
        "player-bar--paused",
        "player-bar--idle",
        "player-bar--busy",
        "player-bar--error",
        "player-bar--title",
        "player-bar--meta",
        "player-bar--played",
        "player-bar--head",
        "player-bar--unplayed",
        "player-bar--information",
        "player-bar--warning",
        "player-bar--hint",
    }

    view: reactive[BarView] = reactive(BarView, layout=False)

    def show(self, view: BarView) -> None:
        """Display `view` (and the bar itself, from the first call on)."""
        self.add_class("-active")
        self.screen.add_class("-player-bar")
        self.view = view

    @property
    def active(self) -> bool:
        return self.has_class("-active")

    # -- rendering ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"player-bar--{name}", partial=True)

    def render(self) -> Text:
        width = max(1, self.content_size.width)
        view = self.view
        lines = [self._status_line(view, width), self._track_line(view, width)]
        lines.append(self._message_line(view, width))
        return Text("\n").join(lines)

    def plain_lines(self) -> list[str]:
        """The three lines as plain text (what tests and screen readers need)."""
        return self.render().plain.split("\n")

    def _status_style(self, status: str) -> str:
        if status == "playing":
            return "playing"
        if status == "paused":
            return "paused"
        if status in ("error", "no-audio"):
            return "error"
        if status in ("downloading", "saved"):
            return "busy"
        return "idle"

    def _status_line(self, view: BarView, width: int) -> Text:
        label = STATUS_LABELS.get(view.status, view.status)
        if view.status == "downloading" and view.download is not None:
            done, total = view.download
            if total:
                label += f" {min(100, done * 100 // total)}%"
        left = Text(label, style=self._style(self._status_style(view.status)))
        left.append("  ")
        meta: list[str] = []
        if view.variant:
            meta.append(f"{format_clock(view.position)} / {format_clock(view.duration or 0)}")
            meta.append(format_speed(view.speed))
            meta.append(f"vol {view.volume}%")
            meta.append(view.variant)
            if view.output:
                meta.append(f"→ {view.output}")
        elif view.duration is not None:
            meta.append(format_clock(view.duration))
        # Narrow: drop from the right; the position matters most, then the speed.
        while True:
            right = Text("   ".join(meta), style=self._style("meta"))
            room = width - left.cell_len - right.cell_len - 2
            if room >= 12 or len(meta) <= 1:
                break
            meta.pop()
        title = Text(view.title, style=self._style("title"))
        title.truncate(max(0, room), overflow="ellipsis")
        line = left + title
        gap = width - line.cell_len - right.cell_len
        if gap >= 1:
            line.append(" " * gap)
            line.append_text(right)
        line.truncate(width, overflow="ellipsis")
        return line

    def _bar(self, width: int, fraction: float, head: bool) -> Text:
        """A progress bar: ━ done, ● (or ╸) at the edge, ─ to go."""
        fraction = max(0.0, min(1.0, fraction))
        done = int(fraction * width)
        text = Text("━" * min(done, width), style=self._style("played"))
        if done < width:
            text.append("●" if head else "╸", style=self._style("head" if head else "played"))
            text.append("─" * (width - done - 1), style=self._style("unplayed"))
        return text

    def _track_line(self, view: BarView, width: int) -> Text:
        if view.download is not None:
            done, total = view.download
            size = f"{format_bytes(done)} / {format_bytes(total)}" if total else format_bytes(done)
            suffix = f"  {size}"
            bar_width = max(1, width - len(suffix))
            fraction = done / total if total else 0.0
            line = self._bar(bar_width, fraction, head=False)
            line.append(suffix, style=self._style("meta"))
            line.truncate(width)
            return line
        if view.track_text:
            line = Text(view.track_text, style=self._style("meta"))
            line.truncate(width, overflow="ellipsis")
            return line
        if not view.variant:
            return Text("")
        if view.peaks:
            columns = stretch(fit_peaks(view.peaks, width))
            head = head_column(view.position, view.duration, width)
            top = len(WAVE_GLYPHS) - 1
            line = Text()
            for index, level in enumerate(columns):
                glyph = WAVE_GLYPHS[max(0, min(top, round(level * top)))]
                name = "played" if index < head else "head" if index == head else "unplayed"
                line.append(glyph, style=self._style(name))
            return line
        fraction = view.position / view.duration if view.duration else 0.0
        return self._bar(width, fraction, head=True)

    def _message_line(self, view: BarView, width: int) -> Text:
        if view.message:
            level = view.level if view.level in ("warning", "error") else "information"
            line = Text(view.message, style=self._style(level))
        else:
            line = Text(KEYS_HINT, style=self._style("hint"))
        line.truncate(width, overflow="ellipsis")
        return line
