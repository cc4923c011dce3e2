"""The TLS context rectui's connections verify servers with, its trust read at the first https
request.

It trusts what httpx's default context trusts (SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's
bundle), but reading those certificates costs 20-40 ms of CPU, which a session on plain http
(the emulator, `--demo`, every CLI command the tests run) never needs. So the context starts out
trusting nothing, which fails closed, and an httpx request hook loads the trust into it before
the first https request leaves (redirects included: httpx calls the hook for every hop).

It stays a plain `ssl.SSLContext`: anyio hands the handshake setup of any subclass to a worker
thread, and everything here (loading included) happens on the client's event loop.
"""

from __future__ import annotations

import os
import ssl

import certifi
import httpx


class TrustUnreadable(httpx.ConnectError):
    """The trusted certificates could not be read: the machine's setup, not the server's, so
    nothing is retried and the limiter hears no lost answer."""


class TrustOnFirstHttps:
    """`context` goes to httpx as `verify`, `before_request` into its request event hooks."""

    def __init__(self) -> None:
        # PROTOCOL_TLS_CLIENT already requires a certificate and checks the host name, as
        # ssl.create_default_context() does.
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if keylog := os.environ.get("SSLKEYLOGFILE"):  # as ssl.create_default_context does
            self.context.keylog_filename = keylog
        self.loaded = False

    async def before_request(self, request: httpx.Request) -> None:
        if request.url.scheme == "https" and not self.loaded:
            self._load(request)

    def _load(self, request: httpx.Request) -> None:
        cafile = os.environ.get("SSL_CERT_FILE") or None
        capath = None if cafile else os.environ.get("SSL_CERT_DIR") or None
        if not (cafile or capath):
            cafile = certifi.where()
        try:
            self.context.load_verify_locations(cafile=cafile, capath=capath)
        except OSError as exc:  # ssl.SSLError too: a file that holds no certificates
            # A transport error: the client reports it as this request's one line.
            reason = exc.strerror or str(exc)
            raise TrustUnreadable(
                f"Cannot read the trusted certificates {cafile or capath} ({reason}); "
                "set SSL_CERT_FILE or SSL_CERT_DIR to readable ones",
                request=request,
            ) from None
        self.loaded = True
