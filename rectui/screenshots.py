"""Regenerate the README's SVG screenshots from the demo data: `python -m rectui.screenshots [dir]`.

Everything is pinned so that the output only changes when the UI does: the emulator's seed and
clock, the app's clock, the terminal size and the local time zone (UTC).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

Step = Callable[[], Awaitable[None]]

SIZE = (120, 34)
SEED = 2026
COUNT = 5000
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
"""The demo's fixed "now": the emulator generates its history before it, the app counts from it."""


async def _settle(pilot) -> None:
    """Wait until every worker (listing opens, page loads, deletes) is done and painted."""
    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
    app.clear_notifications()
    await pilot.pause()


class _SilentStream:
    """A device that takes nothing: the player stays exactly where it was sent."""

    block_frames = 160

    def __init__(self, rate: int, channels: int) -> None:
        self.rate, self.channels = rate, channels

    def write(self, pcm: bytes) -> None:
        pass

    def room_frames(self) -> int:
        return 0

    def queued_frames(self) -> int:
        return 0

    def drain(self, interrupted: Callable[[], bool] = lambda: False) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class _SilentBackend:
    """An audio output that plays nothing: the player screenshot must not depend on the
    machine's sound card."""

    name = "silent"
    note = ""

    def available(self, device: str | None = None) -> tuple[bool, str]:
        return True, "silent"

    def devices(self, rescan: bool = False) -> list[str]:
        return []

    def open(self, rate: int, channels: int, device: str | None = None) -> _SilentStream:
        return _SilentStream(rate, channels)


async def take_screenshots(outdir: Path) -> list[Path]:
    from textual.widgets import Input

    from .config import AppConfig, Profile, Settings
    from .emulator import Emulator, run_emulator_in_thread
    from .media import Player
    from .plivo.auth import Credentials
    from .plivo.client import PlivoClient
    from .ui.app import RectuiApp

    outdir.mkdir(parents=True, exist_ok=True)
    emulator = Emulator(seed=SEED, count=COUNT, media_auth=True, now=NOW)
    written: list[Path] = []
    with (
        run_emulator_in_thread(emulator) as base_url,
        tempfile.TemporaryDirectory(prefix="rectui-shots-") as media_dir,
    ):
        auth_id, auth_token = emulator.account
        credentials = Credentials(auth_id, auth_token)
        subaccounts = {a.auth_id: Credentials(*a) for a in emulator.subaccounts}
        # The download folder is shown (the archive and export dialogs propose paths in it), so
        # it is the same on every machine; nothing is written there while taking screenshots.
        settings = Settings(
            download_dir=Path("~/Downloads/rectui"), cache_dir=Path(media_dir) / "cache"
        )
        profile = Profile("demo", credentials, base_url, subaccounts)
        config = AppConfig(profile=profile, settings=settings)
        client = PlivoClient(credentials, base_url=base_url)
        # The player's clock stands still, so the bar shows exactly where it was sent.
        silent = partial(Player, backend=_SilentBackend(), clock=lambda: 0.0)
        app = RectuiApp(config, client, demo=True, clock=lambda: NOW, make_player=silent)

        async with app.run_test(size=SIZE) as pilot:
            for field in app.query(Input):
                field.cursor_blink = False  # a blinking cursor would make the SVGs flicker

            async def shot(
                name: str, *keys: str, before: Callable[[], Awaitable[None]] | None = None
            ):
                if before is not None:
                    await before()
                if keys:
                    await pilot.press(*keys)
                await _settle(pilot)
                path = Path(app.save_screenshot(f"{name}.svg", str(outdir)))
                written.append(path)

            await _settle(pilot)
            await shot("main", "j", "j", "j")

            # A year of recordings (served in 30-day windows), then an old, billed one.
            async def last_year() -> None:
                app.main.action_quick_range("1y")
                await _settle(pilot)

            await shot("detail", "G", "k", "k", "enter", before=last_year)
            await pilot.press("escape")

            await shot("delete-confirm", "g", "space", "space", "space", "d")
            await pilot.press("n", "escape")  # cancel, then unmark

            await shot("help", "question_mark")
            await pilot.press("escape")

            # Playing the newest recording, 30 s in: the player bar with its waveform.
            async def start_playing() -> None:
                await pilot.press("p")
                for _ in range(1000):
                    await _settle(pilot)
                    player = app.main.playback.player
                    if player is not None and player.state.value == "playing":
                        break
                    await asyncio.sleep(0.01)

            await shot("player", "right_square_bracket", before=start_playing)
            await pilot.press("x")

            async def bad_filters() -> None:
                await app.main.action_focus_filters()
                await pilot.pause()
                app.query_one("#f-since", Input).value = "2026-02-30 10:00"  # no such day
                await pilot.pause()
                app.query_one("#f-from_number", Input).value = "+1 415 CALL-ME"
                await pilot.pause()
                app.query_one("#f-from_number", Input).focus()

            await shot("filter-errors", before=bad_filters)
            await pilot.press("escape", "escape")  # revert the edits, back to the table

            # The storage-cost view of the last year (every row read), then a bulk delete of
            # five recordings where two fail: the task panel lists them with their reasons.
            await shot("costs", "dollar_sign")
            await pilot.press("escape")

            async def failing_deletes() -> None:
                await pilot.press("g", *["space"] * 5)
                marked = [r.recording_id for r in app.main.table.marked_recordings]
                for rid, status in ((marked[1], 500), (marked[3], 503)):
                    emulator.fail_next(rid, status=status, method="DELETE", times=None)
                app.main.session.client.max_retries = 1  # fail after one retry, not four

            await shot("bulk-failures", "d", "y", before=failing_deletes)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    outdir = Path(argv[0]) if argv else Path("screenshots")
    # Local times in the detail pane must not depend on the machine that renders them.
    os.environ["TZ"] = "UTC"
    time.tzset()
    for path in asyncio.run(take_screenshots(outdir)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
