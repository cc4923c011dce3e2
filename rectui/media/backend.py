"""Where PCM goes: one output stream per recording, through PortAudio, or simpleaudio as a fallback.

The player writes a whole recording into a single open stream, so no chunk boundary reaches the
listener (on a paced sound server every newly opened stream starts with the server's buffer to
fill, and simpleaudio's `wait_done` returns only once it has drained: seconds of silence). Its
position comes from the stream: frames written minus the frames still queued in the device.

`PortAudioBackend` (sounddevice's RawOutputStream, blocking writes) is the real thing.
`SimpleaudioBackend` plays each write as its own buffer, which leaves a gap at every write on a
paced server; it is used only where PortAudio cannot load, and the player bar says so.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .device import NO_OUTPUT, audio_output_available, silence_alsa_errors

LATENCY_S = 2.0
"""What the PortAudio stream buffers (it lives in the sound server, for the ALSA pulse plugin).
On a busy 2-core machine (load 10) the player's thread was seen not running for up to 0.9 s (the
whole process descheduled, or waiting for the GIL behind the UI's thread), which emptied the
0.3 s buffer of old: an audible gap. Pause and volume do not wait for it to play out: the player
takes back what it holds (rectui.media.player)."""


class BackendError(Exception):
    """The audio output failed; the message is one line."""


class OutputStream(Protocol):
    rate: int
    channels: int
    block_frames: int
    """How many frames the player should write at a time."""

    def write(self, pcm: bytes) -> None:
        """Queue s16le frames, blocking while the device's buffer is full (the player writes
        when room_frames() says there is room, so hardly ever). Raises BackendError when the
        device fails or disappears."""

    def room_frames(self) -> int:
        """Frames write() takes now without blocking."""

    def queued_frames(self) -> int:
        """Frames written but not heard yet (the device's latency right now)."""

    def drain(self, interrupted: Callable[[], bool] = lambda: False) -> bool:
        """Let what is queued play out, then idle until the next write (pause, the end);
        False, with the rest still queued, as soon as `interrupted()` says so."""

    def flush(self) -> None:
        """Drop what is queued (seek, stop)."""

    def close(self) -> None:
        """Drop what is queued and release the device; safe to call twice."""


class AudioBackend(Protocol):
    @property
    def name(self) -> str:
        """The audio library, e.g. "PortAudio", or the fallback and why."""

    @property
    def note(self) -> str:
        """What the player bar says about it: "" when all is as it should be."""

    def available(self, device: str | None = None) -> tuple[bool, str]:
        """(True, what) if `device` (None: the default output) can play, else (False, why)."""

    def devices(self, rescan: bool = False) -> list[str]:
        """Names of the output devices (for choosing one); `rescan` looks again for devices
        plugged in since (only while no stream is open)."""

    def open(self, rate: int, channels: int, device: str | None = None) -> OutputStream:
        """An output stream for s16le PCM; raises BackendError."""


def _exception_text(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# -- PortAudio ----------------------------------------------------------------------------------


def _device_failed(exc: BaseException) -> BackendError:
    """PortAudio's "Unanticipated host error [PaErrorCode -9999]: '' [<host API not found>
    error 0]" is what a device that went away looks like: say that, keep its first words."""
    text = _exception_text(exc)
    head = text.split(" [PaErrorCode")[0]
    return BackendError(f"the audio device went away or stopped working ({head})")


def _sounddevice() -> Any:
    """The sounddevice module; importing it loads libportaudio and initialises PortAudio, which
    probes every ALSA device, so ALSA is silenced first."""
    silence_alsa_errors()
    import sounddevice

    return sounddevice


class PortAudioStream:
    def __init__(self, sd: Any, rate: int, channels: int, device: str | None):
        self.rate, self.channels = rate, channels
        self.block_frames = max(1, rate // 50)  # 20 ms: the position moves in small steps
        try:
            self._stream = sd.RawOutputStream(
                samplerate=rate,
                channels=channels,
                dtype="int16",
                device=device,
                latency=LATENCY_S,
            )
            self._stream.start()
            # Free space in an empty buffer: the buffer's size, against which write_available
            # tells what is still queued.
            self._capacity = int(self._stream.write_available)
        except Exception as exc:
            raise BackendError(_exception_text(exc)) from None
        self._queued = 0

    def write(self, pcm: bytes) -> None:
        try:
            if not self._stream.active:
                self._stream.start()
            self._stream.write(pcm)  # releases the GIL while it waits for room
        except Exception as exc:
            raise _device_failed(exc) from None
        self._queued += len(pcm) // (2 * self.channels)

    def room_frames(self) -> int:
        try:
            room = int(self._stream.write_available)
        except Exception as exc:
            raise _device_failed(exc) from None
        self._queued = max(0, self._capacity - room)
        return room

    def queued_frames(self) -> int:
        """As of the last room_frames(), plus what was written since."""
        return self._queued

    def drain(self, interrupted: Callable[[], bool] = lambda: False) -> bool:
        # Pa_StopStream returns once the sound server has the frames, not once they were heard
        # (through ALSA -> PulseAudio the last quarter second was lost): wait for the buffer to
        # empty first, bounded in case the device stops answering.
        deadline = time.monotonic() + 4 * LATENCY_S + 1
        while time.monotonic() < deadline:
            if interrupted():
                return False
            try:
                if self.room_frames() >= self._capacity:
                    break
            except BackendError:
                break  # an underrun: nothing is left to play
            time.sleep(0.005)
        try:
            self._stream.stop()
        except Exception as exc:
            raise BackendError(_exception_text(exc)) from None
        self._queued = 0
        return True

    def flush(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.abort()
        self._queued = 0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.abort()
        with contextlib.suppress(Exception):
            self._stream.close()
        self._queued = 0


class PortAudioBackend:
    name = "PortAudio"
    note = ""

    def __init__(self) -> None:
        self._sd = _sounddevice()  # raises where libportaudio is missing: see default_backend()

    def devices(self, rescan: bool = False) -> list[str]:
        if rescan:  # PortAudio lists devices once, when it starts: start it again
            with contextlib.suppress(Exception):
                self._sd._terminate()
                self._sd._initialize()
        try:
            found = self._sd.query_devices()
        except Exception:
            return []
        return [d["name"] for d in found if d.get("max_output_channels", 0) > 0]

    def available(self, device: str | None = None) -> tuple[bool, str]:
        try:
            info = self._sd.query_devices(device, "output")
        except Exception as exc:
            if device:
                return False, f"no output device {device!r} ({_exception_text(exc)})"
            return False, "no output device (PortAudio finds no sound card or sound server)"
        return True, str(info["name"])

    def open(self, rate: int, channels: int, device: str | None = None) -> PortAudioStream:
        return PortAudioStream(self._sd, rate, channels, device)


# -- simpleaudio (the fallback) -----------------------------------------------------------------


class SimpleaudioStream:
    """Each write is a simpleaudio buffer of its own: it waits for the previous buffer to end,
    then starts the next. The device is reopened at every write, hence the large blocks."""

    def __init__(self, rate: int, channels: int, clock: Callable[[], float]):
        self.rate, self.channels = rate, channels
        self.block_frames = rate  # one second
        self._clock = clock
        self._play: Any = None
        self._end = 0.0
        self._stopped = threading.Event()

    def write(self, pcm: bytes) -> None:
        self._wait()
        silence_alsa_errors()
        try:
            import simpleaudio

            self._play = simpleaudio.play_buffer(pcm, self.channels, 2, self.rate)
        except Exception as exc:  # SimpleaudioError, ValueError, ImportError...
            raise BackendError(_exception_text(exc)) from None
        self._stopped.clear()
        self._end = self._clock() + len(pcm) / (self.channels * 2 * self.rate)

    def room_frames(self) -> int:
        # Room for the next buffer once the current one is about to end.
        return self.block_frames if self.queued_frames() <= self.rate // 50 else 0

    def _wait(self, interrupted: Callable[[], bool] = lambda: False) -> None:
        # Sleep until just before the buffer should end, then poll finely (wait_done polls
        # every 50 ms, which would add up to 50 ms of silence).
        play = self._play
        while (
            play is not None
            and not self._stopped.is_set()
            and play.is_playing()
            and not interrupted()
        ):
            remaining = self._end - self._clock()
            self._stopped.wait(min(remaining - 0.03, 0.1) if remaining > 0.035 else 0.002)

    def queued_frames(self) -> int:
        if self._play is None or self._stopped.is_set():
            return 0
        return max(0, int((self._end - self._clock()) * self.rate))

    def drain(self, interrupted: Callable[[], bool] = lambda: False) -> bool:
        self._wait(interrupted)
        return not interrupted()

    def flush(self) -> None:
        self._stopped.set()
        if self._play is not None:
            with contextlib.suppress(Exception):
                self._play.stop()

    def close(self) -> None:
        self.flush()


class SimpleaudioBackend:
    def __init__(self, reason: str = "", clock: Callable[[], float] = time.monotonic):
        self.name = f"simpleaudio ({reason})" if reason else "simpleaudio"
        self.note = "simpleaudio fallback"
        self._clock = clock

    def devices(self, rescan: bool = False) -> list[str]:
        return []  # always ALSA's default

    def available(self, device: str | None = None) -> tuple[bool, str]:
        return audio_output_available()

    def open(self, rate: int, channels: int, device: str | None = None) -> SimpleaudioStream:
        return SimpleaudioStream(rate, channels, self._clock)


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Neither PortAudio nor simpleaudio: every play says why."""

    reason: str
    name: str = "no audio library"
    note: str = ""

    def devices(self, rescan: bool = False) -> list[str]:
        return []

    def available(self, device: str | None = None) -> tuple[bool, str]:
        return False, self.reason

    def open(self, rate: int, channels: int, device: str | None = None) -> OutputStream:
        raise BackendError(f"{NO_OUTPUT} ({self.reason})")


def default_backend() -> AudioBackend:
    """PortAudio if it loads; else simpleaudio, named with the reason in the player bar."""
    try:
        return PortAudioBackend()
    except Exception as exc:  # OSError: libportaudio2 missing; ImportError: no sounddevice
        reason = f"PortAudio unavailable: {_exception_text(exc)}"
    try:
        import simpleaudio  # noqa: F401
    except Exception as exc:
        return Unavailable(f"{reason}; simpleaudio unavailable: {_exception_text(exc)}")
    return SimpleaudioBackend(f"fallback, {reason}")
