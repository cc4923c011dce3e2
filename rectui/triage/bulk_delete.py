"""Bulk delete: many DELETEs under the client's shared rate limiter, each result recorded.

    deleter = BulkDelete(client, ids, progress=on_progress)   # on_progress(done, total, result)
    report = await deleter.run()          # deleter.cancel() from elsewhere stops it cleanly
    if report.failures:
        report = await deleter.retry()    # only the ones not done

Every request goes through `client` and so through its RateLimiter: a bulk delete and the UI's
page loads share one budget of 300 requests per 5 s. The client already retries 429/5xx/network
errors with backoff; what still fails here is listed with the client's one-line reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from ..plivo.client import PlivoClient
from ..plivo.errors import AuthenticationError
from .results import BulkReport, ItemResult, Outcome, ProgressCallback, failed
from .runner import BulkRunner

DEFAULT_CONCURRENCY = 8
"""Enough to keep 60 requests/s in flight at ~100 ms latency; the limiter does the pacing."""


class BulkDelete(BulkRunner):
    def __init__(
        self,
        client: PlivoClient,
        ids: Iterable[str],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
        listed: bool = True,
    ):
        """`listed`: the ids come from a listing, so a 404 means the recording was deleted
        elsewhere (ALREADY_GONE); False for ids given by hand, where it means NOT_FOUND."""
        super().__init__(ids, concurrency=concurrency, progress=progress, cancel=cancel)
        self.client = client
        self.listed = listed

    async def _process(self, recording_id: str) -> ItemResult:
        try:
            deleted = await self.finish_despite_cancel(self.client.delete_recording(recording_id))
        except asyncio.CancelledError:
            # Abandoned by a second cancel: the DELETE may or may not have reached the server.
            self.report.record(ItemResult(recording_id, Outcome.UNKNOWN, "interrupted"))
            raise
        except Exception as exc:
            if isinstance(exc, AuthenticationError):
                self.abort(str(exc))  # every other DELETE would be refused the same way
            return failed(recording_id, exc)
        if deleted:
            return ItemResult(recording_id, Outcome.DELETED)
        if self.listed:
            return ItemResult(recording_id, Outcome.ALREADY_GONE, "not found (already deleted)")
        return ItemResult(recording_id, Outcome.NOT_FOUND, "no such recording", kind="not_found")


async def bulk_delete(
    client: PlivoClient,
    ids: Iterable[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    cancel: asyncio.Event | None = None,
) -> BulkReport:
    """One-shot form of BulkDelete(...).run()."""
    runner = BulkDelete(client, ids, concurrency=concurrency, progress=progress, cancel=cancel)
    return await runner.run()
