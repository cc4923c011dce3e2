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

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.app import App
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

from rectui.emulator import Emulator, EmulatorThread, RunningEmulator

# Where PYTHONDONTWRITEBYTECODE is set (it is on our machines), each of the few hundred
# `python -m rectui` processes the suite starts would compile rectui's modules again (about 0.1 s
# of CPU each), and each xdist worker its test modules (about 2 s): the suite's processes keep
# what they compile.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# The suite's servers are all plain HTTP on loopback, so its processes need no CA bundle, and
# loading one is a fifth of every `rectui` command's start (httpx makes its TLS context when a
# client is made, https or not). No CA is trusted instead: an https request would fail to verify.
os.environ.pop("SSL_CERT_FILE", None)
os.environ["SSL_CERT_DIR"] = os.devnull

# Each app a test starts parses the same CSS again (Textual's own cache of parsed rules belongs to
# one app's stylesheet): a tenth of an app's start and first settle. A process-wide cache keyed as
# Textual keys its own, plus the theme's variables that its own cache is cleared for, parses each
# source once per worker. The rules are only read once parsed (Textual reuses them within an app).
_parsed_rules: dict[tuple[object, ...], list[RuleSet]] = {}
_parse_rules = Stylesheet._parse_rules


def _parse_rules_once(
    self: Stylesheet,
    css: str,
    read_from: Any,
    is_default_rules: bool = False,
    tie_breaker: int = 0,
    scope: str = "",
) -> list[RuleSet]:
    key = (tuple(self._variables.items()), css, read_from, is_default_rules, tie_breaker, scope)
    rules = _parsed_rules.get(key)
    if rules is None:
        rules = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        _parsed_rules[key] = rules
    return rules


Stylesheet._parse_rules = _parse_rules_once  # type: ignore[method-assign]

EMULATOR_SEED = 7
EMULATOR_COUNT = 2000

LONGEST_FIRST = (
    "tests/test_media_pulse.py",  # real-time audio
    "tests/test_readme_commands.py::test_every_scripting_command_in_the_readme_runs",
    "tests/test_hostile.py::test_tui_walks_every_hostile_row_in_a_real_terminal",
    "tests/test_commands_options.py::test_help_lists_every_command_and_each_has_examples",
    "tests/test_commands.py::test_delete_results_and_exit_codes",
    "tests/test_commands.py::test_bad_filters_are_usage_errors",
)
"""The tests that take longest in wall time start first, so that an xdist worker is not left
running one of them alone at the end while the others have finished."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))  # stable otherwise


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
