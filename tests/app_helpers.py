"""Shared helpers for the app tests (tests/test_app_*.py): an emulator with a frozen clock, an app
wired to it, and ways to read what the user would see."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import socket
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from clocks import stepped_limiter
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Select
from textual.worker import WorkerCancelled

from rectui.config import AppConfig, Profile
from rectui.emulator import Emulator, LoggedRequest, RunningEmulator, run_emulator_in_thread
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.ui.app import RectuiApp
from rectui.ui.widgets.filter_sidebar import FieldMessage

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
"""The emulator's frozen clock and the app's: storage days and quick ranges never move."""

SIZE = (160, 48)
"""Wide enough that the detail pane sits beside the table and nothing wraps unexpectedly."""


async def no_sleep(_seconds: float) -> None:
    """Client backoff without waiting: the tests exercise what happens after retries."""


@contextmanager
def serve(**kwargs: Any) -> Iterator[RunningEmulator]:
    kwargs.setdefault("now", NOW)
    emulator = Emulator(**kwargs)
    try:
        with run_emulator_in_thread(emulator) as base_url:
            yield RunningEmulator(base_url, emulator)
    finally:
        emulator.close()


@contextmanager
def no_coroutine_left_unawaited() -> Iterator[None]:
    """Fails if a coroutine made in the body is dropped without being awaited. Python says so
    only when the coroutine is collected: the body must let go of the app before it ends."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
        gc.collect()
    unawaited = [str(w.message) for w in caught if "was never awaited" in str(w.message)]
    assert unawaited == [], f"left never awaited: {unawaited}"


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the network is "down"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_app(
    running: RunningEmulator,
    *,
    token: str | None = None,
    base_url: str | None = None,
    demo: bool = False,
    max_retries: int = 1,
    presets: Mapping[str, dict[str, str]] | None = None,
    **client_options: Any,
) -> RectuiApp:
    url = base_url or running.base_url
    credentials = Credentials(running.auth_id, running.auth_token if token is None else token)
    client_options.setdefault("limiter", stepped_limiter())  # a 429 cut costs no real time
    client = PlivoClient(
        credentials, base_url=url, max_retries=max_retries, sleep=no_sleep, **client_options
    )
    config = AppConfig(profile=Profile("test", credentials, url), presets=dict(presets or {}))
    return RectuiApp(config, client, demo=demo, clock=lambda: NOW)


async def settle(pilot: Pilot) -> None:
    """Until no worker runs (listing opens, page loads, deletes) and the screen has caught up."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        # A load the app cancels meanwhile (a new listing cancels the old one's page loads) is
        # settled too; Textual's wait raises for it, and the loop looks again.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return
    raise AssertionError("workers did not settle")


def is_api(request: LoggedRequest, method: str = "GET") -> bool:
    """A Recording API request (not media) of `method`."""
    return (
        request.method == method
        and "/Recording/" in request.path
        and not request.path.endswith((".mp3", ".wav"))
    )


def is_delete(request: LoggedRequest) -> bool:
    return is_api(request, "DELETE")


def is_list(request: LoggedRequest) -> bool:
    return is_api(request) and request.path.endswith("/Recording/")


def is_first_page(request: LoggedRequest) -> bool:
    """A listing request for a window's first page: one per window each time a filter is applied
    (the table's prefetching of later pages left out)."""
    return is_list(request) and request.query.get("offset", "0") == "0"


def requests(running: RunningEmulator, method: str = "GET") -> list[LoggedRequest]:
    return [r for r in running.emulator.request_log if is_api(r, method)]


def list_requests(running: RunningEmulator) -> list[LoggedRequest]:
    return [r for r in running.emulator.request_log if is_list(r)]


def first_pages(running: RunningEmulator) -> list[LoggedRequest]:
    return [r for r in running.emulator.request_log if is_first_page(r)]


async def logged(
    running: RunningEmulator, where: Callable[[LoggedRequest], bool], count: int
) -> list[LoggedRequest]:
    """The requests `where` picks, once at least `count` are logged (the app may not have sent
    the last one yet, so its event loop keeps running while this waits)."""
    return await running.emulator.request_log.until_logged(count, where=where)


def screen_text(app: RectuiApp) -> str:
    """The screen as plain text (what a user reads; styles dropped)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        color_system=None,
        legacy_windows=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def notes(app: RectuiApp) -> list[tuple[str, str]]:
    """(message, severity) of every notification the app posted (conftest records them: a toast
    may have timed out on a loaded machine by the time a test looks)."""
    return list(app.__dict__.get("posted_notes", []))


def field_error(app: RectuiApp, key: str) -> str:
    """The message shown under a sidebar field ("" when there is none, or it is hidden)."""
    message = app.query_one(f"#e-{key}", FieldMessage)
    return str(message.render()) if message.has_class("-visible") else ""


async def type_into(pilot: Pilot, key: str, value: str) -> None:
    """Type into a sidebar field key by key, as a user would (Pilot paces keys at ~60 ms each,
    so tests use this for a few fields and `set_field` for the rest)."""
    field = pilot.app.query_one(f"#f-{key}", Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    if value:
        await pilot.press(*value)
    await pilot.pause()


async def set_field(pilot: Pilot, key: str, value: str) -> None:
    """Focus a sidebar field and replace its text (the same Input.Changed typing ends with)."""
    field = pilot.app.query_one(f"#f-{key}", Input)
    field.focus()
    field.value = value
    field.cursor_position = len(value)
    await pilot.pause()


async def choose(pilot: Pilot, key: str, value: str) -> None:
    """Pick a value in a sidebar select."""
    pilot.app.query_one(f"#f-{key}", Select).value = value
    await pilot.pause()


def iso_z(moment: datetime) -> str:
    """Plivo's add_time text for a UTC moment."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00:00"


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def until(
    pilot: Pilot, condition: Callable[[], object], what: str, timeout: float = 30.0
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds (a bound for a
    loaded machine, not a guess at how long it takes)."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while not condition():
        if time.monotonic() > deadline:
            # What the app told the user meanwhile usually says why (a refusal, an error).
            raise AssertionError(f"timed out waiting for {what}; notes: {notes(pilot.app)[-5:]}")
        # The app's loop, its timers and the player's and emulator's threads run meanwhile.
        # Not `pilot.pause()` each turn: it wakes every widget of the screen (about 10 ms of
        # CPU at 160x48), so a wait for a recording to play out cost a third of a core.
        await asyncio.sleep(0.01)
    await pilot.pause()


async def help_pages(pilot: Pilot) -> dict[str, str]:
    """Open the help (if it is not open) and read each page as the user does, with → ; the
    text of each page by its title."""
    from rectui.ui.actions import HELP_PAGES
    from rectui.ui.screens import HelpScreen

    app = pilot.app
    if not isinstance(app.screen, HelpScreen):
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
    pages: dict[str, str] = {}
    screen = app.screen
    for n, (title, _) in enumerate(HELP_PAGES):
        await until(pilot, lambda n=n: screen.shown == (n, ""), f"help page {title}")
        console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
        for static in screen.query(".help-section, .help-table"):
            console.print(static.content)
        pages[title] = console.export_text()
        await pilot.press("right")
    return pages
