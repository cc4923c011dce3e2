"""In-app playback: the keys, the player bar, no audio device, saving, errors, and the real
playback path through ALSA (in a subprocess, with a file sink instead of a sound card).

Most tests inject a fake audio backend and clock into the Player (tests/player_helpers.py), so
positions are exact; downloads and decoding are real, from the emulator over loopback.
"""

from __future__ import annotations

import re
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from app_helpers import help_pages, no_coroutine_left_unawaited, notes, screen_text, settle
from audio_helpers import FakeClock, FakeOutput, broken_config, file_sink_config, read_sink
from player_helpers import (
    NO_DEVICE,
    bar,
    bar_lines,
    bar_text,
    fake_player,
    player_app,
    run_script,
    select,
    until,
)

from rectui.emulator import LoggedRequest, RunningEmulator
from rectui.media import PlayerState, media_format, readable_name, scp_command
from rectui.plivo.auth import account_in_url
from rectui.plivo.models import Recording
from rectui.ui.screens import HelpScreen

SIZE = (160, 48)


def media_requests(emu: RunningEmulator, recording: Recording) -> list[LoggedRequest]:
    suffix = f"/{recording.recording_id}.{recording.recording_format}"
    return [r for r in emu.emulator.request_log if r.path.endswith(suffix)]


def messages(app, severity: str | None = None) -> list[str]:
    return [m for m, s in notes(app) if severity is None or s == severity]


def between(low: float, high: float):
    return lambda r: r.duration_s is not None and low <= r.duration_s <= high


async def playing(pilot, backend: FakeOutput, count: int = 1) -> None:
    player = pilot.app.main.playback.player
    await until(
        pilot,
        lambda: player.state is PlayerState.PLAYING and len(backend.streams) >= count,
        "playback to start",
    )


async def shows(pilot, text: str, line: int | None = None) -> None:
    app = pilot.app

    def found() -> bool:
        return text in (bar_lines(app)[line] if line is not None else bar_text(app))

    await until(pilot, found, f"{text!r} in the player bar")


# -- the real playback path ----------------------------------------------------------------------


def test_p_plays_a_wav_through_alsa_byte_for_byte(tmp_path: Path) -> None:
    """The app, the real Player and PortAudio, ALSA writing to a file instead of a card."""
    config, out = file_sink_config(tmp_path)
    answer, stderr = run_script("play", tmp_path, alsa_config=config)
    assert answer["state"] == "finished", answer
    assert answer["position"] == pytest.approx(answer["duration"], abs=0.01)
    with wave.open(answer["path"]) as source:
        assert source.getsampwidth() == 2
        expected = source.readframes(source.getnframes())
    assert read_sink(out) == expected
    assert answer["bar"][0].startswith("■ finished")
    assert answer["joined"] is True  # the player's thread is gone once the app has quit
    assert stderr == ""


def test_no_sound_card_says_so_and_alsa_stays_quiet(tmp_path: Path) -> None:
    answer, stderr = run_script("nodevice", tmp_path, alsa_config=broken_config(tmp_path))
    assert answer["bar"][0].startswith("✖ no audio")
    assert any("no audio output on this host — s saves the file" in n for n in answer["notes"])
    assert answer["path"] is None  # nothing was downloaded to play
    assert stderr == ""  # no "ALSA lib ..." drawn over the TUI


# -- no audio device (an SSH session) ------------------------------------------------------------


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A download folder whose scp line fits the player bar whatever pytest's own tmp path is
    (pytest-xdist's are longer)."""
    with tempfile.TemporaryDirectory(prefix="rt", dir="/tmp") as name:
        yield Path(name)


async def test_without_audio_p_says_so_and_s_saves_with_an_scp_line(
    emulator: RunningEmulator, short_tmp: Path
) -> None:
    tmp_path = short_tmp
    backend = FakeOutput(FakeClock(), NO_DEVICE)
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, between(3, 60))
        assert not bar(app).display  # hidden until first used
        player = app.main.playback.player
        await until(pilot, lambda: player.output is not None, "the device check")

        await pilot.press("p")
        await shows(pilot, "✖ no audio", line=0)
        assert "no audio output on this host — s saves the file" in bar_lines(app)[2]
        assert any("no audio output on this host — s saves the file" in m for m in messages(app))
        assert media_requests(emulator, recording) == []  # no download just to fail
        assert backend.streams == []

        await pilot.press("s")
        await shows(pilot, "✔ saved", line=0)
        saved = tmp_path / "downloads" / readable_name(recording, media_format(recording))
        assert saved.read_bytes() == httpx.get(recording.recording_url).content
        scp = scp_command(saved)
        assert scp.startswith("scp ") and str(saved) in scp
        assert app.clipboard == scp
        (note,) = [m for m in messages(app) if m.startswith("Saved")]
        assert str(saved) in note and scp in note and "\n" not in note
        assert bar_lines(app)[1] == scp  # the line to copy, on its own
        await pilot.press("j")  # still browsing
        assert app.main.table.current != recording


