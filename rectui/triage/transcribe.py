"""Bulk transcription: ask for a transcript of each of many recordings, each result recorded.

    job = BulkTranscribe(client, ids, known=stored.get, keep=stored.put, progress=cb)
    report = await job.run()              # job.cancel() stops it cleanly; job.retry() after

Each request may be charged, so a recording is asked for only when it has no transcript: one
already stored locally (`known`) costs no request, and otherwise a GET first finds one the
server has (finished: kept through `keep`; or still in progress from an earlier request).
A POST is never repeated by the client (it is not idempotent); a POST on the wire when the run is
stopped is waited for, so the report says exactly which recordings were charged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from ..plivo.client import PlivoClient
from ..plivo.errors import AuthenticationError
from ..plivo.transcription import Transcript
from .results import ItemResult, Outcome, ProgressCallback, failed
from .runner import BulkRunner

DEFAULT_CONCURRENCY = 8


class BulkTranscribe(BulkRunner):
    def __init__(
        self,
        client: PlivoClient,
        ids: Iterable[str],
        *,
        known: Callable[[str], object | None] = lambda _rid: None,
        keep: Callable[[Transcript], None] = lambda _t: None,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
    ):
        super().__init__(ids, concurrency=concurrency, progress=progress, cancel=cancel)
        self.report.lead = Outcome.REQUESTED
        self.client = client
        self.known = known
        self.keep = keep

    async def _process(self, recording_id: str) -> ItemResult:
        if self.known(recording_id) is not None:
            return ItemResult(recording_id, Outcome.TRANSCRIBED, "already stored")
        try:
            existing = await self.client.get_transcription(recording_id)
            if existing is not None:
                if existing.ready:
                    self.keep(existing)
                    return ItemResult(recording_id, Outcome.TRANSCRIBED, "already transcribed")
                return ItemResult(recording_id, Outcome.REQUESTED, "already in progress")
            await self.finish_despite_cancel(self.client.request_transcription(recording_id))
        except asyncio.CancelledError:
            # Abandoned by a second cancel: the request may or may not have been charged.
            self.report.record(ItemResult(recording_id, Outcome.UNKNOWN, "interrupted"))
            raise
        except Exception as exc:
            if isinstance(exc, AuthenticationError):
                self.abort(str(exc))
            return failed(recording_id, exc)
        return ItemResult(recording_id, Outcome.REQUESTED)
