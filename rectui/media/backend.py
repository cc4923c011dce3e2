"""Where PCM goes: the interface the player needs, and its simpleaudio implementation.

simpleaudio can only start a buffer, stop it and say whether it is still playing; everything
else (pause, seek, position, volume) is the player's job, built on these three operations.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from .device import audio_output_available, silence_alsa_errors


class PlayHandle(Protocol):
    def stop(self) -> None:
        """Stop now; callable from any thread, any number of times."""

    def wait(self) -> None:
        """Block until the buffer has played out or stop() was called."""


class AudioBackend(Protocol):
    def available(self) -> tuple[bool, str]:
        """(True, what) if play() can work here, else (False, why)."""

    def play(self, pcm: bytes, channels: int, rate: int) -> PlayHandle:
        """Start playing signed 16-bit little-endian PCM; returns at once. Raises on failure."""


class BackendError(Exception):
    """The audio output refused a buffer; the message is one line."""


class _SimpleaudioHandle:
    def __init__(self, play_object: object, seconds: float, clock: Callable[[], float]):
        self._play_object = play_object
        self._end = clock() + seconds
        self._clock = clock
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self._play_object.stop()  # type: ignore[attr-defined]

    def wait(self) -> None:
        # PlayObject.wait_done() polls every 50 ms, which would add up to 50 ms of silence
        # between chunks. Sleep until just before the buffer should end, then poll finely;
        # the device's own latency (~0.1 s in simpleaudio) is covered by the fine polling.
        while not self._stopped.is_set() and self._play_object.is_playing():  # type: ignore[attr-defined]
            remaining = self._end - self._clock()
            self._stopped.wait(min(remaining - 0.03, 0.1) if remaining > 0.035 else 0.002)


class SimpleaudioBackend:
    """Plays through simpleaudio (ALSA `default` on Linux)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock

    def available(self) -> tuple[bool, str]:
        return audio_output_available()

    def play(self, pcm: bytes, channels: int, rate: int) -> PlayHandle:
        silence_alsa_errors()
        try:
            import simpleaudio

            play_object = simpleaudio.play_buffer(pcm, channels, 2, rate)
        except Exception as exc:  # SimpleaudioError, ValueError, ImportError...
            raise BackendError(" ".join(str(exc).split()) or type(exc).__name__) from None
        return _SimpleaudioHandle(play_object, len(pcm) / (channels * 2 * rate), self._clock)
