"""Probing and decoding media with ffmpeg: streamed PCM for playback, peaks for a waveform.

Decoding a whole file into memory (what pydub's AudioSegment does) takes seconds and gigabytes
for an hour of audio, so playback streams 16-bit PCM from `ffmpeg -ss POS -i FILE ... pipe:1`:
`-ss` before `-i` seeks the input instead of decoding from the start. ffmpeg is always run by
absolute path, with stdin closed (it would otherwise read the keys meant for the TUI) and its
stderr captured (Textual owns the terminal).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import DecodeError
from .mp3_frames import audio_start, frames_from

if TYPE_CHECKING:
    from pydub import AudioSegment

with warnings.catch_warnings():  # audioop is deprecated on 3.11/3.12 (audioop-lts on 3.13+)
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

SUPPORTED_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000)
"""What simpleaudio's play_buffer accepts (and every sound server); anything else is resampled by
ffmpeg, so both outputs get the same PCM."""

SAMPLE_WIDTH = 2  # playback is always signed 16-bit little-endian
WAVEFORM_RATE = 8000
SAMPLED_MIN_S = 120.0
"""From this long on, an mp3's waveform is read from a few frames per slice, not every sample
(a full decode of an hour takes seconds; the waveform must be there within one)."""
WINDOW_FRAMES = 6
WARMUP_FRAMES = 4
"""Of each slice's frames, the first decode with the wrong bit reservoir: not measured. At
telephony bitrates it takes four: a 16 kb/s frame at 8 kHz is 144 bytes and may take its data
from up to 255 bytes before it, and the filterbank carries one more frame over, so two let the
slice before (a loud one) show in a quiet one."""


@functools.cache
def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise DecodeError("ffmpeg is not installed; install it to play recordings")
    return os.path.abspath(found)


@functools.cache
def ffprobe_path() -> str | None:
    found = shutil.which("ffprobe")
    return os.path.abspath(found) if found else None


def _run(args: Sequence[str], timeout: float = 30.0) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            list(args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DecodeError(f"{Path(args[0]).name} failed: {exc}") from None


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:200] if lines else "unknown error"


def _input(path: Path | str) -> str:
    # `file:` keeps a name starting with `-` or containing `:` from being read as an option
    # or another protocol.
    return "file:" + os.path.abspath(path)


def playback_rate(rate: int) -> int:
    """The source rate if simpleaudio plays it, else the next supported rate up (so nothing
    audible is lost), capped at the highest."""
    if rate in SUPPORTED_RATES:
        return rate
    higher = [r for r in SUPPORTED_RATES if r >= rate]
    return higher[0] if higher else SUPPORTED_RATES[-1]


def playback_channels(channels: int) -> int:
    """Mono stays mono; everything else is played as stereo (simpleaudio takes 1 or 2)."""
    return 1 if channels <= 1 else 2


@dataclass(frozen=True, slots=True)
class MediaInfo:
    duration: float
    """Seconds; 0.0 for a file without samples."""
    sample_rate: int
    channels: int
    codec: str | None = None
    sample_fmt: str | None = None

    @property
    def playback_rate(self) -> int:
        return playback_rate(self.sample_rate)

    @property
    def playback_channels(self) -> int:
        return playback_channels(self.channels)

    @property
    def bytes_per_second(self) -> int:
        return self.playback_rate * self.playback_channels * SAMPLE_WIDTH


def probe(path: Path | str) -> MediaInfo:
    """Duration, rate and channels of the first audio stream: ffprobe if installed (tens of
    milliseconds), else the header summary `ffmpeg -i` prints."""
    if not Path(path).is_file():
        raise DecodeError(f"{Path(path).name} does not exist")
    prober = ffprobe_path()
    if prober is None:
        return _probe_with_ffmpeg(path)
    result = _run(
        [
            prober, "-v", "error", "-select_streams", "a:0",
            "-show_entries", "stream=codec_name,sample_rate,channels,sample_fmt,duration"
            ":format=duration",
            "-of", "json", _input(path),
        ]
    )  # fmt: skip
    if result.returncode != 0:
        raise DecodeError(f"cannot read {Path(path).name}: {_last_line(result.stderr)}")
    try:
        data: dict[str, Any] = json.loads(result.stdout or b"{}")
    except ValueError:
        raise DecodeError(f"cannot read {Path(path).name}: unexpected ffprobe output") from None
    streams = data.get("streams") or []
    if not streams:
        raise DecodeError(f"{Path(path).name} has no audio")
    stream = streams[0]
    duration = _number(stream.get("duration"))
    if duration is None:
        duration = _number((data.get("format") or {}).get("duration"))
    rate = int(_number(stream.get("sample_rate")) or 0)
    channels = int(stream.get("channels") or 0)
    if rate <= 0 or channels <= 0:
        raise DecodeError(f"cannot read {Path(path).name}: no sample rate or channel count")
    return MediaInfo(
        duration=max(0.0, duration or 0.0),
        sample_rate=rate,
        channels=channels,
        codec=stream.get("codec_name"),
        sample_fmt=stream.get("sample_fmt"),
    )


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_AUDIO = re.compile(r"Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)")


def _probe_with_ffmpeg(path: Path | str) -> MediaInfo:
    result = _run([ffmpeg_path(), "-nostdin", "-hide_banner", "-i", _input(path)])
    text = result.stderr.decode("utf-8", "replace")
    audio = _AUDIO.search(text)
    if not audio:
        raise DecodeError(f"cannot read {Path(path).name}: {_last_line(result.stderr)}")
    layout = audio.group(3).strip()
    channels = {"mono": 1, "stereo": 2}.get(layout)
    if channels is None:
        match = re.match(r"(\d+) channels", layout)
        channels = int(match.group(1)) if match else 2
    duration = 0.0
    if found := _DURATION.search(text):
        hours, minutes, seconds = found.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return MediaInfo(duration, int(audio.group(2)), channels, codec=audio.group(1))


def pcm_command(
    path: Path | str,
    start: float,
    rate: int | None,
    channels: int | None,
    *,
    duration: float | None = None,
    speed: float = 1.0,
) -> list[str]:
    """ffmpeg arguments that write s16le PCM from `start` seconds to stdout: raw at the given
    rate and channels, or, with either None, at the source's own inside a WAV header that
    says what they are (see PcmStream). A `speed` other than 1 plays faster or slower with the
    pitch kept (ffmpeg's atempo)."""
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    if start > 0:
        args += ["-ss", f"{start:.6f}"]  # before -i: seek the input, do not decode up to it
    args += ["-i", _input(path)]
    if duration is not None:
        args += ["-t", f"{duration:.6f}"]
    args += ["-map", "0:a:0", "-vn", "-acodec", "pcm_s16le"]
    if speed != 1.0:
        args += ["-af", f"atempo={speed:g}"]
    if rate is None or channels is None:
        args += ["-map_metadata", "-1", "-f", "wav"]
    else:
        args += ["-f", "s16le", "-ac", str(channels), "-ar", str(rate)]
    args.append("pipe:1")
    return args


class PcmStream:
    """16-bit PCM read incrementally from an ffmpeg process; close() ends the process.

    With `rate` and `channels` None, ffmpeg keeps the source's own and announces them in a WAV
    header, read here before returning: playback can start without waiting for a probe (each
    ffmpeg/ffprobe start costs tens of milliseconds). `rate`/`channels` then say what came.
    """

    def __init__(
        self,
        path: Path | str,
        start: float,
        rate: int | None = None,
        channels: int | None = None,
        *,
        duration: float | None = None,
        speed: float = 1.0,
    ):
        self.path = Path(path)
        self.rate = rate or 0
        self.channels = channels or 0
        self.frame_bytes = max(1, self.channels) * SAMPLE_WIDTH
        # stderr goes to a file, not a pipe: a pipe nobody drains can stall ffmpeg.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        try:
            self._process = subprocess.Popen(
                pcm_command(path, start, rate, channels, duration=duration, speed=speed),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise DecodeError(f"cannot start ffmpeg: {exc}") from None
        self._closed = False
        self.at_end = False
        self.bytes_read = 0
        if rate is None or channels is None:
            try:
                self._read_wav_header()
            except BaseException:
                self.close()
                raise

    def _read_wav_header(self) -> None:
        assert self._process.stdout is not None
        pipe = self._process.stdout
        riff = pipe.read(12)
        if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
            self._process.wait(timeout=10)
            self._stderr.seek(0)
            reason = _last_line(self._stderr.read())
            raise DecodeError(f"cannot decode {self.path.name}: {reason}")
        while True:
            head = pipe.read(8)
            if len(head) < 8:
                raise DecodeError(f"cannot decode {self.path.name}: truncated WAV header")
            kind, size = head[:4], int.from_bytes(head[4:], "little")
            if kind == b"data":  # its size is unknown on a pipe: read until the end
                break
            body = pipe.read(size + (size & 1))
            if kind == b"fmt ":
                self.channels = int.from_bytes(body[2:4], "little")
                self.rate = int.from_bytes(body[4:8], "little")
        if self.rate <= 0 or self.channels <= 0:
            raise DecodeError(f"cannot decode {self.path.name}: no format in the WAV header")
        self.frame_bytes = self.channels * SAMPLE_WIDTH

    @property
    def playable(self) -> bool:
        """True when simpleaudio can play this stream's rate and channel count as they are."""
        return self.rate in SUPPORTED_RATES and self.channels in (1, 2)

    def read(self, nbytes: int) -> bytes:
        """Up to `nbytes` (rounded down to whole frames); fewer only at the end, b"" after."""
        nbytes -= nbytes % self.frame_bytes
        if self._closed or nbytes <= 0:
            return b""
        assert self._process.stdout is not None
        data = self._process.stdout.read(nbytes)
        if len(data) < nbytes:
            self.at_end = True
        if len(data) % self.frame_bytes:  # a torn last frame cannot be played
            data = data[: len(data) - len(data) % self.frame_bytes]
        self.bytes_read += len(data)
        return data

    def error(self) -> str | None:
        """After the end of the stream: ffmpeg's complaint if it failed, else None (also
        before the end: waiting then could block on a full pipe)."""
        if self._closed or not self.at_end:
            return None
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None
        if code == 0:
            return None
        self._stderr.seek(0)
        return _last_line(self._stderr.read())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._process.poll() is None:
            self._process.kill()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process.wait()
        self._stderr.close()

    def __enter__(self) -> PcmStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_playback_stream(
    path: Path | str, start: float, info: MediaInfo | None = None, speed: float = 1.0
) -> PcmStream:
    """A stream any output plays, from `start` seconds, at `speed`. Without `info`, ffmpeg
    starts at once in the source's own format; only when that is not playable (odd rate, more
    than two channels) is it restarted with conversion."""
    if info is not None:
        return PcmStream(path, start, info.playback_rate, info.playback_channels, speed=speed)
    stream = PcmStream(path, start, speed=speed)
    if stream.playable:
        return stream
    rate, channels = playback_rate(stream.rate), playback_channels(stream.channels)
    stream.close()
    return PcmStream(path, start, rate, channels, speed=speed)


def decode_all(path: Path | str, rate: int, channels: int) -> bytes:
    """The whole file as s16le PCM (for short files and tests; playback streams instead)."""
    result = _run(pcm_command(path, 0.0, rate, channels), timeout=600)
    if result.returncode != 0:
        raise DecodeError(f"cannot decode {Path(path).name}: {_last_line(result.stderr)}")
    return result.stdout


def waveform(
    path: Path | str,
    buckets: int,
    *,
    info: MediaInfo | None = None,
    normalize: bool = False,
    cancel: threading.Event | None = None,
    workers: int | None = None,
) -> list[float]:
    """Peak level (0..1) of each of `buckets` equal slices of the recording.

    An mp3 of SAMPLED_MIN_S or more: the peak of a few frames at the middle of each slice, all
    decoded by one ffmpeg (an hour in a fraction of a second; a gap between the frames read is
    not a gap in the sound). Anything else is decoded whole to 8 kHz mono, split across a few
    ffmpeg processes by time (a wav is read, not decoded, so that is quick too). With
    `normalize`, the loudest bucket becomes 1.0 (quiet phone calls still show a shape).
    Blocking: run it in a worker thread. Set `cancel` to stop early (returns what it has).
    """
    if buckets <= 0:
        return []
    info = info or probe(path)
    peaks = [0.0] * buckets
    if info.duration <= 0:
        return peaks
    sampled = None
    if info.codec == "mp3" and info.duration >= SAMPLED_MIN_S:
        sampled = _sampled_mp3_peaks(path, buckets, cancel)
    if sampled is not None:
        peaks = sampled
    else:
        _scan_all(path, info, peaks, cancel, workers)
    if normalize:
        loudest = max(peaks)
        if loudest > 0:
            peaks = [p / loudest for p in peaks]
    return [min(1.0, p) for p in peaks]


def _sampled_mp3_peaks(
    path: Path | str, buckets: int, cancel: threading.Event | None
) -> list[float] | None:
    """Each bucket's level from a few mp3 frames at its middle, all of them decoded by one
    ffmpeg: an hour takes a fraction of a second instead of a full decode. None when the file
    does not cut cleanly into frames (then the caller decodes it all)."""
    with open(path, "rb") as handle:
        data = handle.read()
    start = audio_start(data)
    end = len(data) - (128 if data[-128:-125] == b"TAG" else 0)  # an ID3v1 tag
    pieces: list[bytes] = []
    counts: list[int] = []
    samples_per_frame = rate = 0
    for bucket in range(buckets):
        if cancel is not None and cancel.is_set():
            return None
        target = start + int((bucket + 0.5) / buckets * (end - start))
        frames = frames_from(data, target, WINDOW_FRAMES, limit=1 << 16)
        if len(frames) <= WARMUP_FRAMES:
            return None
        if rate and (frames[0].sample_rate, frames[0].samples) != (rate, samples_per_frame):
            return None  # a change of format midway: not a stream to cut up
        rate, samples_per_frame = frames[0].sample_rate, frames[0].samples
        pieces.append(data[frames[0].offset : frames[-1].offset + frames[-1].length])
        counts.append(len(frames))
    with tempfile.NamedTemporaryFile(suffix=".mp3") as excerpt:
        excerpt.write(b"".join(pieces))
        excerpt.flush()
        with PcmStream(excerpt.name, 0.0, rate, 1) as stream:
            pcm = stream.read(sum(counts) * samples_per_frame * SAMPLE_WIDTH + SAMPLE_WIDTH)
    if len(pcm) != sum(counts) * samples_per_frame * SAMPLE_WIDTH:
        return None  # the decoder did not give a frame's worth for every frame
    peaks: list[float] = []
    offset = 0
    for count in counts:
        size = count * samples_per_frame * SAMPLE_WIDTH
        skip = WARMUP_FRAMES * samples_per_frame * SAMPLE_WIDTH
        peaks.append(audioop.max(pcm[offset + skip : offset + size], SAMPLE_WIDTH) / 32768)
        offset += size
    return peaks


def _scan_all(
    path: Path | str,
    info: MediaInfo,
    peaks: list[float],
    cancel: threading.Event | None,
    workers: int | None,
) -> None:
    """Every sample's peak into `peaks`, decoding the whole file at 8 kHz mono."""
    buckets = len(peaks)
    per_bucket = info.duration / buckets
    segments = max(1, min(workers or (os.cpu_count() or 1), 4, buckets))
    bounds = [buckets * i // segments for i in range(segments + 1)]
    errors: list[str] = []

    def scan(first: int, last: int, final: bool) -> None:
        """Buckets [first, last): bucket k holds samples j with floor(j / per_bucket) == k,
        counted from this segment's start, so rounding never drifts across a long file."""
        start = first * per_bucket
        length = None if final else (last - first) * per_bucket
        samples_per_bucket = per_bucket * WAVEFORM_RATE
        try:
            stream = PcmStream(path, start, WAVEFORM_RATE, 1, duration=length)
        except DecodeError as exc:
            errors.append(str(exc))
            return
        with stream:
            position = 0  # samples before this block, from the segment's start
            while not (cancel and cancel.is_set()):
                block = stream.read(65536)  # one pipe buffer: fewer, cheaper reads
                if not block:
                    break
                samples = len(block) // SAMPLE_WIDTH
                offset = 0
                while offset < samples:
                    index = first + int((position + offset) / samples_per_bucket)
                    if index >= last - 1:  # the last bucket takes whatever is left over
                        index, end = last - 1, samples
                    else:
                        boundary = math.ceil((index - first + 1) * samples_per_bucket)
                        end = min(samples, max(boundary - position, offset + 1))
                    level = audioop.max(block[offset * SAMPLE_WIDTH : end * SAMPLE_WIDTH], 2)
                    peaks[index] = max(peaks[index], level / 32768)
                    offset = end
                position += samples
            trouble = None if cancel and cancel.is_set() else stream.error()
            if trouble:
                errors.append(trouble)

    threads = [
        threading.Thread(
            target=scan, args=(bounds[i], bounds[i + 1], i == segments - 1), daemon=True
        )
        for i in range(segments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors and not any(peaks):
        raise DecodeError(f"cannot decode {Path(path).name}: {errors[0]}")


def configure_pydub() -> None:
    """Point pydub at ffmpeg by absolute path (it would otherwise look it up by name)."""
    from pydub import AudioSegment

    AudioSegment.converter = ffmpeg_path()


def load_segment(path: Path | str) -> AudioSegment:
    """The whole file as a pydub AudioSegment, for short clips: this decodes everything into
    memory (an hour of stereo is gigabytes), so playback never uses it."""
    with warnings.catch_warnings():  # pydub warns at import when ffmpeg is not on PATH
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
    configure_pydub()
    try:
        return AudioSegment.from_file(os.path.abspath(path))
    except Exception as exc:  # pydub raises CouldntDecodeError, IndexError, OSError...
        reason = _last_line(str(exc).encode())
        raise DecodeError(f"cannot decode {Path(path).name}: {reason}") from exc
