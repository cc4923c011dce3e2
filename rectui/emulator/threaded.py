"""Serving an Emulator over real HTTP with uvicorn, in a background thread or in the foreground.

The listening socket is bound before uvicorn starts, so port 0 gives a free port whose number is
known at once, and a thread's caller gets a base URL that already accepts connections.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from .accounts import AccountCredentials
from .server import Emulator


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        # Listening at once, so a client that read the URL (the CLI prints it before uvicorn
        # starts) connects instead of being refused.
        sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def make_server(emulator: Emulator, *, quiet: bool = True) -> uvicorn.Server:
    """A uvicorn server for the emulator. Quiet means nothing at all on stdout or stderr, which
    a TUI drawing on the terminal needs."""
    if quiet:
        # Without a handler of its own, uvicorn's errors would reach logging's stderr fallback.
        uvicorn_logger = logging.getLogger("uvicorn")
        if not any(isinstance(h, logging.NullHandler) for h in uvicorn_logger.handlers):
            uvicorn_logger.addHandler(logging.NullHandler())
    config = uvicorn.Config(
        emulator,
        lifespan="off",
        http="h11",
        ws="none",
        loop="asyncio",
        log_config=None if quiet else LOGGING_CONFIG,
        access_log=not quiet,
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


class EmulatorThread:
    """An emulator served by uvicorn on a background thread.

    `start()` returns the base URL once the server accepts connections; `stop()` shuts it down
    and waits for the thread. Also a context manager. The emulator itself stays usable.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0):
        self.emulator = emulator
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.base_url = ""

    def start(self, timeout: float = 10.0) -> str:
        if self._thread is not None:
            raise RuntimeError("already started")
        sock = bind_socket(self._host, self._port)
        self.base_url = base_url_of(sock)
        server = make_server(self.emulator)
        self._server = server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported by start(); a thread cannot raise
                self._failure = exc

        self._thread = threading.Thread(target=serve, name="rectui-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emulator did not start: {self._failure!r}")
            time.sleep(0.002)
        return self.base_url

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.emulator.faults.clear()  # held requests go on, so none outlives the server
        server.should_exit = True
        # A long synthesis would otherwise hold the event loop's executor, and so the thread.
        self.emulator.media.cancel_running()
        thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def run_emulator_in_thread(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve `emulator` on a background thread for the duration of the block; yields the base URL
    (`http://127.0.0.1:PORT`)."""
    thread = EmulatorThread(emulator, host, port)
    base_url = thread.start()
    try:
        yield base_url
    finally:
        thread.stop()


@dataclass(frozen=True, slots=True)
class RunningEmulator:
    """An emulator and the URL it is served at: what the test fixtures hand out."""

    base_url: str
    emulator: Emulator

    @property
    def account(self) -> AccountCredentials:
        return self.emulator.account

    @property
    def auth_id(self) -> str:
        return self.emulator.account.auth_id

    @property
    def auth_token(self) -> str:
        return self.emulator.account.auth_token

    @property
    def auth(self) -> tuple[str, str]:
        """The main account's (auth id, token), as httpx's `auth=` accepts it."""
        return (self.auth_id, self.auth_token)

    @property
    def subaccounts(self) -> list[AccountCredentials]:
        return self.emulator.subaccounts

    def recordings_url(self, auth_id: str | None = None) -> str:
        """Absolute URL of the list endpoint of an account (default: the main account)."""
        return f"{self.base_url}/v1/Account/{auth_id or self.auth_id}/Recording/"
