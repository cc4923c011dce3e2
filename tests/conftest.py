"""Shared fixtures: the Plivo Recording API emulator over real loopback HTTP.

- `emulator`: a `RunningEmulator` (`.base_url`, `.emulator`, `.auth_id`, `.auth_token`, `.auth`,
  `.subaccounts`, `.recordings_url()`): seed 7, 2,000 recordings, no latency, no rate limit,
  public media, the real clock. One server is shared by the whole session and `reset()` before
  each test: deleted recordings come back, faults and `request_log` are cleared, latency, rate
  limit and media auth are back to the defaults. Generated media stays cached between tests.
- `make_emulator(**kwargs)`: start a fresh emulator with `Emulator(**kwargs)` (custom data,
  media auth, a frozen `now`, ...) and get its `RunningEmulator`; stopped after the test.
- Every notification an app posts is kept in `app.posted_notes` (message, severity), since a
  toast can time out on a loaded machine before a test reads the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.app import App

from rectui.emulator import Emulator, EmulatorThread, RunningEmulator

EMULATOR_SEED = 7
EMULATOR_COUNT = 2000


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[RunningEmulator]:
    emulator = Emulator(seed=EMULATOR_SEED, count=EMULATOR_COUNT)
    thread = EmulatorThread(emulator)
    base_url = thread.start()
    try:
        yield RunningEmulator(base_url, emulator)
    finally:
        thread.stop()
        emulator.close()


@pytest.fixture
def emulator(shared_emulator: RunningEmulator) -> RunningEmulator:
    shared_emulator.emulator.reset()
    return shared_emulator


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., RunningEmulator]]:
    started: list[tuple[EmulatorThread, Emulator]] = []

    def start(**kwargs: Any) -> RunningEmulator:
        emulator = Emulator(**kwargs)
        thread = EmulatorThread(emulator)
        started.append((thread, emulator))
        return RunningEmulator(thread.start(), emulator)

    yield start
    for thread, emulator in reversed(started):
        thread.stop()
        emulator.close()


@pytest.fixture(autouse=True)
def record_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    notify = App.notify

    def recording_notify(self: App[Any], message: str, **options: Any) -> None:
        posted = self.__dict__.setdefault("posted_notes", [])
        posted.append((message, options.get("severity", "information")))
        notify(self, message, **options)

    monkeypatch.setattr(App, "notify", recording_notify)