# -- keys -----------------------------------------------------------------------------------------


async def test_keys_play_pause_seek_volume_and_stop(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    backend = FakeOutput(clock)
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, between(45, 120))
        player = app.main.playback.player
        await pilot.press("p")
        await playing(pilot, backend)
        await shows(pilot, "▶ playing", line=0)
        first = bar_lines(app)[0]
        assert recording.recording_id[:8] in first
        assert "0:00 / " in first and "vol 100%" in first and "denoised" in first

        clock.advance(3)  # the bar follows the player's clock on its timer
        await shows(pilot, "0:03 / ", line=0)

        for key, seconds in [("right", 8), ("right_square_bracket", 38),
                             ("left_square_bracket", 8), ("left", 3), ("0", 0)]:  # fmt: skip
            await pilot.press(key)
            await until(pilot, lambda s=seconds: player.position == s, f"position {seconds}")
            await shows(pilot, f"0:{seconds:02d} / ", line=0)
        assert player.state is PlayerState.PLAYING

        # The seek keys work with the detail pane focused too (Enter on the table).
        await pilot.press("enter")
        assert app.focused is app.main.detail
        await pilot.press("right")
        await until(pilot, lambda: player.position == 5, "position 5 from the details")
        await pilot.press("escape", "0")
        await until(pilot, lambda: player.position == 0, "position 0")

        await pilot.press("plus")
        await shows(pilot, "vol 110%", line=0)
        await pilot.press("minus", "minus")
        await shows(pilot, "vol 90%", line=0)
        assert player.volume == 90

        await pilot.press("p")
        await shows(pilot, "⏸ paused", line=0)
        assert player.state is PlayerState.PAUSED
        await pilot.press("p")
        await shows(pilot, "▶ playing", line=0)

        # The whole recording's waveform, with the play head, once computed.
        await until(pilot, lambda: bar(app).view.peaks is not None, "the waveform")
        assert set(bar_lines(app)[1]) <= set("▁▂▃▄▅▆▇█") and len(set(bar_lines(app)[1])) > 2

        # Browsing goes on while it plays; x stops.
        await pilot.press("j", "j", "k")
        assert app.main.table.current != recording and player.state is PlayerState.PLAYING
        await pilot.press("x")
        await shows(pilot, "■ stopped", line=0)
        assert player.state is PlayerState.STOPPED and player.position == 0
        assert all(s.closed for s in backend.streams)


