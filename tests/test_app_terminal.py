"""The app on a real terminal: `rectui` in a pseudo-terminal against the emulator, read as the
bytes a terminal gets (Textual's own driver, not the headless one the other app tests use): its
first paint, held while the first listing opens, does reach the terminal, and q leaves cleanly.
(The race of a q during the filter fields' mount is test_app_table's: too quick to aim at here.)"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from app_helpers import serve

TIMEOUT = 60.0
"""A bound for a loaded machine, not a guess at how long it takes."""


def read_until(leader: int, output: bytearray, wanted: bytes | None, what: str) -> None:
    """Read what the app writes until `wanted` is in it (None: until it closes the terminal)."""
    deadline = time.monotonic() + TIMEOUT
    while wanted is None or wanted not in output:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the terminal never showed {what}; it got {bytes(output[-400:])!r}"
            )
        if select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: nobody holds the terminal any more
                chunk = b""
            if not chunk:
                if wanted is None:
                    return
                raise AssertionError(f"the app closed the terminal before showing {what}")
            output += chunk


def test_the_app_paints_its_rows_on_a_terminal_and_q_quits_cleanly(tmp_path: Path) -> None:
    with serve(seed=7, count=40, now=datetime.now(UTC)) as emu:
        newest = httpx.get(f"{emu.base_url}/v1/Account/{emu.auth_id}/Recording/?limit=1",
                           auth=emu.auth).json()["objects"][0]["recording_id"]  # fmt: skip
        mine = ("PLIVO_", "RECTUI_", "TEXTUAL")  # a developer's TEXTUAL=devtools prints more
        env = {k: v for k, v in os.environ.items() if not k.startswith(mine)}
        env |= {"PLIVO_AUTH_ID": emu.auth_id, "PLIVO_AUTH_TOKEN": emu.auth_token}
        env |= {"TERM": "xterm-256color"}
        env |= {xdg: str(tmp_path / xdg) for xdg in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        process = subprocess.Popen(
            [sys.executable, "-m", "rectui", "--api-url", emu.base_url],
            stdin=follower, stdout=follower, stderr=follower, env=env,
        )  # fmt: skip
        os.close(follower)
        output = bytearray()
        try:
            # The detail pane shows the newest recording's whole id once the first rows are in.
            read_until(leader, output, newest.encode(), "the newest recording")
            os.write(leader, b"q")
            read_until(leader, output, None, "the app closing it")  # it blocks if nobody reads
            assert process.wait(TIMEOUT) == 0
        finally:
            os.close(leader)
            if process.poll() is None:
                process.kill()
                process.wait()
        assert b"Traceback" not in output
