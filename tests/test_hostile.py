"""A hostile server (tests/hostile.py, served by `rectui emulator --data` in its own process):
nothing it sends reaches a terminal raw, crashes or freezes rectui, or makes rectui address
another resource; bad input is one line and exit 2."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from app_helpers import SIZE, make_app, notes, serve, settle, until
from hostile import (
    AUTH_ID,
    CLEAR_SCREEN,
    HOSTILE_ROWS,
    LIST_PATH,
    NOT_PRINTABLE,
    OSC_TITLE,
    ROW_IDS,
    WELL_FORMED_IDS,
    HostileServer,
    hostile_emulator,
)

from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient

# One worker builds this module's fixtures, not each (`dev.sh test` runs --dist loadgroup).
pytestmark = pytest.mark.xdist_group("hostile")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    with hostile_emulator(tmp_path_factory.mktemp("hostile")) as running:
        yield running


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("")
    return path


def rectui(
    *args: str, server: HostileServer | None = None, config: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "rectui", *args]
    if config is not None:
        command += ["--config", str(config)]
    if server is not None:
        command += ["--api-url", server.url]
    env = server.env if server is not None else os.environ | {"PLIVO_AUTH_ID": "MA1"}
    env.setdefault("PLIVO_AUTH_TOKEN", "token")
    return subprocess.run(command, capture_output=True, env=env, timeout=120)


def assert_no_raw_controls(data: bytes, what: str) -> None:
    text = data.decode("utf-8")  # also: valid UTF-8, no lone surrogates
    found = NOT_PRINTABLE.search(text)
    assert found is None, f"{what} holds a raw {found.group()!r} at {found.start()}"


def assert_paths_stay_in_recordings(server: HostileServer) -> None:
    for method, path in server.requests():
        rest = path.removeprefix(LIST_PATH)
        assert path.startswith(LIST_PATH), f"{method} {path} left the Recording API"
        assert rest == "" or re.fullmatch(r"[^/]+/", rest), f"{method} {path}"
        assert rest not in ("./", "../", "%2E/", "%2E%2E/"), f"{method} {path}"


# -- the CLI ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl"])
def test_list_prints_every_row_and_no_raw_control(
    server: HostileServer, config: Path, fmt: str
) -> None:
    done = rectui("list", "--since", "7d", "--format", fmt, server=server, config=config)
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done.stdout, f"list --format {fmt}")
    assert_no_raw_controls(done.stderr, "stderr")
    assert b"unexpected error" not in done.stderr
    text = done.stdout.decode()
    if fmt in ("json", "jsonl"):
        # valid JSON (one array, or one object a line), no Infinity
        rows = json.loads(text) if fmt == "json" else [json.loads(ln) for ln in text.splitlines()]
        assert [r["recording_id"] for r in rows] == ROW_IDS
        by_id = {r["recording_id"]: r for r in rows}
        assert by_id["hostile-osc-title"]["from_number"] == "\x1b]0;PWNED\x07+1555"  # kept
        assert by_id["hostile-c1"]["conference_name"] == "\x9b2J\x9b31mC1"
        assert "\\u009b" in text and "\\u202e" in text  # escaped, not raw
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["recording_id"] for r in rows] == ROW_IDS
        formula = next(r for r in rows if r["recording_id"] == "hostile-formula")
        assert formula["conference_name"] == '\'=HYPERLINK("http://x")'
        assert formula["to_number"] == "'@SUM(1)"
        assert formula["mpc_name"] == "'-2+3"
        assert formula["from_number"] == "+14155550100"  # E.164 is not a formula
        assert formula["recording_url"].startswith("'+cmd")
        title = next(r for r in rows if r["recording_id"] == "hostile-osc-title")
        assert title["from_number"] == "␛]0;PWNED␇+1555"
        # An out-of-range number: that field is empty, the row is there.
        huge = next(r for r in rows if r["recording_id"] == "hostile-1e1000000")
        assert huge["duration_s"] == ""
    else:
        for rid in ROW_IDS:
            assert re.search(rf"^{re.escape(rid[:36])}\s", text, re.MULTILINE), rid
        assert "␛]0;PWNED␇+1555" in text
    assert "skipped 1 malformed" in done.stderr.decode()  # the year-9999 row, reported


@pytest.mark.parametrize("rid", WELL_FORMED_IDS)
def test_get_shows_any_recording_safely(server: HostileServer, config: Path, rid: str) -> None:
    for fmt in ("json", "table"):
        done = rectui("get", rid, "--format", fmt, server=server, config=config)
        assert done.returncode == 0, done.stderr
        assert_no_raw_controls(done.stdout + done.stderr, f"get {rid} --format {fmt}")
        if fmt == "json":
            assert json.loads(done.stdout)["recording_id"] == rid


def test_costs_survive_hostile_numbers(server: HostileServer, config: Path) -> None:
    for fmt in ("table", "json"):
        done = rectui("costs", "--since", "7d", "--format", fmt, server=server, config=config)
        assert done.returncode == 0, done.stderr
        assert_no_raw_controls(done.stdout + done.stderr, f"costs --format {fmt}")
    assert json.loads(done.stdout)["count"] == len(ROW_IDS)


def test_ids_that_leave_their_path_are_refused_per_item(
    server: HostileServer, config: Path
) -> None:
    before = len(server.requests())
    done = rectui("delete", "..", ".", "a/b", "--yes", server=server, config=config)
    assert done.returncode == 2  # every item refused as bad input
    lines = done.stdout.decode().splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["..", "failed"], [".", "failed"], ["a/b", "failed"],
    ]  # fmt: skip
    assert "already_gone" not in done.stdout.decode()
    assert "refused" in done.stderr.decode()
    for args in (["get", ".."], ["get", "."], ["get", "a/b"], ["download", ".."]):
        refused = rectui(*args, server=server, config=config)
        assert refused.returncode == 2, (args, refused.stderr)
        assert len(refused.stderr.decode().splitlines()) == 1
    assert len(server.requests()) == before  # not one request left for them
    assert_paths_stay_in_recordings(server)


def test_a_bad_media_url_fails_only_its_item(
    server: HostileServer, config: Path, tmp_path: Path
) -> None:
    done = rectui(
        "download", "hostile-tab-url", "hostile-clear", "--dir", str(tmp_path / "out"),
        server=server, config=config,
    )  # fmt: skip
    errors = done.stderr.decode().splitlines()
    assert done.returncode == 1
    assert any(
        line.startswith("rectui: hostile-tab-url: The server's media URL") for line in errors
    )
    assert any(line.startswith("rectui: hostile-clear: ") for line in errors)  # still tried
    assert "unexpected error" not in done.stderr.decode()


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--since", "99999999999d"],
        ["list", "--api-url", "http://127.0.0.1:99999"],
        ["list", "--api-url", "http://[::1"],
        ["--api-url", "http://[::1"],  # the TUI: refused before it starts
        ["--api-url", "http://127.0.0.1:99999"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], config: Path) -> None:
    done = rectui(*args, config=config)
    assert done.returncode == 2, done
    assert len(done.stderr.decode().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(b"rectui: ") and b"Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["list"], [], ["--demo"]])
def test_a_config_that_is_not_utf8_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    data = b"[settings]\nutc = true\n# caf\xe9\n"  # Latin-1, as an old editor saves it
    config.write_bytes(data)
    done = rectui(*args, config=config)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        f"rectui: {config}: not UTF-8 text (byte {data.index(0xE9)}); save it as UTF-8"
    ]


# -- the TUI in a real terminal ----------------------------------------------------------------

KEY_ANSWER_S = 1.0
"""The issue's bound: every key answered within a second, whatever a row holds, on a quiet
machine. On a loaded one the bound is a multiple of what a key that touches no row costs in the
same run (`key_floor`), so a freeze still fails and a busy machine does not."""

FLOOR_FACTOR = 5


class Tmux:
    """A private tmux server (its own socket) running one command in a 200×50 pane."""

    def __init__(self, name: str):
        self.socket = name

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return done.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "t")

    def wait_for(self, predicate: object, what: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if callable(predicate) and predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"within {timeout} s: {what}; the screen:\n{screen}")
            time.sleep(0.01)


def key_floor(tmux: Tmux) -> float:
    """The slowest of three help-screen toggles (keys that read no row) in this terminal now."""
    slowest = 0.0
    for _ in range(3):
        started = time.monotonic()
        tmux("send-keys", "-t", "t", "?")
        tmux.wait_for(lambda s: "esc closes" in s, "the help screen", 60)
        tmux("send-keys", "-t", "t", "Escape")
        tmux.wait_for(lambda s: "esc closes" not in s, "the help screen to close", 60)
        slowest = max(slowest, (time.monotonic() - started) / 2)
    return slowest


def detail_id(screen: str) -> str | None:
    match = re.search(r"\bID {2,}(\S+)", screen)
    return match.group(1) if match else None


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by dev.sh")
def test_tui_walks_every_hostile_row_in_a_real_terminal(
    server: HostileServer, config: Path
) -> None:
    tmux = Tmux(f"rectui-hostile-{os.getpid()}")
    command = shlex.join(
        # COLUMNS/LINES (set under pytest) would override the pane's real size.
        ["env", "-u", "COLUMNS", "-u", "LINES", f"PLIVO_AUTH_ID={AUTH_ID}", f"PLIVO_AUTH_TOKEN={server.env['PLIVO_AUTH_TOKEN']}",
         sys.executable, "-m", "rectui", "--api-url", server.url, "--config", str(config)]
    )  # fmt: skip
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "-s", "t", command)
    try:
        tmux("set", "-g", "set-clipboard", "on")  # an OSC 52 from the app would make a buffer
        tmux("select-pane", "-t", "t", "-T", "before")
        requests_before = len(server.requests())
        tmux.wait_for(lambda s: detail_id(s) == ROW_IDS[0], "the first row in the detail pane", 60)
        bound = max(KEY_ANSWER_S, FLOOR_FACTOR * key_floor(tmux))
        for index, rid in enumerate([*ROW_IDS[1:], None]):
            started = time.monotonic()
            tmux("send-keys", "-t", "t", "j")
            if rid is None:  # the unreadable row (year 9999): shown as such, no details
                screen = tmux.wait_for(
                    lambda s: "No recording selected." in s, "the unreadable row", bound
                )
            else:
                screen = tmux.wait_for(
                    lambda s, rid=rid: detail_id(s) == rid, f"row {index + 1} ({rid!r})",
                    bound,
                )  # fmt: skip
            assert time.monotonic() - started <= bound
            assert tmux("display", "-p", "-t", "t", "#{pane_title}").strip() == "before", rid
            assert screen.splitlines()[0].startswith(" rectui  account"), rid  # not cleared
        screen = tmux.screen()
        assert "unavailable: recording hostile-bad-year" in screen
        assert "␛[2J␛[HCLEARED" in screen and "␛]0;PWNED␇" in screen  # visible, inert
        assert tmux("list-buffers") == ""  # no clipboard write got through
        assert len(server.requests()) > requests_before
        assert_paths_stay_in_recordings(server)
    finally:
        tmux("kill-server")


def test_every_row_of_the_fixture_is_covered() -> None:
    # The walk above presses j once per row: keep the fixture and the walk in step.
    assert len(ROW_IDS) == len(HOSTILE_ROWS) - 1


# -- the app, in process (notifications and a server that never answers) ---------------------


@contextmanager
def hung_server() -> Iterator[str]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_a_hostile_error_body_is_shown_inert_in_the_toast() -> None:
    with serve(count=5) as emu:
        emu.emulator.fail_next(
            "/Recording/", status=500, method="GET", times=None, error=OSC_TITLE + CLEAR_SCREEN
        )
        app = make_app(emu)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            (message,) = [m for m, severity in notes(app) if severity == "error"]
            assert "␛]0;PWNED␇␛[2J␛[H" in message and message.isprintable()
            app.notify("raw \x1b]52;c;cHduZWQ=\x07 from a widget")  # any widget's toast too
            assert all(m.isprintable() for m, _ in notes(app))


async def test_a_hung_server_shows_its_retries_and_esc_stops_waiting() -> None:
    released = asyncio.Event()  # never set: the backoff holds the retry until esc

    async def held_backoff(_seconds: float) -> None:
        await released.wait()

    with serve(count=5) as emu, hung_server() as url:
        app = make_app(emu, base_url=url)
        await app.main.session.client.aclose()
        credentials = Credentials(emu.auth_id, emu.auth_token)
        app.main.session.client = PlivoClient(
            credentials, base_url=url, sleep=held_backoff, timeout=httpx.Timeout(0.2)
        )
        async with app.run_test(size=SIZE) as pilot:

            def retrying() -> list[str]:
                return [m for m, _ in notes(app) if "retrying, attempt" in m]

            await until(pilot, lambda: retrying(), "a note that the request is retried")
            assert retrying() == [
                f"{url.removeprefix('http://')} did not answer in time; retrying, attempt 2 of 5"
                " · esc stops waiting"
            ]
            assert app.main.session.client.retrying == 1
            await pilot.press("escape")
            await until(
                pilot,
                lambda: any("Stopped waiting" in m for m, _ in notes(app)),
                "esc to stop waiting",
            )
            await until(
                pilot, lambda: app.main.session.client.retrying == 0, "the request to be dropped"
            )
            assert app.main.table.border_subtitle == "nothing loaded · r retries"
