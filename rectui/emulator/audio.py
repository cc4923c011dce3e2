"""Deterministic, speech-like recording audio, synthesised by ffmpeg on first request.

Two "speakers" (pitched tones with vibrato and syllable-rate tremolo) take turns, with pauses,
over pink noise: close enough to a phone call for a player, a waveform or a size estimate. The
whole signal is built by ffmpeg's own sources and filters, which is far faster than Python: an
hour of 8 kHz mono mp3 takes about two seconds. Files are cached on disk per emulator, keyed
by recording id, format and variant.

The `original` variant (Plivo's pre-denoise recording, `?type=original`) is the same voices with
much more noise, so its bytes differ while its duration does not.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

VARIANTS = ("default", "original")
LONG_RECORDING_S = 15 * 60
"""Longer recordings always get the cheapest profile, so an hour encodes in a couple of seconds."""
MIN_DURATION_S = 0.5
MAX_DURATION_S = 4 * 3600
"""A data file may claim any length; media longer than this is cut to it."""


class MediaUnavailable(RuntimeError):
    """The audio could not be produced (no ffmpeg, or ffmpeg failed)."""


@dataclass(frozen=True, slots=True)
class AudioProfile:
    sample_rate: int
    channels: int
    wav_codec: str
    """pcm_s16le, or pcm_mulaw as telephony systems often store."""
    mp3_bitrate: str


_TELEPHONY = AudioProfile(8000, 1, "pcm_s16le", "16k")
# (cumulative share, profile): mostly telephony rates, some wideband, a few stereo (one speaker
# per channel).
_PROFILES = (
    (0.55, _TELEPHONY),
    (0.70, AudioProfile(8000, 1, "pcm_mulaw", "16k")),
    (0.85, AudioProfile(16000, 1, "pcm_s16le", "32k")),
    (0.95, AudioProfile(16000, 2, "pcm_s16le", "48k")),
    (1.00, AudioProfile(44100, 2, "pcm_s16le", "96k")),
)


def _stable_fraction(text: str) -> float:
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def profile_for(recording_id: str, duration_s: float) -> AudioProfile:
    """The sample rate, channels and codecs of a recording: fixed by its id (and length)."""
    if duration_s > LONG_RECORDING_S:
        return _TELEPHONY
    share = _stable_fraction("profile:" + recording_id)
    return next(profile for cut, profile in _PROFILES if share < cut)


def find_ffmpeg() -> str | None:
    found = shutil.which("ffmpeg")
    if found:
        return found
    return "/usr/bin/ffmpeg" if os.access("/usr/bin/ffmpeg", os.X_OK) else None


def synthesis_command(
    ffmpeg: str,
    *,
    recording_id: str,
    fmt: str,
    duration_s: float,
    variant: str,
    output: Path,
) -> list[str]:
    """The ffmpeg command that writes this recording's audio to `output`."""
    duration_s = min(MAX_DURATION_S, max(MIN_DURATION_S, duration_s))
    profile = profile_for(recording_id, duration_s)
    rng = random.Random("voices:" + recording_id)
    rate, d = profile.sample_rate, f"{duration_s:.3f}"
    noise = 0.12 if variant == "original" else 0.012
    noise_seed = rng.randrange(1, 2**31)
    # Who speaks when: positive lobes are speaker A, negative ones speaker B, small values silence.
    turns = (
        f"sin(2*PI*{rng.uniform(0.12, 0.3):.3f}*t+{rng.uniform(0, 6.28):.2f})"
        f"+0.6*sin(2*PI*{rng.uniform(0.4, 0.9):.3f}*t+{rng.uniform(0, 6.28):.2f})"
    )

    def voice(index: int, pitch: float, gate: str) -> str:
        return (
            f"[{index}]vibrato=f={rng.uniform(0.5, 1.5):.2f}:d={rng.uniform(0.15, 0.35):.2f},"
            f"tremolo=f={rng.uniform(3.0, 5.5):.2f}:d=0.7,"
            f"volume=eval=frame:volume='{rng.uniform(1.3, 2.0):.2f}*{gate}'[v{index}]"
        )

    pitches = (rng.uniform(95, 140), rng.uniform(170, 240))
    inputs = [
        *("-f", "lavfi", "-i", f"sine=f={pitches[0]:.1f}:r={rate}:d={d}"),
        *("-f", "lavfi", "-i", f"sine=f={pitches[1]:.1f}:r={rate}:d={d}"),
    ]
    for channel in range(profile.channels):
        inputs += [
            *("-f", "lavfi", "-i"),
            f"anoisesrc=c=pink:r={rate}:a={noise}:s={noise_seed + channel}:d={d}",
        ]
    graph = [voice(0, pitches[0], f"gt({turns},0.3)"), voice(1, pitches[1], f"lt({turns},-0.3)")]
    if profile.channels == 1:
        graph.append("[v0][v1][2]amix=inputs=3:normalize=0:duration=shortest[out]")
    else:
        graph += [
            "[v0][2]amix=inputs=2:normalize=0:duration=shortest[left]",
            "[v1][3]amix=inputs=2:normalize=0:duration=shortest[right]",
            "[left][right]join=inputs=2:channel_layout=stereo[out]",
        ]
    if fmt == "mp3":
        codec = ["-c:a", "libmp3lame", "-b:a", profile.mp3_bitrate, "-compression_level", "7"]
        codec += ["-f", "mp3"]
    elif fmt == "wav":
        codec = ["-c:a", profile.wav_codec, "-f", "wav"]
    else:
        raise ValueError(f"unsupported format {fmt!r}")
    return [
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *inputs,
        *("-filter_complex", ";".join(graph), "-map", "[out]"),
        *("-t", d, "-ar", str(rate), "-ac", str(profile.channels)),
        # No encoder tags or metadata: the same recording gives the same bytes every time.
        *("-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"),
        *codec,
        str(output),
    ]


