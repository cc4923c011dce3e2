"""The TLS context rectui's connections verify servers with.

It trusts what httpx's default context trusts (SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's
bundle) but reads those certificates at the first TLS connection, not when a client is built:
reading certifi's bundle costs about 40 ms of CPU, which a session on plain http (the emulator,
`--demo`, every test) never needs, and which a session on https pays once, at its first
handshake, as it did before.
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any

import certifi


class LazyTrustContext(ssl.SSLContext):
    """`ssl.create_default_context()` for a client, its CA certificates loaded on first use."""

    def __new__(cls) -> LazyTrustContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        super().__init__()
        # PROTOCOL_TLS_CLIENT already requires a certificate and checks the host name.
        self._trust_lock = threading.Lock()  # media downloads may handshake from threads
        self._trusted = False

    def _load_trust(self) -> None:
        with self._trust_lock:
            if self._trusted:
                return
            cafile = os.environ.get("SSL_CERT_FILE")
            capath = None if cafile else os.environ.get("SSL_CERT_DIR")
            if not (cafile or capath):
                cafile = certifi.where()
            try:
                self.load_verify_locations(cafile=cafile, capath=capath)
            except OSError as exc:
                # As an SSLError, httpx reports it as the connection's failure (one line).
                reason = exc.strerror or str(exc)
                where = cafile or capath
                raise ssl.SSLError(f"cannot read trusted certificates {where}: {reason}") from exc
            self._trusted = True

    # Every TLS connection starts with one of these: asyncio and anyio wrap a BIO, blocking
    # code a socket.
    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_trust()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_trust()
        return super().wrap_socket(*args, **kwargs)