async def test_playing_another_recording_stops_the_current_one(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        first = await select(pilot, between(3, 30))
        await pilot.press("p")
        await playing(pilot, backend)
        second = await select(pilot, lambda r: between(3, 30)(r) and r != first)
        await pilot.press("p")
        await until(pilot, lambda: app.main.playback.current == second, "the second recording")
        await playing(pilot, backend, count=2)
        assert backend.streams[0].closed
        assert second.recording_id[:8] in bar_lines(app)[0]


async def test_p_on_two_recordings_in_one_go_plays_the_second_and_leaves_nothing_behind(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    # Two plays handled before the first one's download had started (keys typed quickly): the
    # second stops the first before it ever ran, and no coroutine is left never awaited.
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    with no_coroutine_left_unawaited():
        async with app.run_test(size=SIZE) as pilot:
            first = await select(pilot, between(3, 30))
            second = await select(pilot, lambda r: between(3, 30)(r) and r != first)
            playback = app.main.playback
            playback.play_pause(first)
            playback.play_pause(second)
            await until(pilot, lambda p=playback: p.current == second, "the second playing")
            await playing(pilot, backend)
            assert media_requests(emulator, first) == []  # its download never started
            assert len(backend.streams) == 1
        del app, pilot, playback


async def test_o_switches_to_the_original_and_back_at_the_same_position(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    backend = FakeOutput(clock)
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, lambda r: r.recording_format == "mp3" and r.duration_s > 8)
        player = app.main.playback.player
        await pilot.press("p")
        await playing(pilot, backend)
        denoised = player.path
        clock.advance(4)

        await pilot.press("o")
        await shows(pilot, "original", line=0)
        await until(pilot, lambda: player.state is PlayerState.PLAYING, "playing the original")
        assert player.path != denoised and player.path.name.endswith(".original.mp3")
        assert player.position == 4
        queries = [(r.query, r.status) for r in media_requests(emulator, recording)]
        assert queries == [({}, 200), ({"type": "original"}, 200)]

        await pilot.press("o")  # back: the denoised file is cached
        await shows(pilot, "denoised", line=0)
        await until(pilot, lambda: player.path == denoised, "the denoised file again")
        assert len(media_requests(emulator, recording)) == 2


async def test_o_where_the_original_is_missing_says_so_and_keeps_playing(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, between(3, 30))
        player = app.main.playback.player
        await pilot.press("p")
        await playing(pilot, backend)
        denoised = player.path
        emulator.emulator.fail_next(recording.recording_id, status=404, error="not found")

        await pilot.press("o")
        await until(pilot, lambda: any("not available" in m for m in messages(app)), "the note")
        (note,) = [m for m in messages(app) if "not available" in m]
        assert "original (pre-denoise)" in note and "still playing the denoised one" in note
        assert player.path == denoised and player.state is PlayerState.PLAYING
        assert "denoised" in bar_lines(app)[0] and "not available" in bar_lines(app)[2]
        assert [r.status for r in media_requests(emulator, recording)] == [200, 404]


# -- media auth -----------------------------------------------------------------------------------


def owned_by(auth_id: str):
    return lambda r: account_in_url(r.recording_url) == auth_id and between(3, 60)(r)


async def test_subaccount_media_is_fetched_with_the_subaccounts_credentials(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.emulator.media_auth = True
    sub = emulator.subaccounts[0]
    backend = FakeOutput(FakeClock())
    app = player_app(
        emulator,
        tmp_path,
        make_player=fake_player(backend),
        subaccounts=[(sub.auth_id, sub.auth_token)],
    )
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, owned_by(sub.auth_id))
        await pilot.press("p")
        await playing(pilot, backend)
        await pilot.press("s")
        await until(pilot, lambda: any(m.startswith("Saved") for m in messages(app)), "saving")
        assert [r.status for r in media_requests(emulator, recording)] == [200]
        assert messages(app, "error") == []


async def test_media_401_names_the_auth_id_and_never_the_token(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.emulator.media_auth = True
    sub = emulator.subaccounts[0]
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, owned_by(sub.auth_id))
        await pilot.press("p")
        await until(pilot, lambda: messages(app, "error"), "the error")
        (message,) = messages(app, "error")
        assert message.startswith(f"Cannot play {recording.recording_id[:8]}: ")
        assert "HTTP auth on recordings is on" in message and emulator.auth_id in message
        assert "HTTP 401" in message and "\n" not in message
        await shows(pilot, "✖ error", line=0)
        for shown in (message, screen_text(app), app.export_screenshot()):
            assert emulator.auth_token not in shown
        assert [r.status for r in media_requests(emulator, recording)] == [401]
        assert backend.streams == []


# -- errors ---------------------------------------------------------------------------------------


FAULTS = {
    "404": (lambda emu, rid: emu.fail_next(rid, status=404), "HTTP 404"),
    "network": (lambda emu, rid: emu.drop_connection_for(rid, times=None), "Cannot reach"),
    "short body": (
        lambda emu, rid: emu.truncate_media_for(rid, keep_bytes=1000),
        "try again to resume",
    ),
    "not audio": (
        lambda emu, rid: emu.fail_next(rid, status=200, body=b"this is not audio" * 50),
        "cannot (read|decode)",
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_media_failures_are_one_line_notes_and_nothing_freezes(
    emulator: RunningEmulator, tmp_path: Path, fault: str
) -> None:
    inject, expected = FAULTS[fault]
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        recording = await select(pilot, between(3, 30))
        inject(emulator.emulator, recording.recording_id)
        await pilot.press("p")
        await until(pilot, lambda: messages(app, "error"), "the error")
        (message,) = messages(app, "error")
        assert message.startswith(f"Cannot play {recording.recording_id[:8]}: ")
        assert re.search(expected, message) and "\n" not in message
        await shows(pilot, "✖ error", line=0)
        assert backend.streams == []
        # Still responsive: the cursor moves, help opens and closes.
        await pilot.press("j", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.main.table.current != recording


# -- quitting, help, footer -----------------------------------------------------------------------


async def test_q_while_playing_stops_and_joins_the_player(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, between(3, 30))
        await pilot.press("p")
        await playing(pilot, backend)
        player = app.main.playback.player
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to quit", timeout=5)
    assert player.join(0)
    assert backend.streams[0].closed


async def test_help_lists_the_player_keys_and_the_footer_shows_p(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    app = player_app(emulator, tmp_path, make_player=fake_player(FakeOutput(FakeClock())))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_text(app).rstrip().splitlines()[-1]
        assert "p Play" in footer and "Stop playing" not in footer
        pages = await help_pages(pilot)
        player_keys = pages["Player"]
        for keys, description in [
            ("p", "Play or pause the highlighted recording"),
            ("x", "Stop playing"),
            ("←", "Back 5 s"),
            ("→", "Forward 5 s"),
            ("[", "Back 30 s"),
            ("]", "Forward 30 s"),
            ("0", "Back to the start"),
            ("+ =", "Volume up"),
            ("-", "Volume down"),
            ("o", "Switch between the denoised and the original (pre-denoise) audio"),
            ("s", "Save the highlighted recording to the download folder"),
        ]:
            assert f"{keys:<12}  {description}" in player_keys, (keys, description)
        assert "Play or pause" not in pages["Recordings"]


# -- speed, output device, notifications ---------------------------------------------------------


async def test_speed_keys_show_in_the_bar_and_stay_for_the_next_recording(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        first = await select(pilot, between(3, 30))
        player = app.main.playback.player
        await pilot.press("p")
        await playing(pilot, backend)
        await shows(pilot, "   1×   vol 100%", line=0)
        await pilot.press("greater_than_sign", "greater_than_sign")
        await shows(pilot, "   1.5×   vol 100%", line=0)
        assert player.speed == 1.5
        for _ in range(5):
            await pilot.press("less_than_sign")
        await shows(pilot, "   0.75×   ", line=0)  # the slowest step, held there
        await pilot.press("greater_than_sign")
        second = await select(pilot, lambda r: between(3, 30)(r) and r != first)
        await pilot.press("p")
        await until(pilot, lambda: app.main.playback.current == second, "the second recording")
        await shows(pilot, "   1×   ", line=0)
        assert player.speed == 1.0


async def test_the_palette_chooses_the_output_device_and_the_bar_names_it(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    backend = FakeOutput(FakeClock(), devices=["Headset USB", "Speakers"])
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, between(3, 30))
        player = app.main.playback.player
        await pilot.press("p")
        await playing(pilot, backend)
        assert "denoised   →" not in bar_lines(app)[0]  # the default output is not named
        await pilot.press("ctrl+p")
        await pilot.press(*"audio output")
        await pilot.press("enter")
        await until(pilot, lambda: "Speakers" in screen_text(app), "the device list")
        assert "Headset USB" in screen_text(app) and "System default" in screen_text(app)
        await pilot.press(*"speak")
        await pilot.press("enter")
        await shows(pilot, "→ Speakers", line=0)
        assert player.device == "Speakers"
        await until(pilot, lambda: backend.streams[-1].device == "Speakers", "a stream there")
        assert player.state is PlayerState.PLAYING
        assert any(m.startswith("Playing on Speakers") for m in messages(app))
        backend.note = "simpleaudio fallback"  # as where PortAudio cannot load
        await pilot.press("minus")
        await shows(pilot, "vol 90%   denoised   → Speakers · simpleaudio fallback", line=0)


async def test_notifications_never_cover_the_player_bar(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    from textual.widgets._toast import Toast

    backend = FakeOutput(FakeClock())
    app = player_app(emulator, tmp_path, make_player=fake_player(backend))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select(pilot, between(3, 30))
        await pilot.press("p")
        await playing(pilot, backend)
        for index in range(3):
            app.notify(f"note {index}: " + "a long message that wraps " * 6, timeout=30)
        await until(pilot, lambda: len(app.screen.query(Toast)) >= 3, "three toasts")
        await pilot.pause()
        player_bar = bar(app).region
        for toast in app.screen.query(Toast):
            assert not toast.region.overlaps(player_bar), (toast.region, player_bar)
            assert toast.region.bottom <= player_bar.y
