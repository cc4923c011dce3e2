"""Probing and decoding the formats recordings come in, streamed PCM, seeking and waveforms."""

from __future__ import annotations

import subprocess
import threading
import wave
from array import array
from pathlib import Path

import pytest
from audio_helpers import ffmpeg_pcm, make_audio

from rectui.media import DecodeError, MediaInfo, PcmStream, probe, waveform
from rectui.media import decode as decode_module
from rectui.media.decode import decode_all, load_segment, open_playback_stream, pcm_command

# One worker builds this module's fixtures, not each (`dev.sh test` runs --dist loadgroup).
pytestmark = pytest.mark.xdist_group("media_decode")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    files = {
        "pcm16": make_audio(d / "pcm16.wav", seconds=2, rate=8000, codec="pcm_s16le"),
        "mulaw": make_audio(d / "mulaw.wav", seconds=1, rate=8000, codec="pcm_mulaw"),
        "alaw": make_audio(d / "alaw.wav", seconds=1, rate=8000, codec="pcm_alaw"),
        "s24": make_audio(d / "s24.wav", seconds=1, rate=48000, codec="pcm_s24le"),
        "r12k": make_audio(d / "r12k.wav", seconds=1, rate=12000, codec="pcm_s16le"),
        "stereo": make_audio(d / "stereo.wav", seconds=1, rate=44100, channels=2),
        "mp3": make_audio(d / "voice.mp3", seconds=3, rate=44100, channels=2, source="noise"),
    }
    empty = d / "empty.wav"  # a valid header and no samples
    with wave.open(str(empty), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
    files["empty"] = empty
    files["zero_bytes"] = d / "zero.wav"
    files["zero_bytes"].write_bytes(b"")
    files["garbage"] = d / "garbage.mp3"
    files["garbage"].write_bytes(b"this is not audio at all" * 100)
    return files


@pytest.mark.parametrize(
    ("name", "codec", "rate", "channels", "playback_rate"),
    [
        ("pcm16", "pcm_s16le", 8000, 1, 8000),
        ("mulaw", "pcm_mulaw", 8000, 1, 8000),
        ("alaw", "pcm_alaw", 8000, 1, 8000),
        ("s24", "pcm_s24le", 48000, 1, 48000),
        ("r12k", "pcm_s16le", 12000, 1, 16000),  # simpleaudio cannot play 12 kHz
        ("stereo", "pcm_s16le", 44100, 2, 44100),
        ("mp3", "mp3", 44100, 2, 44100),
    ],
)
def test_probe_and_playback_format(
    media: dict[str, Path], name: str, codec: str, rate: int, channels: int, playback_rate: int
):
    info = probe(media[name])
    assert (info.codec, info.sample_rate, info.channels) == (codec, rate, channels)
    assert info.playback_rate == playback_rate
    assert info.playback_channels == channels
    assert info.duration == pytest.approx(
        3.0 if name == "mp3" else (2.0 if name == "pcm16" else 1.0), abs=0.06
    )


@pytest.mark.parametrize("name", ["mulaw", "alaw", "s24", "r12k", "stereo"])
def test_telephony_and_odd_formats_decode_to_16_bit(media: dict[str, Path], name: str):
    info = probe(media[name])
    pcm = decode_all(media[name], info.playback_rate, info.playback_channels)
    frames = len(pcm) // (2 * info.playback_channels)
    assert frames == pytest.approx(
        info.duration * info.playback_rate, abs=info.playback_rate // 100
    )
    # A 440 Hz tone at ffmpeg's default amplitude (1/8 of full scale, -3 dB per channel when
    # upmixed): real 16-bit samples, not 8-bit µ-law bytes or 32-bit words read as 16-bit.
    assert 2500 < max(abs(s) for s in array("h", pcm)) < 4500


def test_pcm16_decode_is_the_wav_data(media: dict[str, Path]):
    with wave.open(str(media["pcm16"])) as w:
        frames = w.readframes(w.getnframes())
    assert decode_all(media["pcm16"], 8000, 1) == frames


def test_stream_reads_incrementally_and_seeks(media: dict[str, Path]):
    reference = ffmpeg_pcm(media["pcm16"], 8000, 1)
    with PcmStream(media["pcm16"], 0.0, 8000, 1) as stream:
        first = stream.read(4000)
        rest = b"".join(iter(lambda: stream.read(3333), b""))
        assert stream.error() is None
    assert len(first) == 4000 and first + rest == reference
    with PcmStream(media["pcm16"], 1.25, 8000, 1) as stream:  # -ss before -i: exact for wav
        assert stream.read(1000) == reference[20000:21000]


def test_stream_of_mp3_matches_ffmpeg_whole_decode(media: dict[str, Path]):
    reference = ffmpeg_pcm(media["mp3"], 44100, 2)
    with PcmStream(media["mp3"], 0.0, 44100, 2) as stream:
        chunks = list(iter(lambda: stream.read(44100), b""))
    assert all(len(c) % 4 == 0 for c in chunks)
    assert b"".join(chunks) == reference


def test_stream_close_mid_file_ends_ffmpeg(media: dict[str, Path]):
    stream = PcmStream(media["mp3"], 0.0, 44100, 2)
    assert stream.read(4) != b""
    stream.close()
    assert stream._process.returncode is not None
    assert stream.read(4) == b""


def test_ffmpeg_is_called_by_absolute_path_with_stdin_closed(media: dict[str, Path]):
    args = pcm_command(media["mp3"], 1800.0, 44100, 2)
    assert Path(args[0]).is_absolute()
    assert "-nostdin" in args
    assert args.index("-ss") < args.index("-i")  # input seeking, not decode-and-discard
    assert args[args.index("-i") + 1] == "file:" + str(media["mp3"])


def test_empty_file_has_zero_duration_and_no_pcm(media: dict[str, Path]):
    info = probe(media["empty"])
    assert info.duration == 0.0
    with PcmStream(media["empty"], 0.0, info.playback_rate, 1) as stream:
        assert stream.read(1000) == b""
        assert stream.error() is None
    assert waveform(media["empty"], 10) == [0.0] * 10


@pytest.mark.parametrize("name", ["zero_bytes", "garbage"])
def test_unreadable_files_raise_one_line_errors(media: dict[str, Path], name: str):
    with pytest.raises(DecodeError) as caught:
        probe(media[name])
    assert media[name].name in str(caught.value) and "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(DecodeError, match="does not exist"):
        probe(tmp_path / "nope.mp3")


def test_probe_without_ffprobe_parses_ffmpeg(media: dict[str, Path], monkeypatch):
    monkeypatch.setattr(decode_module, "ffprobe_path", lambda: None)
    info = probe(media["stereo"])
    assert (info.sample_rate, info.channels) == (44100, 2)
    assert info.duration == pytest.approx(1.0, abs=0.05)
    assert probe(media["mulaw"]).codec == "pcm_mulaw"
    with pytest.raises(DecodeError):
        probe(media["garbage"])


def test_waveform_follows_loudness(tmp_path: Path):
    # 1 s silence, then 1 s tone: the first half of the buckets is flat, the second is not.
    path = tmp_path / "half.wav"
    subprocess.run(
        [
            "/usr/bin/ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono:d=1",
            "-f", "lavfi", "-i", "sine=f=300:r=8000:d=1",
            "-filter_complex", "[0][1]concat=n=2:v=0:a=1", str(path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    peaks = waveform(path, 20, workers=3)
    assert len(peaks) == 20
    assert all(p == 0.0 for p in peaks[:9])
    assert all(0.1 < p < 0.2 for p in peaks[11:])
    normalized = waveform(path, 20, normalize=True)
    assert max(normalized) == 1.0 and normalized[0] == 0.0


def test_long_mp3_waveform_reads_a_few_frames_per_slice(tmp_path: Path, monkeypatch):
    """Four minutes of telephony mp3, loud and quiet by turns every 30 s: the waveform shows it,
    without decoding the whole file (that path is made to fail here). The noise's seed is one
    whose quiet slices once showed the loud slice before them (too few frames skipped)."""
    path = tmp_path / "long.mp3"
    subprocess.run(
        [
            "/usr/bin/ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "anoisesrc=c=pink:r=8000:a=0.5:d=240:s=2",
            "-af", "volume='if(lt(mod(t,60),30),0.05,1)':eval=frame",
            "-ac", "1", "-ar", "8000", "-c:a", "libmp3lame", "-b:a", "16k", str(path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip

    def no_full_decode(*args, **kwargs):
        raise AssertionError("the whole file was decoded")

    monkeypatch.setattr(decode_module, "_scan_all", no_full_decode)
    peaks = waveform(path, 16)  # 15 s a bucket: two quiet, two loud, ...
    quiet = [p for i, p in enumerate(peaks) if (i // 2) % 2 == 0]
    loud = [p for i, p in enumerate(peaks) if (i // 2) % 2 == 1]
    assert max(quiet) * 4 < min(loud), peaks


def test_waveform_matches_across_worker_counts(media: dict[str, Path]):
    one = waveform(media["mp3"], 37, workers=1)
    three = waveform(media["mp3"], 37, workers=3)
    assert len(one) == len(three) == 37
    assert all(0 < p <= 1 for p in one)
    # Segment boundaries decode a few samples differently (mp3 priming); peaks barely move.
    assert max(abs(a - b) for a, b in zip(one, three, strict=True)) < 0.05


def test_waveform_can_be_cancelled(media: dict[str, Path]):
    cancel = threading.Event()
    cancel.set()
    assert waveform(media["mp3"], 10, cancel=cancel) == [0.0] * 10
    assert waveform(media["mp3"], 0) == []


def test_waveform_of_unreadable_file(media: dict[str, Path]):
    with pytest.raises(DecodeError):
        waveform(media["garbage"], 10)
    info = MediaInfo(duration=5.0, sample_rate=8000, channels=1)
    with pytest.raises(DecodeError):
        waveform(media["garbage"], 10, info=info)


def test_pydub_segment_for_short_files(media: dict[str, Path]):
    segment = load_segment(media["mulaw"])
    assert segment.frame_rate == 8000 and segment.channels == 1
    assert len(segment) == pytest.approx(1000, abs=10)  # milliseconds
    from pydub import AudioSegment

    assert Path(AudioSegment.converter).is_absolute()
    with pytest.raises(DecodeError):
        load_segment(media["garbage"])


@pytest.mark.parametrize("name", ["pcm16", "mulaw", "stereo", "mp3", "s24"])
def test_native_stream_reports_format_and_matches_explicit(media: dict[str, Path], name: str):
    """Playback starts without a probe: ffmpeg announces the format in a WAV header; the PCM is
    the same as asking for that format explicitly."""
    info = probe(media[name])
    with open_playback_stream(media[name], 0.5) as stream:
        assert (stream.rate, stream.channels) == (info.sample_rate, info.channels)
        native = b"".join(iter(lambda: stream.read(10_000), b""))
        assert stream.error() is None
    with PcmStream(media[name], 0.5, info.sample_rate, info.channels) as explicit:
        assert native == b"".join(iter(lambda: explicit.read(10_000), b""))


def test_unplayable_formats_are_converted_without_a_probe(media: dict[str, Path], tmp_path: Path):
    with open_playback_stream(media["r12k"], 0.0) as stream:
        assert (stream.rate, stream.channels) == (16000, 1)
        assert stream.read(32000) == ffmpeg_pcm(media["r12k"], 16000, 1)
    surround = make_audio(tmp_path / "six.wav", seconds=1, rate=8000, channels=6)
    with open_playback_stream(surround, 0.0) as stream:
        assert (stream.rate, stream.channels) == (8000, 2)
        assert len(stream.read(64000)) == 32000
    with open_playback_stream(surround, 0.0, probe(surround)) as stream:  # probed: direct
        assert (stream.rate, stream.channels) == (8000, 2)


def test_native_stream_of_empty_and_broken_files(media: dict[str, Path]):
    with open_playback_stream(media["empty"], 0.0) as stream:
        assert stream.read(100) == b"" and stream.error() is None
    with pytest.raises(DecodeError, match=r"garbage\.mp3"):
        open_playback_stream(media["garbage"], 0.0)
