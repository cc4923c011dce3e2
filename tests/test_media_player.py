"""Player logic on a fake output device and a fake clock (the real PortAudio path is tested in
test_media_playback.py and, through a sound server, test_media_pulse.py); decoding is real
ffmpeg on a short generated wav."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from audio_helpers import FakeClock, FakeOutput, FakeStream, make_audio

from rectui.media import Player, PlayerState, next_speed
from rectui.media.decode import PcmStream, decode_all
from rectui.media.player import FADE_S, ramp

# One worker builds this module's fixtures, not each (`dev.sh test` runs --dist loadgroup).
pytestmark = pytest.mark.xdist_group("media_player")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 8000
BPS = RATE * 2  # 8 kHz mono 16-bit
FADE = int(RATE * FADE_S) * 2
WAIT = 10.0


def until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.001)


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_audio(tmp_path_factory.mktemp("p") / "tone.wav", seconds=10, rate=RATE)


@pytest.fixture(scope="module")
def reference(tone: Path) -> bytes:
    return decode_all(tone, RATE, 1)


@pytest.fixture
def rig(tone: Path) -> Iterator[tuple[Player, FakeOutput, FakeClock]]:
    clock = FakeClock()
    output = FakeOutput(clock)
    player = Player(clock=clock, backend=output)
    player.load(tone, "tone", duration=9.5)
    assert player.duration == 9.5  # the hint, until the probe answers
    until(lambda: player.duration == 10.0, "the probe's duration")
    yield player, output, clock
    player.close()


def at(reference: bytes, seconds: float, length: int) -> bytes:
    start = round(seconds * RATE) * 2
    return reference[start : start + length]


def full(stream: FakeStream) -> None:
    """Wait until the player has filled the device (it then waits for the clock)."""
    until(lambda: stream.room_frames() < stream.block_frames, "the device filled up")


def test_play_pause_resume_continues_exactly(rig, reference: bytes):
    player, output, clock = rig
    player.prepare()  # as the app does once its first frame is out
    until(lambda: player.output is not None, "the device check")
    assert player.output == (True, "fake output")  # checked before any play
    assert player.state is PlayerState.STOPPED and player.position == 0.0
    player.play()
    stream = output.stream
    full(stream)
    assert player.state is PlayerState.PLAYING
    assert player.position == 0.0  # written is not heard
    assert bytes(stream.data) == reference[: len(stream.data)]
    clock.advance(0.4)
    until(lambda: player.position == pytest.approx(0.4), "the position to follow the device")
    player.pause()
    assert player.state is PlayerState.PAUSED
    # What the device held and had not played is taken back: the sound stops where it was,
    # faded over the next few ms, and the position stays there.
    until(lambda: stream.queued_frames() == 0 and player.position > 0.4, "the pause to settle")
    assert stream.flushes == [round(0.4 * RATE) * 2]
    paused_at = player.position
    assert paused_at == len(stream.data) / BPS == 0.4 + FADE_S
    end = len(stream.data)
    assert bytes(stream.data[: end - FADE]) == reference[: end - FADE]
    assert bytes(stream.data[end - FADE :]) == ramp(reference[end - FADE : end], 1, rising=False)
    clock.advance(5)
    assert player.position == paused_at
    player.play()  # the same stream and decoder carry on from the next frame, faded in
    until(lambda: len(stream.data) > end + BPS // 10, "writing after resume")
    resumed = bytes(stream.data[end:])
    assert resumed[:FADE] == ramp(reference[end : end + FADE], 1, rising=True)
    assert resumed[FADE:] == reference[end + FADE : end + len(resumed)]
    assert output.streams == [stream] and len(stream.flushes) == 1
    clock.advance(0.1)
    until(lambda: player.position == pytest.approx(paused_at + 0.1), "the position after resume")


def test_seek_while_playing_and_clamping(rig, reference: bytes):
    player, output, clock = rig
    player.play()
    stream = output.stream
    full(stream)
    player.seek(5.0)
    assert player.position == 5.0  # at once, before the decoder has restarted
    until(lambda: len(stream.flushes) == 1, "the device's queue dropped")
    cut = stream.flushes[0]
    until(lambda: len(stream.data) >= cut + BPS // 10, "writing from the new position")
    assert bytes(stream.data[cut:]) == at(reference, 5.0, len(stream.data) - cut)
    assert player.position == 5.0
    clock.advance(0.5)
    until(lambda: player.position == pytest.approx(5.5), "the position after the seek")
    player.seek_relative(-10)  # clamped to the start
    assert player.position == 0.0
    until(lambda: len(stream.flushes) == 2, "the second seek")
    cut = stream.flushes[1]
    until(lambda: len(stream.data) >= cut + BPS // 10, "writing from the start")
    assert bytes(stream.data[cut:]) == reference[: len(stream.data) - cut]
    player.seek(1e9)  # clamped to the end: finished
    assert player.state is PlayerState.FINISHED
    assert player.position == 10.0
    until(lambda: stream.closed, "the stream closed")
    assert output.streams == [stream]  # one stream for all of it


def test_seek_while_paused_or_stopped_does_not_play(rig, reference: bytes):
    player, output, _ = rig
    player.seek(3.0)
    assert player.state is PlayerState.PAUSED and player.position == 3.0
    player.seek_relative(2.5)
    assert player.position == 5.5
    player.seek(-1)
    assert player.position == 0.0
    assert output.streams == []
    player.stop()
    assert player.state is PlayerState.STOPPED and player.position == 0.0
    # Paused mid-play, a seek moves the decoder but nothing is written until play.
    player.play()
    stream = output.stream
    full(stream)
    player.pause()
    until(lambda: stream.queued_frames() == 0, "the pause to settle")
    written = len(stream.data)
    player.seek(7.0)
    until(lambda: len(stream.flushes) == 2, "the seek to reach the decoder")
    assert player.position == 7.0 and len(stream.data) == written
    player.play()
    until(lambda: len(stream.data) > written + FADE, "writing after play")
    resumed = bytes(stream.data[written:])
    assert resumed[:FADE] == ramp(at(reference, 7.0, FADE), 1, rising=True)
    assert resumed[FADE:] == at(reference, 7.0, len(resumed))[FADE:]


def test_plays_to_the_end_then_restarts(tone: Path, reference: bytes):
    clock = FakeClock()
    output = FakeOutput(clock, capacity=60)  # room for all of it: it plays out at once
    player = Player(clock=clock, backend=output)
    player.load(tone)
    player.play()
    until(lambda: player.state is PlayerState.FINISHED, "the end")
    assert player.position == player.duration == 10.0
    assert bytes(output.streams[0].data) == reference
    until(lambda: output.streams[0].closed, "the stream closed at the end")
    player.play()  # after the end, play starts over
    until(lambda: len(output.streams) == 2 and output.streams[1].closed, "the second play")
    assert bytes(output.streams[1].data) == reference
    player.close()


def test_volume_steps_clamps_and_is_heard_at_once(rig, reference: bytes):
    player, output, clock = rig
    assert player.volume == 100
    for asked, expected in [(155, 150), (-5, 0), (44, 40), (46, 50), (100, 100)]:
        player.set_volume(asked)
        assert player.volume == expected
    player.change_volume(-10)
    assert player.volume == 90
    player.change_volume(+10)
    player.play()
    stream = output.stream
    full(stream)
    clock.advance(0.1)
    for level, flushes in ((50, 1), (0, 2), (150, 3)):
        # What the device holds and has not played is written again at the new level.
        player.set_volume(level)
        until(lambda n=flushes: len(stream.flushes) == n, f"the take-back at {level} %")
        cut = stream.flushes[-1]
        assert cut == round((0.1 * flushes) * RATE) * 2  # from the very frame heard
        until(lambda cut=cut: len(stream.data) >= cut + BPS // 10, "writing again")
        after = bytes(stream.data[cut:])
        assert after == audioop.mul(reference[cut : cut + len(after)], 2, level / 100)
        full(stream)
        clock.advance(0.1)


def test_speed_keeps_playing_from_the_position_heard(rig, tone: Path):
    player, output, clock = rig
    assert player.speed == 1.0
    player.play()
    stream = output.stream
    full(stream)
    clock.advance(1.0)
    until(lambda: player.position == pytest.approx(1.0), "a second played")
    player.change_speed(+2)  # 1.0 -> 1.25 -> 1.5
    assert player.speed == 1.5
    until(lambda: len(stream.flushes) == 1, "the restart at 1.5x")
    cut = stream.flushes[0]
    until(lambda: len(stream.data) >= cut + BPS // 5, "writing at 1.5x")
    with PcmStream(tone, 1.0, RATE, 1, speed=1.5) as faster:  # ffmpeg's atempo, pitch kept
        expected = faster.read(len(stream.data) - cut)
    assert bytes(stream.data[cut : cut + len(expected)]) == expected
    clock.advance(1.0)  # a second of sound at 1.5x is 1.5 s of the recording
    until(lambda: player.position == pytest.approx(2.5), "the position at 1.5x")
    player.load(tone, "next")  # kept for the next recording
    assert player.speed == 1.5
    player.change_speed(+10)
    assert player.speed == 2.0
    player.set_speed(0.1)
    assert player.speed == 0.75
    assert next_speed(1.0, -1) == 0.75 and next_speed(1.9, 0) == 2.0


def test_device_change_moves_what_plays(rig, reference: bytes):
    player, output, clock = rig
    player.play()
    first = output.stream
    full(first)
    clock.advance(1.0)
    until(lambda: player.position == pytest.approx(1.0), "a second played")
    player.set_device("fake two")
    assert player.device == "fake two"
    until(lambda: len(output.streams) == 2, "a stream on the new device")
    second = output.streams[1]
    assert second.device == "fake two" and first.closed
    until(lambda: len(second.data) >= BPS // 10, "writing on the new device")
    assert bytes(second.data) == at(reference, 1.0, len(second.data))


def test_no_audio_output_is_an_error_state_not_an_exception(rig):
    player, output, _ = rig
    output.answer = (False, "no output device (PortAudio finds no sound card or sound server)")
    player.play()
    until(lambda: player.state is PlayerState.ERROR, "the error")
    assert player.error == (
        "no audio output on this host "
        "(no output device (PortAudio finds no sound card or sound server))"
    )
    assert output.streams == []
    player.seek(2.0)  # still harmless
    player.pause()
    player.stop()


def test_device_failure_mid_play_is_reported_and_recovers(rig):
    player, output, clock = rig
    player.play()
    stream = output.stream
    full(stream)
    output.fail_with = "Unanticipated host error [PaErrorCode -9999]: 'Input/output error'"
    clock.advance(0.1)
    until(lambda: player.state is PlayerState.ERROR, "the error")
    assert player.error == (
        "audio output failed: Unanticipated host error [PaErrorCode -9999]: 'Input/output error'"
    )
    assert player.join(WAIT) and stream.closed
    output.fail_with = None
    player.play()  # recovers once the device is back
    until(lambda: len(output.streams) == 2, "a new stream")
    assert player.state is PlayerState.PLAYING and player.error is None


def test_load_stops_the_current_recording(rig, tone: Path):
    player, output, _ = rig
    player.play()
    stream = output.stream
    player.load(tone, "again")
    assert player.state is PlayerState.STOPPED and player.title == "again"
    until(lambda: stream.closed, "the old stream closed")
    until(lambda: player.duration == 10.0, "the probe")


def test_unreadable_file_reports_error(tmp_path: Path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"")
    output = FakeOutput(FakeClock())
    player = Player(clock=output.clock, backend=output)
    player.load(broken)
    until(lambda: player.state is PlayerState.ERROR, "the error")
    assert player.error and "broken.mp3" in player.error
    player.play()
    assert player.state is PlayerState.ERROR and output.streams == []
    player.close()


def test_zero_length_recording_finishes_at_once(tmp_path: Path):
    import wave

    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
    output = FakeOutput(FakeClock())
    player = Player(clock=output.clock, backend=output)
    player.load(empty)
    player.play()
    until(lambda: player.state is PlayerState.FINISHED, "the end")
    assert player.position == 0.0 and all(not s.data for s in output.streams)
    player.close()


def test_commands_without_a_recording_are_no_ops():
    output = FakeOutput(FakeClock())
    player = Player(clock=output.clock, backend=output)
    for command in (player.play, player.pause, player.toggle, player.stop):
        command()
    player.seek(3)
    player.seek_relative(1)
    assert player.state is PlayerState.STOPPED and player.position == 0.0
    assert player.join(1)


def test_player_pins_the_playing_file_in_the_cache(tmp_path: Path, tone: Path):
    from rectui.media import MediaCache

    cache = MediaCache(tmp_path / "cache", max_bytes=0)
    first = cache.path_for("one", "wav")
    first.write_bytes(tone.read_bytes())
    output = FakeOutput(FakeClock())
    player = Player(clock=output.clock, backend=output, cache=cache)
    player.load(first)
    assert cache.evict() == [] and first.exists()
    second = cache.path_for("two", "wav")
    second.write_bytes(tone.read_bytes())
    player.load(second)  # the first is no longer in use
    assert cache.evict() == [first]
    player.close()
    assert cache.evict() == [second]


def test_without_portaudio_simpleaudio_is_the_named_fallback(monkeypatch):
    from rectui.media import backend

    def missing():
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(backend, "_sounddevice", missing)
    chosen = backend.default_backend()
    assert isinstance(chosen, backend.SimpleaudioBackend)
    assert chosen.note == "simpleaudio fallback"
    assert (
        chosen.name == "simpleaudio (fallback, PortAudio unavailable: PortAudio library not found)"
    )


def test_the_audio_library_loads_when_prepared_not_when_the_player_is_built(monkeypatch, tone):
    # Loading PortAudio holds the interpreter for tens of ms: the app builds its player as it
    # mounts and prepares it only after its first frame. A play that comes first loads it too.
    from rectui.media import player as player_module

    loading = threading.Event()
    release = threading.Event()
    output = FakeOutput(FakeClock())

    def slow_backend() -> FakeOutput:
        loading.set()
        release.wait(WAIT)
        return output

    monkeypatch.setattr(player_module, "default_backend", slow_backend)

    # Other tests' players (in this process) may still be finishing their own checks.
    before = set(threading.enumerate())

    def checks() -> list[threading.Thread]:
        new = set(threading.enumerate()) - before
        return [t for t in new if t.name == "rectui-audio-check"]

    player = Player(clock=output.clock)
    try:
        assert checks() == [] and not loading.is_set()  # built: nothing loads
        player.prepare()
        player.prepare()  # once is enough
        until(loading.is_set, "the audio library loading once prepared")
        assert len(checks()) == 1 and player.output is None
        release.set()
        until(lambda: player.output == (True, "fake output"), "the device check")
    finally:
        release.set()
        player.close()

    unprepared = Player(clock=output.clock)
    try:
        unprepared.load(tone, "tone")
        unprepared.play()
        until(lambda: output.streams != [], "a play opening the device unprepared")
        assert unprepared.output == (True, "fake output")
    finally:
        unprepared.close()
