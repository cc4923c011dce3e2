"""Regenerate the README's SVG screenshots from the demo data: `python -m rectui.screenshots [dir]`.

Everything is pinned so that the output only changes when the UI does: the emulator's seed and
clock, the app's clock, the terminal size and the local time zone (UTC).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
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


async def take_screenshots(outdir: Path) -> list[Path]:
    from textual.widgets import Input

    from .config import AppConfig, Profile
    from .emulator import Emulator, run_emulator_in_thread
    from .plivo.auth import Credentials
    from .plivo.client import PlivoClient
    from .ui.app import RectuiApp

    outdir.mkdir(parents=True, exist_ok=True)
    emulator = Emulator(seed=SEED, count=COUNT, media_auth=True, now=NOW)
    written: list[Path] = []
    with run_emulator_in_thread(emulator) as base_url:
        auth_id, auth_token = emulator.account
        credentials = Credentials(auth_id, auth_token)
        config = AppConfig(profile=Profile("demo", credentials, base_url))
        client = PlivoClient(credentials, base_url=base_url)
        app = RectuiApp(config, client, demo=True, clock=lambda: NOW)

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
                app.action_quick_range("1y")
                await _settle(pilot)

            await shot("detail", "G", "k", "k", "enter", before=last_year)
            await pilot.press("escape")

            await shot("delete-confirm", "g", "space", "space", "space", "d")
            await pilot.press("n", "escape")  # cancel, then unmark

            await shot("help", "question_mark")
            await pilot.press("escape")

            async def bad_filters() -> None:
                app.action_focus_filters()
                await pilot.pause()
                app.query_one("#f-since", Input).value = "2026-02-30 10:00"  # no such day
                await pilot.pause()
                app.query_one("#f-from_number", Input).value = "+1 415 CALL-ME"
                await pilot.pause()
                app.query_one("#f-from_number", Input).focus()

            await shot("filter-errors", before=bad_filters)
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
