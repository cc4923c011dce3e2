"""A hostile server: crafted recording objects served by the real emulator in its own process.

    with hostile_emulator(tmp_path) as server:     # `rectui emulator --data FILE.json`
        server.url, server.env                      # base URL; PLIVO_AUTH_ID/TOKEN for it
        server.requests()                           # [(method, raw path)] from its access log

Every value that once reached a terminal raw, crashed or froze rectui, or addressed another
resource is here (issue 9).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AUTH_ID = "MAHOSTILE00000000000"
AUTH_TOKEN = "hostile-token-0123456789"
LIST_PATH = f"/v1/Account/{AUTH_ID}/Recording/"

OSC_TITLE = "\x1b]0;PWNED\x07"
CLEAR_SCREEN = "\x1b[2J\x1b[H"
OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # writes "pwned" to the clipboard
NOT_PRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
"""Raw bytes a terminal would act on (C0 but TAB/LF, DEL, C1, zero-width and bidi controls)."""


_NOW = datetime.now(UTC).replace(microsecond=0)


def _row(rid: str, minute: int, **fields: Any) -> dict[str, Any]:
    """A well-formed recording added `60 - minute` minutes before the hour ago (newest first)."""
    added = _NOW - timedelta(hours=2) + timedelta(minutes=minute)
    base: dict[str, Any] = {
        "recording_id": rid,
        "add_time": added.isoformat(sep=" "),
        "recording_type": "conference",
        "recording_format": "mp3",
        "recording_duration_ms": "12000.00000",
        "rounded_recording_duration": "60",
        "recording_storage_duration": "1",
        "recording_storage_rate": "0.0004",
        "monthly_recording_storage_amount": "0",
        "from_number": "+14155550100",
        "to_number": "+14155550101",
        "conference_name": "standup",
        "resource_uri": f"/v1/Account/{AUTH_ID}/Recording/{rid}/",
    }
    return base | fields


HOSTILE_ROWS: list[dict[str, Any]] = [
    # A call: its numbers are what the table's Who column shows.
    _row(
        "hostile-osc-title",
        59,
        from_number=OSC_TITLE + "+1555",
        recording_type="call",
        conference_name=None,
    ),
    _row("hostile-clear", 58, conference_name=CLEAR_SCREEN + "CLEARED"),
    _row("hostile-osc52", 57, to_number=OSC52, mpc_name=OSC52),
    _row("hostile-c1", 56, conference_name="\x9b2J\x9b31mC1", call_uuid="\u202eevil\u202c"),
    _row("hostile-cr-bs-nul", 55, call_uuid="abc\rdef\x08\x00", recording_type="\x1b[5mblink"),
    _row(
        "hostile-formula",
        54,
        conference_name='=HYPERLINK("http://x")',
        to_number="@SUM(1)",
        mpc_name="-2+3",
        recording_url="+cmd|' /C calc'!A0",
    ),
    _row("hostile-1e5000", 53, recording_storage_duration="1e5000"),
    _row("hostile-1e1000000", 52, recording_duration_ms="1e1000000"),
    _row(
        "hostile-1e400",
        51,
        rounded_recording_duration="1e400",
        monthly_recording_storage_amount="1e400",
        recording_storage_rate="-1e400",
        recording_start_ms="1e400",
        recording_end_ms="NaN",
    ),
    _row("hostile-long", 50, conference_name=("\x1b[2J" + "A" * 200) * 250),
    _row("hostile-tab-url", 49, recording_url="http://127.0.0.1:9/a\tb.mp3"),
    _row("hostile-extra", 48, notes={"x": "\x1b]0;PWNED\x07", "n": [1, "\x9b"]}),
    _row(".", 46),
    _row("..", 45),
    _row("a/b", 44),
    _row("hostile-bad-year", 43, add_time="9999-12-31 23:59:59-12:00"),
]
ROW_IDS = [r["recording_id"] for r in HOSTILE_ROWS if r["recording_id"] != "hostile-bad-year"]
"""The rows a listing shows, newest first (the bad add_time is reported, not shown)."""
WELL_FORMED_IDS = [rid for rid in ROW_IDS if rid not in (".", "..", "a/b")]


@dataclass
class HostileServer:
    url: str
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return os.environ | {"PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": AUTH_TOKEN}

    def requests(self) -> list[tuple[str, str]]:
        """(method, raw path without the query) of every request answered so far."""
        found = []
        for line in list(self.log):
            match = re.search(r'"([A-Z]+) (\S+) HTTP/[\d.]+" \d+', line)
            if match:
                found.append((match.group(1), match.group(2).split("?", 1)[0]))
        return found

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[tuple[str, str]]:
        deadline = time.monotonic() + timeout
        while len(seen := self.requests()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the emulator logged {len(seen)} requests, not {count}")
            time.sleep(0.02)
        return seen


def write_data(path: Path) -> Path:
    path.write_text(json.dumps(HOSTILE_ROWS), encoding="utf-8")
    return path


@contextmanager
def hostile_emulator(tmp_path: Path) -> Iterator[HostileServer]:
    data = write_data(tmp_path / "hostile.json")
    command = [sys.executable, "-m", "rectui", "emulator", "--data", str(data), "--port", "0"]
    command += ["--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    url = None
    for line in process.stdout:  # the banner comes first
        if match := re.search(r"emulator at (http://\S+)", line):
            url = match.group(1)
            break
    if url is None:
        process.kill()
        raise AssertionError(f"the emulator did not start: {process.wait()}")
    server = HostileServer(url, process)
    stdout = process.stdout

    def read_log() -> None:
        for line in stdout:
            server.log.append(line)

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=5)
