"""What the benches share: `rectui emulator` in a process of its own, and warming its media.

A bench that served the emulator from a thread of the measured process would time the server
too: on two cores it competes for the interpreter lock, and its media synthesis (ffmpeg) lands
inside the timing. So each bench starts the emulator as a real server would run, elsewhere:

    with EmulatorProcess(count=4000, latency_ms=100, now=NOW) as server:
        server.base_url, server.credentials        # http://127.0.0.1:PORT, Credentials
        mark = server.mark()                       # a point in the access log
        ...
        server.requests(mark)                      # [(method, path, status)] since the mark
    # or: EmulatorProcess(data=[{...}, ...])       # serve these objects (written to a file)
    # or: EmulatorProcess(data=lambda base_url: [...])  # objects whose URLs name this server

`await warm_media(client, urls)` downloads every media URL once (so the emulator synthesises it
before anything is timed, as a real account's media already exists) and returns each one's
sha256, the truth to check archives against.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from rectui.emulator.threaded import bind_socket
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient

AUTH_ID = "MABENCH0000000000001"
AUTH_TOKEN = "bench-token-not-secret"
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>[^ ?]+)\S* HTTP/[\d.]+" (?P<status>\d{3})')
START_TIMEOUT_S = 300
"""Generating a million recordings takes the emulator a while on a busy machine."""

Request = tuple[str, str, int]
"""(method, path without the query, status) of one request in the access log."""


def free_port() -> int:
    sock = bind_socket("127.0.0.1", 0)
    port = int(sock.getsockname()[1])
    sock.close()
    return port


class EmulatorProcess:
    """`rectui emulator` as a child process, with its access log in a temporary file."""

    def __init__(
        self,
        *,
        seed: int = 0,
        count: int = 1000,
        data: list[dict[str, Any]] | Callable[[str], list[dict[str, Any]]] | None = None,
        latency_ms: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        now: datetime | None = None,
        media_auth: bool = False,
    ):
        self.workdir = Path(tempfile.mkdtemp(prefix="rectui-bench-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.credentials = Credentials(AUTH_ID, AUTH_TOKEN)
        self.log = self.workdir / "emulator.log"
        command = [
            sys.executable, "-m", "rectui", "emulator", "--port", str(self.port),
            "--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN, "--subaccounts", "0",
            "--seed", str(seed), "--count", str(count), "--latency-ms", str(latency_ms),
        ]  # fmt: skip
        if data is not None:
            data_file = self.workdir / "data.json"
            data_file.write_text(json.dumps(data(self.base_url) if callable(data) else data))
            command += ["--data", str(data_file)]
        if rate_limit is not None:
            command += ["--rate-limit", f"{rate_limit[0]}/{rate_limit[1]:g}"]
        if now is not None:
            command += ["--now", now.isoformat()]
        if media_auth:
            command.append("--media-auth")
        self._command = command
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> EmulatorProcess:
        with self.log.open("wb") as out:
            self._process = subprocess.Popen(self._command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base_url}/", timeout=5)
                return self
            except httpx.TransportError:
                if self._process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"the emulator did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, **kwargs: Any) -> PlivoClient:
        return PlivoClient(self.credentials, base_url=self.base_url, **kwargs)

    # -- the access log ---------------------------------------------------------------------

    def _lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def mark(self) -> int:
        """A point in the access log: requests() counts from here."""
        return len(self._lines())

    def requests(self, since: int = 0, *, expect: int = 0) -> list[Request]:
        """Requests logged since the mark. The emulator writes a line as each response starts,
        from its own process; with `expect`, wait (up to 5 s) until that many are there."""
        deadline = time.monotonic() + 5
        while True:
            found = [ACCESS_LINE.search(line) for line in self._lines()[since:]]
            requests = [(m["method"], m["path"], int(m["status"])) for m in found if m]
            if len(requests) >= expect or time.monotonic() > deadline:
                return requests
            time.sleep(0.02)


def listing_requests(requests: Iterable[Request]) -> list[Request]:
    return [r for r in requests if r[0] == "GET" and r[1].endswith("/Recording/")]


async def warm_media(client: PlivoClient, urls: Iterable[str]) -> dict[str, str]:
    """Download every URL once; url → sha256 of what was served. One at a time per core:
    synthesis is CPU-bound, and more in flight only makes each wait past the client's timeout
    on a busy machine."""
    digests: dict[str, str] = {}
    slots = asyncio.Semaphore(os.cpu_count() or 2)

    async def one(url: str) -> None:
        async with slots:
            digest = hashlib.sha256()
            async with client.stream_media(url) as response:
                async for chunk in response.aiter_bytes():
                    digest.update(chunk)
            digests[url] = digest.hexdigest()

    await asyncio.gather(*(one(url) for url in urls))
    return digests
