"""Playback through a paced sound server, as on a desktop: the app -> PortAudio -> ALSA -> a
private PulseAudio daemon, recorded from the sink's monitor in real time (tests/pulse_helpers.py).

ALSA's file sink (test_media_playback.py) proves the bytes; it is not paced, so it cannot show a
gap. Here every frame has to reach a server that plays in real time: the emulator's media has
pink noise under everything, so any run of digital silence inside what was heard is a dropout,
and the heard span must last as long as the recording (divided by the speed).

Skipped, with the reason, only where the daemon cannot start.
"""

from __future__ import annotations

import array
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_helpers import FFMPEG
from player_helpers import run_script
from pulse_helpers import SILENCE_RUN_S, PulseServer, PulseUnavailable, analyse

SPAN_TOLERANCE_S = 0.3


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    try:
        server.start()
    except PulseUnavailable as exc:
        pytest.skip(f"no private PulseAudio daemon here: {exc}")
    yield server
    server.stop()


def silent_runs_in_source(path: Path) -> int:
    """Runs of digital silence the recording itself has (decoded as the sink plays it)."""
    pcm = subprocess.run(
        [FFMPEG, "-nostdin", "-loglevel", "error", "-i", path, "-f", "s16le", "-ac", "1",
         "-ar", "8000", "pipe:1"],
        capture_output=True, check=True, stdin=subprocess.DEVNULL,
    ).stdout  # fmt: skip
    samples, run, runs = array.array("h", pcm), 0, 0
    for value in samples:
        run = run + 1 if value == 0 else 0
        runs += run == int(SILENCE_RUN_S * 8000)
    return runs


def play_in_app(pulse: PulseServer, tmp: Path, fmt: str, faster: int) -> tuple[dict, Path]:
    recorded = tmp / f"heard-{fmt}-{faster}.raw"
    with pulse.record(recorded):
        answer, stderr = run_script(
            "recording", tmp, fmt, str(faster), alsa_config=None, env=pulse.env, timeout=180
        )
    assert answer["state"] == "finished", answer
    assert answer["backend"] == "PortAudio"
    assert stderr == ""
    return answer, recorded


@pytest.mark.parametrize(("fmt", "faster", "speed"), [("mp3", 0, 1.0), ("wav", 0, 1.0),
                                                      ("mp3", 2, 1.5)])  # fmt: skip
def test_a_recording_plays_without_a_gap_for_as_long_as_it_lasts(
    pulse: PulseServer, tmp_path: Path, fmt: str, faster: int, speed: float
):
    answer, recorded = play_in_app(pulse, tmp_path, fmt, faster)
    assert answer["speed"] == speed
    assert f"{speed:g}×" in answer["bar"][0]
    assert silent_runs_in_source(Path(answer["path"])) == 0  # the media really is noise all along
    heard = analyse(recorded)
    assert heard.server_silences == [], (
        f"the sound server or the recorder stalled (start s, length s): {heard.server_silences};"
        " this recording cannot judge the player there"
    )
    assert heard.silences == [], f"dropouts (start s, length s): {heard.silences}"
    expected = answer["duration"] / speed
    assert abs(heard.span_s - expected) <= SPAN_TOLERANCE_S, (heard.span_s, expected)


def test_the_sound_server_going_away_mid_play_is_one_line_and_nothing_hangs(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
):
    server = PulseServer(tmp_path_factory.mktemp("pulse-dies"))
    try:
        server.start()
    except PulseUnavailable as exc:
        pytest.skip(f"no private PulseAudio daemon here: {exc}")
    try:
        assert server.process is not None
        answer, stderr = run_script(
            "recording", tmp_path, "wav", "0", str(server.process.pid),
            alsa_config=None, env=server.env, timeout=120,
        )  # fmt: skip
    finally:
        server.stop()
    assert answer["state"] == "error"
    assert answer["error"].startswith(
        "audio output failed: the audio device went away or stopped working ("
    )
    errors = [n for n in answer["notes"] if n.startswith("Cannot play")]
    assert len(errors) == 1 and "\n" not in errors[0], answer["notes"]
    assert answer["bar"][0].startswith("✖ error")
    assert answer["joined"] is True  # the player's thread ended; the app quit normally
    # PortAudio's complaints went to the log, not over the TUI.
    assert stderr == ""
    assert "pa_linux_alsa.c" in (tmp_path / "stderr.log").read_text()
