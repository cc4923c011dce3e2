"""A player with pause, seek, speed, volume and a choice of device, on one output stream.

Playing a recording is one session thread: it streams PCM from ffmpeg and writes it, a block at
a time, into a single open output stream (rectui.media.backend), so nothing between blocks
reaches the listener. The device holds seconds of sound, so that a busy machine (a stalled
process, a held GIL) never starves it; a pause or a volume change therefore takes back what the
device holds and has not played yet and writes it again: faded out over a few milliseconds and
kept for the resume (which fades in from the very next frame), or at the new level. Seek,
a speed change and a device change restart the decoder at the position heard (ffmpeg seeks the
input, so an hour-long file seeks as fast as a short one) and drop what the device holds.

The position is the stream's own clock: frames written minus the frames the device still holds,
times the speed, from where the decoder started. Between two looks at the device it moves on
with the clock given to the player, never beyond what was written.

Every public method is thread-safe and returns at once. Device and decoding problems never raise
into the caller: they set `state` to ERROR and `error` to a one-line message.
"""

from __future__ import annotations

import array
import contextlib
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from .backend import LATENCY_S, AudioBackend, BackendError, OutputStream, default_backend
from .cache import MediaCache
from .decode import SAMPLE_WIDTH, MediaInfo, open_playback_stream, probe
from .device import NO_OUTPUT
from .errors import DecodeError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

VOLUME_MAX = 150
VOLUME_STEP = 10
SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
FADE_S = 0.005
"""Pause and resume ramp the level over this long: a cut mid-waveform is an audible click."""
BACKEND_WAIT_S = 10.0
STALE_S = 0.15


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


StreamFactory = Callable[[Path, float, MediaInfo | None, float], PcmSource]
"""(path, start seconds, probe result if there is one yet, speed) -> s16le PCM from there."""


def scale_volume(pcm: bytes, percent: int) -> bytes:
    """16-bit samples times percent/100, clipped (audioop saturates rather than wrapping)."""
    if percent == 100:
        return pcm
    if percent <= 0:
        return bytes(len(pcm))
    return audioop.mul(pcm, SAMPLE_WIDTH, percent / 100)


def ramp(pcm: bytes, channels: int, rising: bool) -> bytes:
    """`pcm` faded linearly in (rising) or out over its length."""
    samples = array.array("h", pcm)
    frames = len(samples) // max(1, channels)
    for frame in range(frames):
        gain = (frame + 1) / frames if rising else (frames - frame - 1) / frames
        for index in range(frame * channels, (frame + 1) * channels):
            samples[index] = int(samples[index] * gain)
    return samples.tobytes()


def next_speed(speed: float, steps: int) -> float:
    """The speed `steps` steps up (or down) the SPEEDS ladder, held at its ends."""
    nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
    return SPEEDS[max(0, min(len(SPEEDS) - 1, nearest + steps))]


@dataclass(slots=True)
class _Segment:
    """What the stream plays now: the decoder started at `start` seconds at `speed`."""

    start: float
    speed: float
    rate: int
    written: int = 0
    """Frames written into the stream since."""
    heard: float = 0.0
    """Frames played by `sampled` (by the clock given to the player)."""
    sampled: float = 0.0
    running: bool = True
    """False once drained (paused, or at the end): the device plays nothing until written to."""
    reported: float = 0.0
    """Frames played, as the device last said."""
    step: float = 0.0
    """The largest move of the device's report at once: how coarsely it reports."""

    def heard_at(self, now: float) -> float:
        """The device keeps playing what it holds between two looks at it."""
        if not self.running:
            return self.heard
        return min(float(self.written), self.heard + max(0.0, now - self.sampled) * self.rate)

    def update(self, queued: int, now: float, running: bool = True) -> None:
        """What the device says it still holds. A sound server may report it in steps (the
        ALSA pulse plugin moves on only when the server asks for more: every 80 ms with a
        0.3 s buffer, every 0.5 s with 2 s). A report that moved is fresh and believed; one
        that did not is stale while the clock's estimate is ahead of it by less than a step
        (before the first step, less than the buffer), and past that the device stalled."""
        reported = float(self.written - queued)
        moved = reported != self.reported
        if running and moved:  # (a drain or a take-back empties the device at once)
            self.step = max(self.step, reported - self.reported)
        self.reported = reported
        estimate = self.heard_at(now)
        window = max(STALE_S * self.rate, 1.5 * self.step) if self.step else LATENCY_S * self.rate
        stale = not moved and 0 <= estimate - reported < window
        self.heard = estimate if stale else reported
        self.sampled, self.running = now, running


