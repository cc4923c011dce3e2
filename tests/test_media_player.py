"""Player logic with a fake clock and a fake backend (the real simpleaudio path is tested in
test_media_playback.py); decoding is real ffmpeg on a short generated wav."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_helpers import FakeClock, make_audio

from rectui.media import BackendError, Player, PlayerState
from rectui.media.decode import decode_all

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 8000
BPS = RATE * 2  # 8 kHz mono 16-bit
WAIT = 10.0


class FakeHandle:
    def __init__(self, pcm: bytes, finish: bool):
        self.pcm = pcm
        self.stopped = False
        self.waiting = threading.Event()
        self._done = threading.Event()
        if finish:
            self._done.set()

    def stop(self) -> None:
        self.stopped = True
        self._done.set()

    def finish(self) -> None:
        self._done.set()

    def wait(self) -> None:
        self.waiting.set()  # the player registers a chunk before it waits on it
        assert self._done.wait(WAIT), "the player never stopped this buffer"


class FakeBackend:
    def __init__(self, *, auto_finish: bool = False):
        self.auto_finish = auto_finish
        self.available_answer = (True, "fake")
        self.fail_with: str | None = None
        self.handles: list[FakeHandle] = []
        self._cond = threading.Condition()

    def available(self) -> tuple[bool, str]:
        return self.available_answer

    def play(self, pcm: bytes, channels: int, rate: int) -> FakeHandle:
        assert (channels, rate) == (1, RATE)
        if self.fail_with:
            raise BackendError(self.fail_with)
        handle = FakeHandle(pcm, self.auto_finish)
        with self._cond:
            self.handles.append(handle)
            self._cond.notify_all()
        return handle

    def playing(self, count: int) -> FakeHandle:
        """The `count`-th buffer, once the player is waiting on it."""
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.handles) >= count, WAIT)
            handle = self.handles[count - 1]
        assert handle.waiting.wait(WAIT)
        return handle


class Changes:
    """on_change events, waited on with a condition instead of sleeping."""

    def __init__(self) -> None:
        self._cond = threading.Condition()

    def __call__(self, player: Player) -> None:
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, predicate, timeout: float = WAIT) -> None:
        with self._cond:
            assert self._cond.wait_for(predicate, timeout), "condition not reached"


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_audio(tmp_path_factory.mktemp("p") / "tone.wav", seconds=10, rate=RATE)


@pytest.fixture(scope="module")
def reference(tone: Path) -> bytes:
    return decode_all(tone, RATE, 1)


@pytest.fixture
def rig(tone: Path) -> Iterator[tuple[Player, FakeBackend, FakeClock, Changes]]:
    clock, backend, changes = FakeClock(), FakeBackend(), Changes()
    player = Player(clock=clock, backend=backend, on_change=changes, chunk_seconds=(1.0,))
    player.load(tone, "tone", duration=9.5)
    assert player.duration == 9.5  # the hint, until the probe answers
    changes.wait_for(lambda: player.duration == 10.0)
    yield player, backend, clock, changes
    player.close()


def at(reference: bytes, seconds: float, length: int) -> bytes:
    start = round(seconds * RATE) * 2
    return reference[start : start + length]


def test_play_pause_resume_position(rig, reference: bytes):
    player, backend, clock, changes = rig
    changes.wait_for(lambda: player.output is not None)
    assert player.output == (True, "fake")  # checked at construction, before any play
    assert player.state is PlayerState.STOPPED and player.position == 0.0
    player.play()
    first = backend.playing(1)
    assert player.state is PlayerState.PLAYING
    assert first.pcm == reference[:BPS]  # one-second chunks
    clock.advance(0.4)
    assert player.position == pytest.approx(0.4)
    player.pause()
    assert player.state is PlayerState.PAUSED and first.stopped
    clock.advance(5)
    assert player.position == pytest.approx(0.4)
    player.play()
    second = backend.playing(2)
    assert second.pcm == at(reference, 0.4, BPS)
    clock.advance(0.3)
    assert player.position == pytest.approx(0.7)
    player.toggle()
    assert player.state is PlayerState.PAUSED
    player.toggle()
    assert backend.playing(3).pcm == at(reference, 0.7, BPS)


def test_position_advances_chunk_by_chunk(rig, reference: bytes):
    player, backend, clock, _ = rig
    player.play()
    first = backend.playing(1)
    clock.advance(5)  # the clock runs ahead of a buffer that has not ended...
    assert player.position == pytest.approx(1.0)  # ...but a chunk holds one second
    first.finish()
    second = backend.playing(2)
    assert second.pcm == at(reference, 1.0, BPS)  # no gap, no overlap
    assert player.position == pytest.approx(1.0)
    clock.advance(0.25)
    assert player.position == pytest.approx(1.25)


def test_seek_while_playing_and_clamping(rig, reference: bytes):
    player, backend, clock, _ = rig
    player.play()
    backend.playing(1)
    player.seek(5.0)
    assert backend.handles[0].stopped
    assert backend.playing(2).pcm == at(reference, 5.0, BPS)
    assert player.position == pytest.approx(5.0)
    clock.advance(0.5)
    player.seek_relative(-10)  # clamped to the start
    assert backend.playing(3).pcm == reference[:BPS]
    assert player.position == 0.0
    player.seek(1e9)  # clamped to the end: finished
    assert player.state is PlayerState.FINISHED
    assert player.position == 10.0
    assert backend.handles[2].stopped


def test_seek_while_paused_or_stopped_does_not_play(rig):
    player, backend, _, _ = rig
    player.seek(3.0)
    assert player.state is PlayerState.PAUSED and player.position == 3.0
    player.seek_relative(2.5)
    assert player.position == 5.5
    player.seek(-1)
    assert player.position == 0.0
    assert backend.handles == []
    player.stop()
    assert player.state is PlayerState.STOPPED and player.position == 0.0


def test_plays_to_the_end_then_restarts(tone: Path, reference: bytes):
    clock, backend, changes = FakeClock(), FakeBackend(auto_finish=True), Changes()
    player = Player(clock=clock, backend=backend, on_change=changes, chunk_seconds=(0.25, 2.0))
    player.load(tone)
    player.play()
    changes.wait_for(lambda: player.state is PlayerState.FINISHED)
    assert player.position == player.duration == 10.0
    assert b"".join(h.pcm for h in backend.handles) == reference
    assert [len(h.pcm) for h in backend.handles[:3]] == [BPS // 4, 2 * BPS, 2 * BPS]
    played = len(backend.handles)
    player.play()  # after the end, play starts over
    changes.wait_for(lambda: player.state is PlayerState.FINISHED and len(backend.handles) > played)
    assert backend.handles[played].pcm == reference[: BPS // 4]
    player.close()


def test_volume_steps_clamps_and_applies_mid_chunk(rig, reference: bytes):
    player, backend, clock, _ = rig
    assert player.volume == 100
    for asked, expected in [(155, 150), (-5, 0), (44, 40), (46, 50), (100, 100)]:
        player.set_volume(asked)
        assert player.volume == expected
    player.change_volume(-10)
    assert player.volume == 90
    player.change_volume(+10)
    player.play()
    first = backend.playing(1)
    assert first.pcm == reference[:BPS]
    clock.advance(0.25)
    player.set_volume(50)  # the rest of this chunk is replayed at the new level
    assert first.stopped
    second = backend.playing(2)
    assert second.pcm == audioop.mul(reference[BPS // 4 : BPS], 2, 0.5)
    assert player.position == pytest.approx(0.25)
    second.finish()
    assert backend.playing(3).pcm == audioop.mul(at(reference, 1.0, BPS), 2, 0.5)
    player.set_volume(0)
    assert backend.playing(4).pcm == bytes(BPS)
    player.set_volume(150)
    loud = backend.playing(5).pcm
    assert loud == audioop.mul(at(reference, 1.0, BPS), 2, 1.5)


def test_no_audio_output_is_an_error_state_not_an_exception(rig):
    player, backend, _, changes = rig
    backend.available_answer = (False, "ALSA cannot open its default device: no card")
    player.play()
    changes.wait_for(lambda: player.state is PlayerState.ERROR)
    assert player.error is not None
    assert player.error.startswith("no audio output on this host")
    assert player.output == (False, "ALSA cannot open its default device: no card")
    assert backend.handles == []
    player.seek(2.0)  # still harmless
    player.pause()
    player.stop()


def test_backend_failure_mid_play_is_reported(rig):
    player, backend, _, changes = rig
    backend.fail_with = "Error opening PCM device. -- CODE: -16 -- MSG: Device or resource busy"
    player.play()
    changes.wait_for(lambda: player.state is PlayerState.ERROR)
    assert player.error == (
        "audio output failed: Error opening PCM device. -- CODE: -16 -- MSG: "
        "Device or resource busy"
    )
    backend.fail_with = None
    player.play()  # recovers once the device is free
    backend.playing(1)
    assert player.state is PlayerState.PLAYING and player.error is None


def test_load_stops_the_current_recording(rig, tone: Path):
    player, backend, _, changes = rig
    player.play()
    first = backend.playing(1)
    player.load(tone, "again")
    assert first.stopped
    assert player.state is PlayerState.STOPPED and player.title == "again"
    changes.wait_for(lambda: player.duration == 10.0)


def test_unreadable_file_reports_error(tmp_path: Path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"")
    backend, changes = FakeBackend(), Changes()
    player = Player(clock=FakeClock(), backend=backend, on_change=changes)
    player.load(broken)
    changes.wait_for(lambda: player.state is PlayerState.ERROR)
    assert player.error and "broken.mp3" in player.error
    player.play()
    assert player.state is PlayerState.ERROR and backend.handles == []
    player.close()


def test_zero_length_recording_finishes_at_once(tmp_path: Path):
    import wave

    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
    backend, changes = FakeBackend(), Changes()
    player = Player(clock=FakeClock(), backend=backend, on_change=changes)
    player.load(empty)
    player.play()
    changes.wait_for(lambda: player.state is PlayerState.FINISHED)
    assert player.position == 0.0 and backend.handles == []
    player.close()


def test_commands_without_a_recording_are_no_ops():
    player = Player(clock=FakeClock(), backend=FakeBackend())
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
    player = Player(clock=FakeClock(), backend=FakeBackend(), cache=cache)
    player.load(first)
    assert cache.evict() == [] and first.exists()
    second = cache.path_for("two", "wav")
    second.write_bytes(tone.read_bytes())
    player.load(second)  # the first is no longer in use
    assert cache.evict() == [first]
    player.close()
    assert cache.evict() == [second]
