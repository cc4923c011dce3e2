"""Helpers for the in-app playback tests (tests/test_app_player.py): an app with its media in a
temporary directory, a fake audio output and clock for the Player, picking a recording in the
table, waiting on conditions with a deadline, reading the player bar.

Also a subprocess entry point: `python tests/player_helpers.py COMMAND TMPDIR ...` (see _in_app)
runs the app against its own emulator with the real Player and PortAudio, presses `p` and prints
a JSON answer. ALSA reads ALSA_CONFIG_PATH once per process, so the tests that point ALSA at a
file sink or a sound server run this in a fresh interpreter.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # when run as a script
    sys.path.insert(0, str(HERE))

from app_helpers import settle, until  # noqa: E402
from audio_helpers import FakeOutput, run_fresh  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from rectui.config import AppConfig, Profile, Settings  # noqa: E402
from rectui.emulator import RunningEmulator  # noqa: E402
from rectui.media import Player  # noqa: E402
from rectui.plivo.auth import Credentials  # noqa: E402
from rectui.plivo.client import PlivoClient  # noqa: E402
from rectui.plivo.models import Recording  # noqa: E402
from rectui.ui.app import RectuiApp  # noqa: E402
from rectui.ui.widgets import PlayerBar  # noqa: E402

SIZE = (160, 48)
WAIT = 30.0
NO_DEVICE = (False, "ALSA cannot open its default device: No such file or directory")


async def _no_sleep(_seconds: float) -> None:
    """Client backoff without waiting."""


def fake_player(output: FakeOutput) -> Callable[..., Player]:
    """The Player on a fake output device and its clock (positions are exact)."""
    return functools.partial(Player, backend=output, clock=output.clock)


def player_app(
    running: RunningEmulator,
    tmp: Path,
    *,
    make_player: Callable[..., Player] | None = None,
    subaccounts: Iterable[tuple[str, str]] = (),
    token: str | None = None,
) -> RectuiApp:
    """The app against `running`, its cache and download folder under `tmp`."""
    credentials = Credentials(running.auth_id, running.auth_token if token is None else token)
    client = PlivoClient(credentials, base_url=running.base_url, max_retries=1, sleep=_no_sleep)
    subs = {auth_id: Credentials(auth_id, tok) for auth_id, tok in subaccounts}
    settings = Settings(download_dir=tmp / "downloads", cache_dir=tmp / "cache")
    profile = Profile("test", credentials, running.base_url, subs)
    config = AppConfig(profile=profile, settings=settings)
    return RectuiApp(config, client, make_player=make_player or Player)


async def select(
    pilot: Pilot, accept: Callable[[Recording], bool], *, shortest: bool = True
) -> Recording:
    """Put the table's cursor on a recording `accept` likes (the shortest, unless told
    otherwise: the emulator synthesises media on first request) and return it."""
    app = pilot.app
    assert isinstance(app, RectuiApp)
    await settle(pilot)
    best: tuple[int, Recording] | None = None
    for index in range(app.main.table.total):
        app.main.table.cursor_index = index
        if app.main.table.current is None:
            await settle(pilot)
        recording = app.main.table.current
        if recording is None or not accept(recording):
            continue
        if not shortest:
            best = (index, recording)
            break
        if best is None or (recording.duration_s or 0) < (best[1].duration_s or 0):
            best = (index, recording)
    assert best is not None, "no recording in the table fits"
    app.main.table.cursor_index = best[0]
    await settle(pilot)
    assert app.main.table.current == best[1]
    return best[1]


def bar(app: RectuiApp) -> PlayerBar:
    return app.query_one("#player", PlayerBar)


def bar_lines(app: RectuiApp) -> list[str]:
    return bar(app).plain_lines()


def bar_text(app: RectuiApp) -> str:
    return "\n".join(bar_lines(app))


def s16le_wav(recording: Recording) -> bool:
    """A wav the emulator writes as 16-bit PCM (others are µ-law)."""
    from rectui.emulator.audio import profile_for

    return (
        recording.recording_format == "wav"
        and profile_for(recording.recording_id, recording.duration_s or 0).wav_codec == "pcm_s16le"
    )


# -- the subprocess side ------------------------------------------------------------------------


def run_script(
    command: str,
    tmp: Path,
    *args: str,
    alsa_config: Path | None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Run this file's main() in a fresh interpreter; returns (its JSON answer, its stderr)."""
    return run_fresh(
        Path(__file__).resolve(),
        command,
        str(tmp),
        *args,
        alsa_config=alsa_config,
        timeout=timeout,
        env=env,
    )


async def _in_app(command: str, tmp: Path, args: list[str]) -> dict[str, Any]:
    """play: press p on a 16-bit wav, wait for the end. nodevice: press p, wait for the note.
    recording FORMAT FASTER [KILL_PID]: press > FASTER times and p on an 8-15 s recording of
    FORMAT (hundreds of 20 ms blocks; a longer one only adds wall time), wait for the end; with
    KILL_PID, kill that process (the sound server) a second into playing and wait for the error
    instead."""
    from rectui.emulator import Emulator, run_emulator_in_thread
    from rectui.media import PlayerState, native_stderr_to

    def wanted(recording: Recording) -> bool:
        if command == "recording":
            return recording.recording_format == args[0] and 8 <= recording.duration_s <= 15
        return s16le_wav(recording) and recording.duration_s >= 3

    emulator = Emulator(seed=7, count=2000)
    # As `rectui --demo` does: the emulator's rows live as long as the app, and a full
    # collection rescanning them stalls every thread for a quarter of a second.
    gc.freeze()
    try:
        with (
            run_emulator_in_thread(emulator) as base_url,
            native_stderr_to(tmp / "stderr.log"),  # as the CLI runs the TUI
        ):
            app = player_app(RunningEmulator(base_url, emulator), tmp)
            answer: dict[str, Any] = {}
            async with app.run_test(size=SIZE) as pilot:
                recording = await select(pilot, wanted)
                player = app.main.playback.player
                assert player is not None
                await until(pilot, lambda: player.output is not None, "the device check")
                if command == "recording":
                    for _ in range(int(args[1])):
                        await pilot.press("greater_than_sign")
                await pilot.press("p")
                ended = (PlayerState.FINISHED, PlayerState.ERROR)
                if command == "nodevice":
                    await until(pilot, lambda: "no audio" in bar_text(app), "the no-audio note")
                elif len(args) > 2:
                    await until(
                        pilot,
                        lambda: player.state is PlayerState.PLAYING and player.position >= 1,
                        "a second of playing",
                    )
                    os.kill(int(args[2]), signal.SIGKILL)
                    await until(pilot, lambda: player.state in ended, "the error", timeout=15)
                    await until(pilot, lambda: "error" in bar_text(app), "the error in the bar")
                else:
                    await until(
                        pilot,
                        lambda: app.main.playback.current == recording and player.state in ended,
                        "the end of playback",
                        timeout=90,
                    )
                    await until(pilot, lambda: "finished" in bar_text(app), "finished in the bar")
                answer = {
                    "recording_id": recording.recording_id,
                    "state": player.state.value,
                    "error": player.error,
                    "path": str(player.path) if player.path else None,
                    "position": player.position,
                    "duration": player.duration,
                    "speed": player.speed,
                    "backend": player.backend_name,
                    "bar": bar_lines(app),
                    "notes": [n.message for n in app._notifications],
                }
            answer["joined"] = player.join(0)
            return answer
    finally:
        emulator.close()


def main(argv: list[str]) -> int:
    answer = asyncio.run(_in_app(argv[0], Path(argv[1]), argv[2:]))
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
