"""A player with pause, seek, position and volume on top of a play-a-buffer backend.

Playing is a feeder thread that streams PCM from ffmpeg and hands it to the backend a chunk at a
time, decoding the next chunk while the current one plays. Pause and stop stop the current
buffer; seek starts a new feeder at the new position (ffmpeg seeks the input, so an hour-long
file seeks as fast as a short one); a volume change replays the rest of the current chunk at the
new level. The position comes from the player's own clock, not the device (simpleaudio cannot
say, and the ALSA file sink used in tests is not paced).

Every public method is thread-safe and returns at once. Device and decoding problems never raise
into the caller: they set `state` to ERROR and `error` to a one-line message.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from .backend import AudioBackend, BackendError, PlayHandle
from .cache import MediaCache
from .decode import SAMPLE_WIDTH, MediaInfo, open_playback_stream, probe
from .device import NO_OUTPUT
from .errors import DecodeError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

VOLUME_MAX = 150
VOLUME_STEP = 10
DEFAULT_CHUNKS = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Seconds per chunk; the last repeats. The first is short so sound starts quickly; later ones
are long because every chunk boundary reopens the device (a few ms of silence)."""


class PlayerState(StrEnum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"
    FINISHED = "finished"
    ERROR = "error"


class PcmSource(Protocol):
    rate: int
    channels: int

    def read(self, nbytes: int) -> bytes: ...
    def error(self) -> str | None: ...
    def close(self) -> None: ...


StreamFactory = Callable[[Path, float, MediaInfo | None], PcmSource]
"""(path, start seconds, probe result if there is one yet) -> playable s16le PCM from there."""


def scale_volume(pcm: bytes, percent: int) -> bytes:
    """16-bit samples times percent/100, clipped (audioop saturates rather than wrapping)."""
    if percent == 100:
        return pcm
    if percent <= 0:
        return bytes(len(pcm))
    return audioop.mul(pcm, SAMPLE_WIDTH, percent / 100)


class Player:
    """See the module docstring. `on_change(player)` is called after every state, duration or
    volume change, from whichever thread made it (often a player thread): in Textual, forward it
    with `app.call_from_thread` or `post_message`, and read `position` on a timer."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        backend: AudioBackend | None = None,
        cache: MediaCache | None = None,
        on_change: Callable[[Player], None] | None = None,
        stream_factory: StreamFactory = open_playback_stream,
        prober: Callable[[Path], MediaInfo] = probe,
        chunk_seconds: Sequence[float] = DEFAULT_CHUNKS,
    ):
        if backend is None:
            from .backend import SimpleaudioBackend

            backend = SimpleaudioBackend()
        self.on_change = on_change
        self._clock = clock
        self._backend = backend
        self._cache = cache
        self._stream_factory = stream_factory
        self._prober = prober
        self._chunk_seconds = tuple(chunk_seconds) or DEFAULT_CHUNKS
        self._lock = threading.RLock()
        self._path: Path | None = None
        self._title = ""
        self._duration: float | None = None
        self._info: MediaInfo | None = None
        self._probe_error: str | None = None
        self._load_id = 0
        self._state = PlayerState.STOPPED
        self._error: str | None = None
        self._position = 0.0
        self._volume = 100
        self._gen = 0  # bumped whenever the running feeder must let go
        self._feeder: threading.Thread | None = None
        self._handle: PlayHandle | None = None
        self._chunk: tuple[float, float, float] | None = None  # (position, started, seconds)
        self._replay = False
        self._output: tuple[bool, str] | None = None
        # Find out now whether there is an audio device, so the UI can say so before the first
        # play, and the first play does not pay for opening the device twice.
        threading.Thread(target=self._check_output, name="rectui-audio-check", daemon=True).start()

    # -- what the UI reads ----------------------------------------------------------------------

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def title(self) -> str:
        return self._title

    @property
    def duration(self) -> float | None:
        """Seconds: the hint given to load() until the file has been probed, then the file's."""
        return self._duration

    @property
    def info(self) -> MediaInfo | None:
        return self._info

    @property
    def volume(self) -> int:
        """Percent, 0–150."""
        return self._volume

    @property
    def output(self) -> tuple[bool, str] | None:
        """(True, what) / (False, why) once the audio device has been checked; None before."""
        return self._output

    @property
    def position(self) -> float:
        with self._lock:
            return self._now()

    # -- commands -------------------------------------------------------------------------------

    def load(self, path: Path | str, title: str = "", duration: float | None = None) -> None:
        """Make `path` the current recording (stopping whatever plays); probing runs in the
        background and fills in `duration`. Does not start playing."""
        with self._lock:
            self._halt()
            self._repin(Path(path))
            self._path = Path(path)
            self._title = title
            self._duration = duration
            self._info = None
            self._probe_error = None
            self._load_id += 1
            self._state = PlayerState.STOPPED
            self._error = None
            self._position = 0.0
            threading.Thread(
                target=self._probe,
                args=(self._load_id, self._path),
                name="rectui-probe",
                daemon=True,
            ).start()
        self._notify()

    def play(self) -> None:
        """Start or resume; after the end, start again from the beginning."""
        with self._lock:
            if self._path is None or self._state is PlayerState.PLAYING:
                return
            if self._probe_error:
                self._state, self._error = PlayerState.ERROR, self._probe_error
            else:
                start = self._position
                if self._state is PlayerState.FINISHED or (
                    self._duration is not None and start >= self._duration
                ):
                    start = 0.0
                self._start(start)
        self._notify()

    def pause(self) -> None:
        with self._lock:
            if self._state is not PlayerState.PLAYING:
                return
            position = self._now()
            self._halt()
            self._position = position
            self._state = PlayerState.PAUSED
        self._notify()

    def toggle(self) -> None:
        with self._lock:
            playing = self._state is PlayerState.PLAYING
        self.pause() if playing else self.play()

    def stop(self) -> None:
        """Stop and rewind to the start."""
        with self._lock:
            if self._path is None:
                return
            self._halt()
            self._position = 0.0
            if self._probe_error:
                self._state, self._error = PlayerState.ERROR, self._probe_error
            else:
                self._state, self._error = PlayerState.STOPPED, None
        self._notify()

    def seek(self, seconds: float) -> None:
        """Jump to `seconds` (clamped to the recording). Keeps playing if it was playing."""
        with self._lock:
            if self._path is None:
                return
            target = max(0.0, float(seconds))
            at_end = False
            if self._duration is not None:
                target = min(target, self._duration)
                at_end = target >= self._duration
            if self._state is PlayerState.PLAYING:
                if at_end:
                    self._halt()
                    self._position = target
                    self._state = PlayerState.FINISHED
                else:
                    self._start(target)
            else:
                self._position = target
                if self._state in (PlayerState.STOPPED, PlayerState.FINISHED):
                    self._state = PlayerState.FINISHED if at_end else PlayerState.PAUSED
        self._notify()

    def seek_relative(self, delta: float) -> None:
        with self._lock:
            self.seek(self._now() + delta)

    def set_volume(self, percent: float) -> None:
        """0–150 %, in steps of 10; applies to what is playing within milliseconds."""
        level = max(0, min(VOLUME_MAX, round(percent / VOLUME_STEP) * VOLUME_STEP))
        with self._lock:
            if level == self._volume:
                return
            self._volume = level
            if self._state is PlayerState.PLAYING and self._handle is not None:
                self._replay = True  # the feeder replays the rest of the chunk at the new level
                self._handle.stop()
        self._notify()

    def change_volume(self, delta: int = VOLUME_STEP) -> None:
        with self._lock:
            self.set_volume(self._volume + delta)

    def close(self, timeout: float = 2.0) -> None:
        """Stop, release the cached file and wait (bounded) for the player threads."""
        with self._lock:
            self._halt()
            feeder = self._feeder
            if self._path is not None and self._cache is not None:
                self._cache.unpin(self._path)
            self._path = None
            self._state = PlayerState.STOPPED
        if feeder is not None and feeder is not threading.current_thread():
            feeder.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the current feeder thread to end; True if none is running."""
        with self._lock:
            feeder = self._feeder
        if feeder is not None:
            feeder.join(timeout)
            return not feeder.is_alive()
        return True

    # -- internals (call with the lock held unless said otherwise) ------------------------------

    def _now(self) -> float:
        if self._state is PlayerState.PLAYING and self._chunk is not None:
            started_at, started, seconds = self._chunk
            position = started_at + min(max(0.0, self._clock() - started), seconds)
        else:
            position = self._position
        if self._duration is not None:
            position = min(position, self._duration)
        return max(0.0, position)

    def _halt(self) -> None:
        self._gen += 1
        self._replay = False
        if self._handle is not None:
            self._handle.stop()
            self._handle = None
        self._chunk = None

    def _start(self, position: float) -> None:
        previous = self._feeder
        self._halt()
        self._state, self._error = PlayerState.PLAYING, None
        self._position = position
        assert self._path is not None
        self._feeder = threading.Thread(
            target=self._feed,
            args=(self._gen, position, previous, self._path),
            name="rectui-player",
            daemon=True,
        )
        self._feeder.start()

    def _repin(self, path: Path) -> None:
        if self._cache is None:
            return
        if self._path is not None:
            self._cache.unpin(self._path)
        self._cache.pin(path)

    def _notify(self) -> None:
        """Outside the lock: a callback that blocks on the UI thread must not hold it."""
        callback = self.on_change
        if callback is not None:
            with contextlib.suppress(Exception):  # a UI bug must not kill the player thread
                callback(self)

    def _fail(self, gen: int, message: str) -> None:
        with self._lock:
            if gen != self._gen:
                return
            self._halt()
            self._state, self._error = PlayerState.ERROR, message
        self._notify()

    # -- threads --------------------------------------------------------------------------------

    def _check_output(self) -> None:
        try:
            result = self._backend.available()
        except Exception as exc:
            result = (False, f"cannot check the audio device: {exc}")
        self._output = result
        self._notify()

    def _probe(self, load_id: int, path: Path) -> None:
        info: MediaInfo | None = None
        problem: str | None = None
        try:
            info = self._prober(path)
        except DecodeError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = f"cannot read {path.name}: {exc}"
        with self._lock:
            if load_id != self._load_id:
                return
            self._info, self._probe_error = info, problem
            if info is not None:
                self._duration = info.duration
            else:
                self._halt()
                self._state, self._error = PlayerState.ERROR, problem
        self._notify()

    def _feed(self, gen: int, start: float, previous: threading.Thread | None, path: Path) -> None:
        try:
            if previous is not None:
                previous.join(5.0)  # never two buffers on the device at once
            with self._lock:
                if gen != self._gen:
                    return
                # The probe runs alongside: playback does not wait for it (the decoder reports
                # the format itself), it only uses its answer when it is already there.
                info, problem = self._info, self._probe_error
            if problem:
                self._fail(gen, problem)
                return
            ok, reason = self._backend.available()
            self._output = (ok, reason)
            if not ok:
                self._fail(gen, f"{NO_OUTPUT} ({reason})")
                return
            self._stream(gen, start, path, info)
        except DecodeError as exc:
            self._fail(gen, str(exc))
        except Exception as exc:  # the thread must report, never die silently
            self._fail(gen, f"playback failed: {type(exc).__name__}: {exc}")

    def _sizes(self, rate: int, frame: int) -> Iterator[int]:
        for seconds in self._chunk_seconds:
            yield max(1, int(seconds * rate)) * frame
        while True:
            yield max(1, int(self._chunk_seconds[-1] * rate)) * frame

    def _stream(self, gen: int, start: float, path: Path, info: MediaInfo | None) -> None:
        source = self._stream_factory(path, start, info)
        try:
            rate, channels = source.rate, source.channels
            frame = channels * SAMPLE_WIDTH
            per_second = rate * frame
            sizes = self._sizes(rate, frame)
            position = start
            chunk = source.read(next(sizes))
            produced = bool(chunk)
            while chunk:
                offset = 0
                ahead: bytes | None = None
                while True:  # play `chunk` from `offset`; loops only to replay at a new volume
                    with self._lock:
                        if gen != self._gen:
                            return
                        volume = self._volume
                    data = scale_volume(chunk[offset:], volume)
                    segment_at = position + offset / per_second
                    try:
                        handle = self._backend.play(data, channels, rate)
                    except BackendError as exc:
                        self._fail(gen, f"audio output failed: {exc}")
                        return
                    with self._lock:
                        if gen != self._gen:
                            handle.stop()
                            return
                        self._handle = handle
                        self._chunk = (segment_at, self._clock(), len(data) / per_second)
                    if ahead is None:  # decode the next chunk while this one plays
                        ahead = source.read(next(sizes))
                    handle.wait()
                    with self._lock:
                        if gen != self._gen:
                            return
                        self._handle = None
                        if self._replay:
                            self._replay = False
                            played = self._now() - segment_at
                            self._chunk = None
                            offset += int(played * rate) * frame
                            if offset < len(chunk):
                                continue
                        self._chunk = None
                        position += len(chunk) / per_second
                        self._position = position
                    break
                chunk = ahead
            trouble = source.error()
            with self._lock:
                if gen != self._gen:
                    return
                if trouble and not produced:
                    self._halt()
                    self._state = PlayerState.ERROR
                    self._error = f"cannot decode {path.name}: {trouble}"
                else:
                    if self._duration is None:
                        self._duration = position
                    self._position = self._duration
                    self._state = PlayerState.FINISHED
        finally:
            source.close()
        self._notify()