class MediaLibrary:
    """Synthesises audio files on demand and keeps them in a private temporary directory.

    `ensure()` blocks (it runs ffmpeg): call it from a worker thread. Concurrent requests for the
    same file wait for one synthesis instead of starting another.
    """

    def __init__(self, ffmpeg: str | None = None):
        self.ffmpeg = ffmpeg or find_ffmpeg()
        self._root: Path | None = None
        self._cleanup: weakref.finalize[..., object] | None = None
        self._lock = threading.Lock()
        self._file_locks: dict[str, threading.Lock] = {}
        self._running: set[subprocess.Popen[bytes]] = set()
        self._closed = False

    @property
    def generating(self) -> int:
        """How many files are being synthesised right now."""
        return len(self._running)

    def _directory(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="rectui-emulator-media-"))
                # Removed with the emulator, or at interpreter exit at the latest.
                self._cleanup = weakref.finalize(
                    self, shutil.rmtree, str(self._root), ignore_errors=True
                )
            return self._root

    @staticmethod
    def _file_name(recording_id: str, fmt: str, variant: str) -> str:
        # Ids from a data file may hold any character; hash them into a safe name.
        digest = hashlib.sha1(recording_id.encode()).hexdigest()[:20]
        return f"{digest}-{variant}.{fmt}"

    def ensure(self, recording_id: str, fmt: str, duration_s: float, variant: str) -> Path:
        """The path of the finished file, synthesising it first if needed."""
        if self._closed:
            raise MediaUnavailable("the emulator is shutting down")
        if not self.ffmpeg:
            raise MediaUnavailable("ffmpeg is not installed")
        name = self._file_name(recording_id, fmt, variant)
        path = self._directory() / name
        with self._lock:
            file_lock = self._file_locks.setdefault(name, threading.Lock())
        with file_lock:
            if path.exists():
                return path
            partial = path.with_name(path.name + ".part")
            command = synthesis_command(
                self.ffmpeg,
                recording_id=recording_id,
                fmt=fmt,
                duration_s=duration_s,
                variant=variant,
                output=partial,
            )
            self._run(command)
            os.replace(partial, path)
            return path

    def _run(self, command: list[str]) -> None:
        # Output is captured: ffmpeg must never write to a terminal a TUI is drawing on.
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        with self._lock:
            self._running.add(process)
        try:
            _, stderr = process.communicate()
        finally:
            with self._lock:
                self._running.discard(process)
        if process.returncode != 0:
            detail = stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise MediaUnavailable(f"ffmpeg failed ({process.returncode}): {' '.join(detail)}")

    def cancel_running(self) -> None:
        """Stop every synthesis in progress (their requests fail); used when shutting down."""
        with self._lock:
            running = list(self._running)
        for process in running:
            process.kill()

    def close(self) -> None:
        """Stop work in progress and delete the cached files."""
        self._closed = True
        self.cancel_running()
        if self._cleanup is not None:
            self._cleanup()
