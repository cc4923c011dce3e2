"""The real playback path: Player -> PortAudio -> libasound, on a machine without a sound card.

Each case runs in a fresh interpreter (tests/audio_helpers.py) because ALSA reads
ALSA_CONFIG_PATH once per process. With a file-sink config, every frame simpleaudio plays lands
in a file, so the test compares what reached ALSA with the source, byte for byte. The file sink
is not paced: gaps and timing are tested through a real sound server (test_media_pulse.py).
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from audio_helpers import (
    broken_config,
    ffmpeg_pcm,
    file_sink_config,
    make_audio,
    read_sink,
    run_helper,
)


@pytest.fixture
def sink(tmp_path: Path) -> tuple[Path, Path]:
    return file_sink_config(tmp_path)


def test_pcm16_wav_reaches_alsa_byte_for_byte(tmp_path: Path, sink: tuple[Path, Path]):
    source = make_audio(tmp_path / "call.wav", seconds=3, rate=8000, codec="pcm_s16le")
    config, out = sink
    answer, stderr = run_helper("play", str(source), alsa_config=config)
    assert answer["state"] == "finished", answer
    assert answer["position"] == answer["duration"] == 3.0
    with wave.open(str(source)) as w:
        expected = w.readframes(w.getnframes())
    assert read_sink(out) == expected
    # ALSA's file plugin starts a file per device open: the whole recording went through one.
    assert [p.name for p in out.parent.glob("out.raw*")] == ["out.raw"]
    assert stderr == ""


def test_mp3_reaches_alsa_as_ffmpeg_decodes_it(tmp_path: Path, sink: tuple[Path, Path]):
    source = make_audio(
        tmp_path / "conf.mp3", seconds=5, rate=44100, channels=2, source="noise", bitrate="64k"
    )
    config, out = sink
    answer, stderr = run_helper("play", str(source), alsa_config=config)
    assert answer["state"] == "finished", answer
    assert read_sink(out) == ffmpeg_pcm(source, 44100, 2)
    assert stderr == ""


def test_mulaw_at_unsupported_rate_is_converted(tmp_path: Path, sink: tuple[Path, Path]):
    source = make_audio(tmp_path / "odd.wav", seconds=2, rate=12000, codec="pcm_mulaw")
    config, out = sink
    answer, _ = run_helper("play", str(source), alsa_config=config)
    assert answer["state"] == "finished", answer
    assert read_sink(out) == ffmpeg_pcm(source, 16000, 1)


def test_no_device_reports_no_audio_output_quietly(tmp_path: Path):
    source = make_audio(tmp_path / "call.wav", seconds=1)
    config = broken_config(tmp_path)
    device, stderr = run_helper("device", alsa_config=config)
    assert device["ok"] is False and "no output device" in str(device["reason"])
    assert device["backend"] == "PortAudio"
    assert stderr == ""  # "ALSA lib ..." lines would be drawn over the TUI
    answer, stderr = run_helper("play", str(source), alsa_config=config)
    assert answer["finished_in_time"] is True
    assert answer["state"] == "error"
    assert str(answer["error"]).startswith("no audio output on this host")
    assert stderr == ""


def test_host_without_sound_card_reports_no_audio_output(tmp_path: Path):
    """This machine's own ALSA setup (no ALSA_CONFIG_PATH): no card, so no output, but also no
    crash, no hang, and nothing on stderr. Skipped on a machine that does have a card."""
    device, stderr = run_helper("device", alsa_config=None)
    if device["ok"]:
        pytest.skip(f"this host has audio output: {device['reason']}")
    assert stderr == ""
    answer, stderr = run_helper("play", str(make_audio(tmp_path / "a.wav")), alsa_config=None)
    assert answer["state"] == "error" and stderr == ""
