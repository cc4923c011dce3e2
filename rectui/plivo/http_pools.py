"""Several small httpx connection pools behind one client, each request on the least busy one.

httpcore's pool re-examines every connection it holds (and every queued request) each time a
request starts or ends, and part of that is quadratic in the number of connections. With the
listing keeping up to 64 requests in flight, one pool of 64 connections spent 8–13 ms of CPU per
request on a 2-core machine; eight pools of eight spent about 1.5 ms for the same requests. The
connections are split into pools of at most CONNECTIONS_PER_POOL.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from .tls import TrustOnFirstHttps

CONNECTIONS_PER_POOL = 8


class HttpPools:
    """`async with pools.lease() as http:` gives the httpx.AsyncClient with the fewest requests
    in flight; hold the lease until the response (or its stream) is done."""

    def __init__(self, connections: int = 64, **client_args: Any):
        _import_anyio_backend()
        pools = max(1, math.ceil(connections / CONNECTIONS_PER_POOL))
        per_pool = math.ceil(connections / pools)
        limits = httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
        # One TLS context for all, its trust read only if https is used (tls.py).
        trust = TrustOnFirstHttps()
        self._clients = [
            httpx.AsyncClient(
                limits=limits,
                verify=trust.context,
                event_hooks={"request": [trust.before_request]},
                **client_args,
            )
            for _ in range(pools)
        ]
        self._busy = [0] * pools

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[httpx.AsyncClient]:
        index = min(range(len(self._clients)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            yield self._clients[index]
        finally:
            self._busy[index] -= 1

    @property
    def is_closed(self) -> bool:
        return all(client.is_closed for client in self._clients)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


def _import_anyio_backend() -> None:
    """httpcore makes each connection's locks and events with anyio, which imports its asyncio
    backend the first time one is made: 50-80 ms of CPU inside the first request, which held the
    first listing's requests back while the app was starting (the server could have answered
    meanwhile). Imported as the pools are made instead, before the app runs. (A private module:
    if anyio ever moves it, httpcore imports it on first use as before.)"""
    with contextlib.suppress(ImportError):
        import anyio._backends._asyncio  # noqa: F401
