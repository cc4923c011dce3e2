"""A tiny media server on loopback for download edge cases the emulator may not stage: a server
that ignores Range, one on another host (127.0.0.2) that must never see credentials, bodies
shorter than their Content-Length, a stall to cancel a download in the middle.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class MediaServer:
    host: str = "127.0.0.1"
    files: dict[str, bytes] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    """(auth id, token) the server requires; every other pair gets 401."""
    accounts: dict[str, str] = field(default_factory=dict)
    """Further auth id -> token pairs accepted (e.g. subaccounts)."""
    ranges: bool = True
    original_missing: bool = False
    cut_next: int | None = None
    """Send only this many body bytes of the next response, then close (one-shot)."""
    stall_after: int | None = None
    """Send this many bytes of the next response, then wait for `release` (one-shot)."""
    release: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self._httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def close(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _authorized(self, header: str | None) -> bool:
        if self.auth is None:
            return True
        allowed = {self.auth[0]: self.auth[1], **self.accounts}
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        user, _, token = base64.b64decode(value).decode().partition(":")
        return allowed.get(user) == token

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        self.requests.append(Seen(parts.path, query, dict(handler.headers.items())))
        body = self.files.get(parts.path)
        if not self._authorized(handler.headers.get("Authorization")):
            return self._reply(handler, 401, b'{"error": "authentication required"}')
        if body is None or (self.original_missing and query.get("type") == ["original"]):
            return self._reply(handler, 404, b'{"error": "not found"}')
        status, first = 200, 0
        headers = {"Accept-Ranges": "bytes" if self.ranges else "none"}
        match = re.match(r"bytes=(\d+)-$", handler.headers.get("Range") or "")
        if match and self.ranges:
            first = int(match.group(1))
            if first >= len(body):
                headers["Content-Range"] = f"bytes */{len(body)}"
                return self._reply(handler, 416, b"", headers)
            status = 206
            headers["Content-Range"] = f"bytes {first}-{len(body) - 1}/{len(body)}"
        payload = body[first:]
        cut, self.cut_next = self.cut_next, None
        stall, self.stall_after = self.stall_after, None
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Content-Type", "audio/mpeg")
        handler.end_headers()
        if stall is not None:
            handler.wfile.write(payload[:stall])
            handler.wfile.flush()
            self.stalled.set()
            self.release.wait(10)
            handler.close_connection = True
            return None
        handler.wfile.write(payload if cut is None else payload[:cut])
        handler.wfile.flush()
        if cut is not None:
            handler.close_connection = True
        return None

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        cut, self.cut_next = self.cut_next, None
        handler.wfile.write(body if cut is None else body[:cut])
        if cut is not None:
            handler.close_connection = True
