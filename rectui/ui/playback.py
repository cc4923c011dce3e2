"""In-app playback: the keys, and the controller between them, rectui.media and the player bar.

`Playback` owns a `rectui.media.Player` (which plays on its own threads) and a `MediaStore`
(created on first use). Nothing here blocks the UI thread: downloads are async workers, the
waveform is computed with `asyncio.to_thread`, the player reports changes through `on_change`
(forwarded to the UI thread with a non-blocking `call_later`, so a player thread never waits on
the UI) and a timer reads `Player.position` only while something plays.

Without an audio device (an SSH session), `p` says so up front, without downloading, and `s`
saves the file with an `scp` line to fetch it. Every failure is one notification line, with the
token redacted by the session.

The main screen binds the keys (rectui/ui/actions, section "player") to this controller's
methods; tests give the app a `make_player` (a fake audio backend and clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.timer import Timer

from rectui.error_text import one_line
from rectui.media import (
    NO_OUTPUT,
    MediaCache,
    MediaStore,
    OriginalNotAvailableError,
    Player,
    PlayerState,
    remote_session,
    scp_command,
    silence_alsa_errors,
    waveform,
)
from rectui.plivo.auth import Credentials
from rectui.plivo.models import Recording

from .playback_view import BarSubject, bar_view
from .session import Session
from .widgets.player_bar import (
    BarView,
    Download,
    Downloads,
    PlayerBar,
    format_speed,
    recording_title,
    short_id,
)
from .workers import start_worker

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel


TICK_HZ = 8
"""Player bar updates per second while playing (the position comes from the player's clock)."""
WAVEFORM_BUCKETS = 512
"""Waveform slices computed per recording; the bar resamples them to its width."""
NO_AUDIO_MESSAGE = f"{NO_OUTPUT} — s saves the file"

PlayerFactory = Callable[..., Player]
"""Called as `factory(on_change=..., device=...)`; tests pass `partial(Player, backend=...)`."""


class Playback:
    """See the module docstring. Every method runs on the UI thread, except `_player_changed`."""

    def __init__(
        self, session: Session, bar: PlayerBar, *, make_player: PlayerFactory = Player
    ) -> None:
        self.session = session
        self.bar = bar
        self._make_player = make_player
        self.player: Player | None = None
        self._store: MediaStore | None = None
        self.current: Recording | None = None
        """The recording loaded in the player."""
        self.current_original = False
        """Whether the player has the original (pre-denoise) variant of `current`."""
        self.prefer_original = False
        """`o` with nothing loaded: the variant `p` asks for first."""
        self._pinned: Path | None = None
        self.shown = BarSubject()
        """What the bar is about, and its message line."""
        self._downloads = Downloads()
        self._seen: tuple[PlayerState, str | None] | None = None
        self._waveform_cancel: threading.Event | None = None
        self._ticker: Timer | None = None
        self._closed = False

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """On mount: keep ALSA quiet before anything touches it, and create the player."""
        silence_alsa_errors()
        device = self.session.config.settings.audio_device or None
        self.player = self._make_player(on_change=self._player_changed, device=device)
        self._ticker = self.bar.set_interval(1 / TICK_HZ, self._tick, pause=True)

    def prepare(self) -> None:
        """Once the first frame is out: the player finds out in its own thread whether there
        is an audio device (loading PortAudio competes with the first rows for the
        interpreter)."""
        if self.player is not None and not self._closed:
            self.player.prepare()

    def close(self) -> None:
        """On exit: stop playing and wait (bounded) for the player's thread; stop the waveform."""
        if self._closed:
            return
        self._closed = True
        if self._waveform_cancel is not None:
            self._waveform_cancel.set()
        if self._ticker is not None:
            self._ticker.stop()
        if self.player is not None:
            self.player.close(timeout=2.0)  # halts the buffer, then joins the feeder thread
        self._repin(None)

    def use_session(self, session: Session) -> None:
        """Another profile (or configuration) is in force: stop, and let the media store be
        built anew for the new client and credentials on next use."""
        changed = session.client is not self.session.client
        self.session = session
        if not changed:
            return
        self.stop()
        self._repin(None)
        self._store = None

    @property
    def store(self) -> MediaStore:
        """Created on first use (it creates the cache directory)."""
        if self._store is None:
            config = self.session.config
            profile = config.profile

            def credentials_for(recording: Recording) -> Credentials:
                return profile.credentials_for(recording.owner_auth_id)

            cache = MediaCache(config.settings.cache_dir / "media", config.settings.cache_max_bytes)
            self._store = MediaStore(self.session.client, cache, credentials_for=credentials_for)
        return self._store

    # -- what the keys do -----------------------------------------------------------------------

    def play_pause(self, recording: Recording | None) -> None:
        player = self.player
        if recording is None or player is None:
            self.say("No recording selected", "warning")
            return
        if self._downloads.playing(recording) is not None:
            return  # its download is under way; the bar shows it
        if self._is_current(recording) and player.path is not None:
            if player.state is PlayerState.ERROR and self.no_output():
                self._say_no_audio(recording)
            else:
                self.shown.recording, self.shown.status = recording, None
                player.toggle()
            self._render()
            return
        if self.no_output():
            self._cancel_downloads("play")
            player.stop()
            self._say_no_audio(recording)
            return
        self._play_new(recording)

    def stop(self) -> None:
        stopped_download = self._cancel_downloads("play", "switch")
        if self.player is not None:
            self.player.stop()
        if (
            stopped_download
            and self.shown.recording is not None
            and not self._is_current(self.shown.recording)
        ):
            self.shown.status = "stopped"
        self._render()

    def seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.seek_relative(seconds)

    def seek_start(self) -> None:
        if self.player is not None:
            self.player.seek(0)

    def volume(self, delta: int) -> None:
        if self.player is None:
            return
        self.player.change_volume(delta)
        if not self.bar.active:
            self.session.note(f"Volume {self.player.volume}%")

    def speed(self, steps: int) -> None:
        """One step faster or slower; the speed stays for the recordings played next."""
        if self.player is None:
            return
        self.player.change_speed(steps)
        if not self.bar.active:
            self.session.note(f"Speed {format_speed(self.player.speed)}")
        self._render()

    def toggle_original(self) -> None:
        player = self.player
        recording = self.current
        if player is None:
            return
        pending = self._downloads.playing()
        if pending is not None:
            # Not loaded yet: ask for the other variant instead.
            self.prefer_original = not self.prefer_original
            self._play_new(pending.recording)
            return
        if recording is None or player.path is None:
            self.prefer_original = not self.prefer_original
            which = "original (pre-denoise)" if self.prefer_original else "denoised"
            self.say(f"p plays the {which} audio")
            return
        want = not self.current_original
        self.prefer_original = want
        self._cancel_downloads("switch")
        download = self._downloads.start(recording, "switch")
        start_worker(
            self.bar,
            partial(self._switch_variant, download, want),
            group="media-switch",
            exclusive=True,
        )
        self._render()

    def save(self, recording: Recording | None) -> None:
        if recording is None:
            self.say("No recording selected", "warning")
            return
        original = self._is_current(recording) and self.current_original
        if not self._busy():
            # Nothing playing: the bar is about this recording now.
            self.shown.recording, self.shown.status, self.shown.track_text = recording, None, ""
        download = self._downloads.start(recording, "save")
        start_worker(self.bar, partial(self._save, download, original), group="media-save")
        self._render()

    def no_output(self) -> bool:
        """True once the player has found that this host has no audio output."""
        output = self.player.output if self.player is not None else None
        return output is not None and not output[0]

    # -- workers ----------------------------------------------------------------------------------

    def _play_new(self, recording: Recording) -> None:
        """Stop what plays, then download (if needed) and play `recording`."""
        assert self.player is not None
        self._cancel_downloads("play", "switch")
        self.player.stop()
        self.shown.recording, self.shown.status, self.shown.track_text = recording, None, ""
        self.shown.message = ""
        download = self._downloads.start(recording, "play")
        start_worker(
            self.bar,
            partial(self._fetch_and_play, download, self.prefer_original),
            group="media-play",
            exclusive=True,
        )
        self._render()

    async def _fetch_and_play(self, download: Download, original: bool) -> None:
        recording = download.recording
        progress = self._progress(download)
        try:
            try:
                path = await self.store.fetch(recording, original=original, progress=progress)
            except OriginalNotAvailableError as exc:
                self.say(f"{exc}; playing the denoised one", "warning")
                original = False
                path = await self.store.fetch(recording, progress=progress)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self.shown.recording is recording:
                self.shown.status = "error"
            self.say(f"Cannot play {short_id(recording)}: {one_line(exc)}", "error")
            return
        finally:
            self._downloads.finish(download)
            self._render()
        if self._closed or self.player is None:
            return
        self._load(recording, path, original)
        self.player.play()

    async def _switch_variant(self, download: Download, original: bool) -> None:
        """Fetch the other variant while the current one keeps playing, then carry on from the
        same position in it."""
        recording = download.recording
        try:
            path = await self.store.fetch(
                recording, original=original, progress=self._progress(download)
            )
        except asyncio.CancelledError:
            raise
        except OriginalNotAvailableError as exc:
            self.prefer_original = False
            self.say(f"{exc}; still playing the denoised one", "warning")
            return
        except Exception as exc:
            self.prefer_original = self.current_original
            self.say(f"Cannot switch variant: {one_line(exc)}", "error")
            return
        finally:
            self._downloads.finish(download)
            self._render()
        player = self.player
        if player is None or not self._is_current(recording) or player.path is None:
            return  # something else was played meanwhile
        position, playing = player.position, player.state is PlayerState.PLAYING
        self._load(recording, path, original)
        player.seek(position)
        if playing:
            player.play()
        which = "original (pre-denoise)" if original else "denoised"
        self.say(f"Playing the {which} audio of {short_id(recording)}")

    async def _save(self, download: Download, original: bool) -> None:
        recording = download.recording
        directory = self.session.config.settings.download_dir
        try:
            path = await self.store.save(
                recording, directory, original=original, progress=self._progress(download)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self.shown.recording is recording and not self._is_current(recording):
                self.shown.status = "error"
            self.say(f"Cannot save {short_id(recording)}: {one_line(exc)}", "error")
            return
        finally:
            self._downloads.finish(download)
            self._render()
        if self.shown.recording is recording and not self._is_current(recording):
            self.shown.status = "saved"
        # Where the TUI is not where the user listens, say how to fetch the file.
        if self.no_output() or remote_session():
            scp = scp_command(path)
            self.bar.app.copy_to_clipboard(scp)
            if self.shown.recording is recording:
                self.shown.track_text = scp
            self.say(f"Saved {path} · to fetch it: {scp} (copied to the clipboard)")
        else:
            self.bar.app.copy_to_clipboard(str(path))
            self.say(f"Saved {path} (path copied to the clipboard)")

    async def _waveform(self, key: tuple[str, bool], path: Path, cancel: threading.Event) -> None:
        try:
            peaks = await asyncio.to_thread(
                waveform, path, WAVEFORM_BUCKETS, normalize=True, cancel=cancel
            )
        except asyncio.CancelledError:
            cancel.set()
            raise
        except Exception:
            return  # the player reports an undecodable file itself; the bar keeps a plain bar
        if cancel.is_set() or self._loaded_key() != key:
            return
        self.shown.peaks = tuple(peaks)
        self._render()

    # -- internals ------------------------------------------------------------------------------

    def _is_current(self, recording: Recording) -> bool:
        return self.current is not None and self.current.recording_id == recording.recording_id

    def _loaded_key(self) -> tuple[str, bool] | None:
        if self.current is None:
            return None
        return (self.current.recording_id, self.current_original)

    def _busy(self) -> bool:
        """Something is playing, paused, or downloading to be played."""
        player = self.player
        playing = player is not None and player.state in (PlayerState.PLAYING, PlayerState.PAUSED)
        return playing or self._downloads.playing() is not None

    def _cancel_downloads(self, *purposes: str) -> bool:
        """Cancel the workers downloading for these purposes; True if one was running."""
        groups = {"play": "media-play", "switch": "media-switch", "save": "media-save"}
        found = False
        for purpose in purposes:
            found = self._downloads.drop(purpose) or found
            self.bar.workers.cancel_group(self.bar, groups[purpose])
        return found

    def _progress(self, download: Download) -> Callable[[int, int | None], None]:
        def progress(done: int, total: int | None) -> None:
            if (download.done, download.total) != (done, total):
                download.done, download.total = done, total
                self._render()

        return progress

    def _load(self, recording: Recording, path: Path, original: bool) -> None:
        assert self.player is not None
        self.player.load(path, recording_title(recording), duration=recording.duration_s)
        self._repin(path)
        self.current, self.current_original = recording, original
        self.shown.recording, self.shown.status, self.shown.track_text = recording, None, ""
        self.shown.peaks = None
        if self._waveform_cancel is not None:
            self._waveform_cancel.set()
        self._waveform_cancel = cancel = threading.Event()
        start_worker(
            self.bar,
            partial(self._waveform, (recording.recording_id, original), path, cancel),
            group="media-waveform",
            exclusive=True,
        )

    def _repin(self, path: Path | None) -> None:
        """Keep the playing file out of the cache's eviction."""
        if self._store is None:
            return
        if self._pinned is not None:
            self._store.cache.unpin(self._pinned)
        self._pinned = path
        if path is not None:
            self._store.cache.pin(path)

    def _player_changed(self, _player: Player) -> None:
        """From any thread: never wait for the UI (a player thread joined at exit must not
        block on it), just queue a sync."""
        if self._closed:
            return
        with contextlib.suppress(Exception):  # the loop may be gone at exit
            self.bar.call_later(self._sync)

    def _sync(self) -> None:
        player = self.player
        if player is None or self._closed:
            return
        seen = (player.state, player.error)
        if seen != self._seen:
            # One note per failure: a file that cannot be decoded fails both the decoder and
            # the probe, with two wordings of the same problem.
            was_error = self._seen is not None and self._seen[0] is PlayerState.ERROR
            self._seen = seen
            if player.state is PlayerState.ERROR and player.error and not was_error:
                if player.error.startswith(NO_OUTPUT):
                    self._say_no_audio(self.current)
                elif self.current is not None:
                    self.say(f"Cannot play {short_id(self.current)}: {player.error}", "error")
        if self._ticker is not None:
            if player.state is PlayerState.PLAYING:
                self._ticker.resume()
            else:
                self._ticker.pause()
        self._render()

    def _tick(self) -> None:
        playing = self.player is not None and self.player.state is PlayerState.PLAYING
        if not playing and self._ticker is not None:
            self._ticker.pause()
        self._render()

    def say(self, message: str, level: SeverityLevel = "information") -> None:
        """One line in the bar (if it is showing) and as a notification."""
        message = self.session.redact(" ".join(message.split()))
        self.shown.message, self.shown.level = message, level
        self.session.note(message, level)
        self._render()

    def _say_no_audio(self, recording: Recording | None) -> None:
        if recording is not None:
            self.shown.recording = recording
        self.shown.status = "no-audio"
        output = self.player.output if self.player is not None else None
        reason = f" ({output[1]})" if output is not None and output[1] else ""
        self.say(NO_AUDIO_MESSAGE + reason, "warning")

    def view(self) -> BarView | None:
        """What the bar should show now (None before anything was played or saved)."""
        if self.player is None:
            return None
        return bar_view(
            self.shown, self.player, self._downloads, self.current, self.current_original
        )

    def _render(self) -> None:
        if self._closed:
            return
        view = self.view()
        if view is not None:
            with contextlib.suppress(Exception):  # the bar is gone while the app shuts down
                self.bar.show(view)