class _Ahead:
    """The PCM a session writes (before the volume is applied), reading from the decoder, and
    the part of it the device may still hold: what a take-back gives out again first."""

    def __init__(self, source: PcmSource):
        self._source = source
        self._frame = source.channels * SAMPLE_WIDTH
        self._recent = bytearray()
        """The latest PCM written, at least what the device can hold."""
        self._again = bytearray()
        """Taken back from the device: read before the decoder."""

    def read(self, nbytes: int) -> bytes:
        if self._again:
            pcm = bytes(self._again[:nbytes])
            del self._again[:nbytes]
            return pcm
        return self._source.read(nbytes)

    def written(self, pcm: bytes) -> None:
        self._recent += pcm
        keep = int(self._source.rate * (LATENCY_S + 1)) * self._frame
        if len(self._recent) > 2 * keep:  # trimmed now and then, not at every block
            del self._recent[:-keep]

    def unplayed(self, frames: int) -> None:
        """The last `frames` written were dropped from the device: give them out again."""
        cut = max(0, len(self._recent) - frames * self._frame)
        self._again[:0] = self._recent[cut:]
        del self._recent[cut:]

    def heard_all(self) -> None:
        self._recent.clear()


class Player:
    """See the module docstring. `on_change(player)` is called after every state, duration,
    volume, speed or device change, from whichever thread made it (often a player thread): in
    Textual, forward it with `call_later` or `post_message`, and read `position` on a timer."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        backend: AudioBackend | None = None,
        cache: MediaCache | None = None,
        on_change: Callable[[Player], None] | None = None,
        stream_factory: StreamFactory = open_playback_stream,
        prober: Callable[[Path], MediaInfo] = probe,
        speed: float = 1.0,
        device: str | None = None,
    ):
        self.on_change = on_change
        self._clock = clock
        self._backend = backend
        self._backend_ready = threading.Event()
        self._cache = cache
        self._stream_factory = stream_factory
        self._prober = prober
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
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
        self._speed = next_speed(speed, 0)
        self._device = device or None
        self._gen = 0  # bumped whenever the running session must let go
        self._session: threading.Thread | None = None
        self._segment: _Segment | None = None
        self._seek_to: float | None = None
        """A position the session is asked to restart the decoder at (seek, speed, device)."""
        self._output: tuple[bool, str] | None = None
        self._preparing = False

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
    def speed(self) -> float:
        """One of SPEEDS; kept from one recording to the next."""
        return self._speed

    @property
    def device(self) -> str | None:
        """The output device asked for; None is the system's default."""
        return self._device

    @property
    def output(self) -> tuple[bool, str] | None:
        """(True, what) / (False, why) once the audio device has been checked; None before."""
        return self._output

    @property
    def backend_name(self) -> str:
        """The audio library in use ("PortAudio", or the simpleaudio fallback and why)."""
        return self._backend.name if self._backend is not None else ""

    @property
    def backend_note(self) -> str:
        """What the player bar says about the library: "" unless it is the fallback."""
        return self._backend.note if self._backend is not None else ""

    @property
    def position(self) -> float:
        with self._lock:
            return self._now()

    def devices(self) -> list[str]:
        """The output devices there are now (blocking: the audio library may look afresh)."""
        backend = self._wait_backend()
        if backend is None:
            return []
        with self._lock:
            idle = not self._alive()
        return backend.devices(rescan=idle)

    # -- commands -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Load the audio library and find out whether there is a device, in a thread of its
        own, so that the UI can say so before the first play and the first play does not pay
        for it. Not done at construction: the import holds the interpreter for 60-90 ms, which
        an app's first frame should not wait for. A play that comes first prepares itself."""
        with self._lock:
            if self._preparing:
                return
            self._preparing = True
        try:
            threading.Thread(
                target=self._load_backend, name="rectui-audio-check", daemon=True
            ).start()
        except RuntimeError:  # no thread to be had: the next play asks again
            with self._lock:
                self._preparing = False
            raise

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
            elif self._state is PlayerState.PAUSED and self._alive():
                self._state = PlayerState.PLAYING
                self._wake.notify_all()
            else:
                start = self._now()
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
            self._state = PlayerState.PAUSED
            if not self._alive():
                self._position = self._now()
            self._wake.notify_all()
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
            if at_end and self._state is PlayerState.PLAYING:
                self._halt()
                self._position = target
                self._state = PlayerState.FINISHED
            elif self._alive():
                self._restart_at(target)
            else:
                self._position = target
                if self._state in (PlayerState.STOPPED, PlayerState.FINISHED):
                    self._state = PlayerState.FINISHED if at_end else PlayerState.PAUSED
        self._notify()

    def seek_relative(self, delta: float) -> None:
        with self._lock:
            self.seek(self._now() + delta)

    def set_volume(self, percent: float) -> None:
        """0–150 %, in steps of 10; heard at once (what the device holds is written again at
        the new level)."""
        level = max(0, min(VOLUME_MAX, round(percent / VOLUME_STEP) * VOLUME_STEP))
        with self._lock:
            if level == self._volume:
                return
            self._volume = level
            self._wake.notify_all()
        self._notify()

    def change_volume(self, delta: int = VOLUME_STEP) -> None:
        with self._lock:
            self.set_volume(self._volume + delta)

    def set_speed(self, speed: float) -> None:
        """One of SPEEDS (the nearest is taken); the pitch stays. What plays carries on from
        the position heard at the new speed."""
        speed = next_speed(speed, 0)
        with self._lock:
            if speed == self._speed:
                return
            self._speed = speed
            if self._alive():
                self._restart_at(self._now())
        self._notify()

    def change_speed(self, steps: int) -> None:
        with self._lock:
            self.set_speed(next_speed(self._speed, steps))

    def set_device(self, device: str | None) -> None:
        """Play on `device` (None: the default) from now on; what plays moves over at once."""
        device = device or None
        with self._lock:
            if device == self._device:
                return
            self._device = device
            self._output = None
            if self._alive():
                self._restart_at(self._now())  # the session opens a stream on the new device
        threading.Thread(target=self._check_output, name="rectui-audio-check", daemon=True).start()
        self._notify()

    def close(self, timeout: float = 2.0) -> None:
        """Stop, release the cached file and wait (bounded) for the player threads."""
        with self._lock:
            self._halt()
            session = self._session
            if self._path is not None and self._cache is not None:
                self._cache.unpin(self._path)
            self._path = None
            self._state = PlayerState.STOPPED
        if session is not None and session is not threading.current_thread():
            session.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the current session thread to end; True if none is running."""
        with self._lock:
            session = self._session
        if session is not None:
            session.join(timeout)
            return not session.is_alive()
        return True

    # -- internals (call with the lock held unless said otherwise) ------------------------------

    def _alive(self) -> bool:
        return self._session is not None and self._session.is_alive()

    def _now(self) -> float:
        segment = self._segment
        if self._seek_to is not None:
            position = self._seek_to
        elif segment is not None:
            heard = segment.heard_at(self._clock())
            position = segment.start + heard * segment.speed / segment.rate
        else:
            position = self._position
        if self._duration is not None:
            position = min(position, self._duration)
        return max(0.0, position)

    def _halt(self) -> None:
        if self._segment is not None or self._seek_to is not None:
            self._position = self._now()
        self._gen += 1
        self._segment = None
        self._seek_to = None
        self._wake.notify_all()

    def _restart_at(self, target: float) -> None:
        self._seek_to = target
        self._wake.notify_all()

    def _start(self, position: float) -> None:
        previous = self._session
        self._halt()
        self._state, self._error = PlayerState.PLAYING, None
        self._position = position
        assert self._path is not None
        self._session = threading.Thread(
            target=self._run,
            args=(self._gen, position, previous, self._path),
            name="rectui-player",
            daemon=True,
        )
        self._session.start()

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

    def _wait_backend(self) -> AudioBackend | None:
        self.prepare()  # unless done already: a play may come before the UI prepared
        self._backend_ready.wait(BACKEND_WAIT_S)
        return self._backend

    def _load_backend(self) -> None:
        try:
            if self._backend is None:
                self._backend = default_backend()
        finally:
            self._backend_ready.set()
        self._check_output()

    def _check_output(self) -> None:
        backend = self._wait_backend()
        device = self._device
        try:
            result = backend.available(device) if backend else (False, "no audio library")
        except Exception as exc:
            result = (False, f"cannot check the audio device: {exc}")
        with self._lock:
            if device != self._device:
                return  # another device was chosen meanwhile; its own check answers
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

    def _run(self, gen: int, start: float, previous: threading.Thread | None, path: Path) -> None:
        stream: OutputStream | None = None
        source: PcmSource | None = None
        try:
            if previous is not None:
                previous.join(5.0)  # never two streams on the device at once
            backend = self._wait_backend()
            with self._lock:
                if gen != self._gen:
                    return
                # The probe runs alongside: playback does not wait for it (the decoder reports
                # the format itself), it only uses its answer when it is already there.
                info, problem = self._info, self._probe_error
                speed, device = self._speed, self._device
            if problem:
                self._fail(gen, problem)
                return
            if backend is None:
                self._fail(gen, f"{NO_OUTPUT} (the audio library did not load)")
                return
            ok, reason = backend.available(device)
            self._output = (ok, reason)
            if not ok:
                self._fail(gen, f"{NO_OUTPUT} ({reason})")
                return
            target: float | None = start
            faded = False  # a recording starts as it is; after a pause, sound fades in
            while target is not None:
                if source is not None:
                    source.close()
                source = self._stream_factory(path, target, info, speed)
                fits = stream is not None and (stream.rate, stream.channels) == (
                    source.rate,
                    source.channels,
                )
                if stream is not None and not fits:
                    stream.close()
                    stream = None
                if stream is None:
                    stream = backend.open(source.rate, source.channels, device)
                with self._lock:
                    if gen != self._gen:
                        return
                    # How coarsely the device reports is learnt once per stream.
                    step = self._segment.step if self._segment is not None else 0.0
                    self._segment = _Segment(
                        target, speed, source.rate, sampled=self._clock(), step=step
                    )
                    if self._seek_to == target:
                        self._seek_to = None  # done (unless another seek came meanwhile)
                request, faded = self._pump(gen, source, stream, faded)
                with self._lock:
                    if request is None and gen == self._gen and self._seek_to is not None:
                        # A seek that came while the end was playing out: not the end, then.
                        request = (self._seek_to, self._speed, self._device)
                target = None
                if request is not None:
                    target, speed, new_device = request
                    stream.flush()
                    if new_device != device:
                        stream.close()
                        stream, device = None, new_device
            self._finish(gen, source, path)
        except BackendError as exc:
            self._fail(gen, f"audio output failed: {exc}")
        except DecodeError as exc:
            self._fail(gen, str(exc))
        except Exception as exc:  # the thread must report, never die silently
            self._fail(gen, f"playback failed: {type(exc).__name__}: {exc}")
        finally:
            if source is not None:
                source.close()
            if stream is not None:
                stream.close()

    def _pump(
        self, gen: int, source: PcmSource, stream: OutputStream, faded: bool
    ) -> tuple[tuple[float, float, str | None] | None, bool]:
        """Decode and write until the end (None) or a restart is asked for: (position, speed,
        device); returns None at once when the player lets go of this session. `faded`: the
        sound written last was faded out (a pause), so what comes next fades in; returned as
        it is at the end, for the next segment.

        The device holds seconds of sound (LATENCY_S), so a pause or a volume change does not
        wait for it to play out: what it holds but has not played is taken back (dropped from
        the device, kept here) and written again, faded out and in, or at the new level."""
        frame = source.channels * SAMPLE_WIDTH
        block = stream.block_frames * frame
        fade = max(1, int(source.rate * FADE_S)) * frame
        ahead = _Ahead(source)
        written_at = None  # the volume of what the device holds
        while True:
            with self._lock:
                if gen != self._gen:
                    return None, faded
                if self._seek_to is not None:
                    # Left set until the new segment is in place: `position` says the target.
                    return (self._seek_to, self._speed, self._device), faded
                playing = self._state is PlayerState.PLAYING
                volume = self._volume
            if not playing:
                if not faded:
                    self._take_back(gen, stream, ahead)
                    tail = scale_volume(ahead.read(fade), volume)
                    self._write(gen, stream, ramp(tail, source.channels, rising=False))
                    faded = True
                    stream.drain()
                    self._sample(gen, stream, running=False)
                    ahead.heard_all()
                with self._lock:
                    self._wake.wait_for(
                        lambda: (
                            gen != self._gen
                            or self._seek_to is not None
                            or self._state is PlayerState.PLAYING
                        )
                    )
                continue
            if written_at is not None and volume != written_at:
                self._take_back(gen, stream, ahead)
            if stream.room_frames() < stream.block_frames:
                # The device is full: wait about a block's time, or less if a command comes.
                with self._lock:
                    if gen == self._gen and self._seek_to is None:
                        self._wake.wait(stream.block_frames / source.rate)
                self._sample(gen, stream)
                continue
            pcm = ahead.read(block)
            if not pcm:
                # Seconds may be left to play: a stop or a seek does not wait for them.
                if stream.drain(lambda: self._letting_go(gen)):
                    self._sample(gen, stream, running=False)
                return None, faded
            ahead.written(pcm)
            pcm, written_at = scale_volume(pcm, volume), volume
            if faded:
                pcm = ramp(pcm[:fade], source.channels, rising=True) + pcm[fade:]
                faded = False
            self._write(gen, stream, pcm)

    def _letting_go(self, gen: int) -> bool:
        """The session is to stop, or to restart elsewhere (any thread)."""
        with self._lock:
            return gen != self._gen or self._seek_to is not None

    def _take_back(self, gen: int, stream: OutputStream, ahead: _Ahead) -> None:
        """Drop what the device holds and has not played yet; `ahead` gives it out again."""
        stream.room_frames()  # a fresh look at the device
        self._sample(gen, stream)
        with self._lock:
            segment = self._segment
            if gen != self._gen or segment is None:
                return
            now = self._clock()
            unheard = round(segment.written - segment.heard_at(now))
            stream.flush()
            segment.written -= unheard
            segment.update(0, now, running=False)
        ahead.unplayed(unheard)

    def _write(self, gen: int, stream: OutputStream, pcm: bytes) -> None:
        stream.write(pcm)
        frames = len(pcm) // (stream.channels * SAMPLE_WIDTH)
        with self._lock:
            if gen == self._gen and self._segment is not None:
                self._segment.written += frames
        self._sample(gen, stream)

    def _sample(self, gen: int, stream: OutputStream, running: bool = True) -> None:
        queued = stream.queued_frames()
        with self._lock:
            if gen == self._gen and self._segment is not None:
                self._segment.update(queued, self._clock(), running)

    def _finish(self, gen: int, source: PcmSource | None, path: Path) -> None:
        trouble = source.error() if source is not None else None
        with self._lock:
            if gen != self._gen:
                return
            segment = self._segment
            produced = segment is not None and (segment.written > 0 or segment.start > 0)
            end = self._now()
            self._segment = None
            if trouble and not produced:
                self._halt()
                self._state = PlayerState.ERROR
                self._error = f"cannot decode {path.name}: {trouble}"
            else:
                if self._duration is None:
                    self._duration = end
                self._position = self._duration
                self._state = PlayerState.FINISHED
        self._notify()
