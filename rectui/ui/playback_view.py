"""What the player bar shows, from the playback controller's state (rectui/ui/playback.py):
which recording the bar is about, its status, the downloads under way and the message line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rectui.media import Player, PlayerState
from rectui.plivo.models import Recording

from .widgets.player_bar import BarView, Downloads, recording_title

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

PLAYER_STATUS = {
    PlayerState.PLAYING: "playing",
    PlayerState.PAUSED: "paused",
    PlayerState.FINISHED: "finished",
    PlayerState.ERROR: "error",
}


@dataclass
class BarSubject:
    """What the bar's first line is about, and the line under it."""

    recording: Recording | None = None
    """The last recording played, or acted on."""
    status: str | None = None
    """Status of a recording that is not in the player: "no-audio", "saved", "error"."""
    track_text: str = ""
    """Shown instead of the track when the recording is not in the player (an scp line)."""
    message: str = ""
    level: SeverityLevel = "information"
    peaks: tuple[float, ...] | None = None
    """The waveform of the recording in the player, once computed."""


def bar_view(
    shown: BarSubject,
    player: Player,
    downloads: Downloads,
    current: Recording | None,
    current_original: bool,
) -> BarView | None:
    """None before anything was played or saved. `current` is the recording in the player
    (`current_original`: its original, pre-denoise variant)."""
    subject = shown.recording
    if subject is None:
        return None
    in_player = (
        current is not None
        and current.recording_id == subject.recording_id
        and player.path is not None
    )
    # The subject's own download fills the bar, unless it plays already (then fetching the
    # other variant, or saving it, is a note on the message line like any other download).
    download = next(
        (
            d
            for d in downloads
            if d.recording.recording_id == subject.recording_id
            and (d.purpose == "play" or not in_player)
        ),
        None,
    )
    others = [d.describe() for d in downloads if d is not download]
    if download is not None:
        status = "downloading"
    elif in_player and shown.status is None:
        status = PLAYER_STATUS.get(player.state, "stopped")
    else:
        status = shown.status or "stopped"
    message = " · ".join([*others, shown.message] if shown.message else others)
    playing_it = in_player and download is None
    return BarView(
        status=status,
        title=recording_title(subject),
        position=player.position if playing_it else 0.0,
        duration=(player.duration if playing_it else None) or subject.duration_s,
        volume=player.volume,
        speed=player.speed,
        output=output_label(player),
        variant=("original" if current_original else "denoised") if playing_it else "",
        download=(download.done, download.total) if download is not None else None,
        peaks=shown.peaks if playing_it else None,
        track_text=shown.track_text if not in_player else "",
        message=message,
        level=shown.level if shown.message else "information",
    )


def output_label(player: Player) -> str:
    """Where the sound goes: the chosen device, and the fallback library if it is in use."""
    return " · ".join(part for part in (player.device or "", player.backend_note) if part)
