"""The worker pool both bulk actions share: bounded concurrency, progress, two ways to stop.

- `cancel()` (or setting the `cancel` event given to the constructor) is a soft stop: no new
  item starts, items in progress finish, and `run()` returns the report with `cancelled` set.
- Cancelling the task running `run()` (Ctrl+C, a Textual worker's cancel) stops at once what
  can be dropped safely (a download, a wait) but lets a DELETE that may be on the wire finish,
  so the report still says exactly what was deleted; `run()` then re-raises CancelledError and
  the report stays readable on the runner. A second cancel abandons those requests too: their
  items become UNKNOWN (a retry settles them: a 404 then means deleted).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from ..error_text import one_line
from ..plivo.client import check_recording_id
from ..plivo.errors import InvalidIdError
from .results import BulkReport, ItemResult, Outcome, ProgressCallback, failed

T = TypeVar("T")


def unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


class BulkRunner:
    """Subclasses implement `_process(recording_id) -> ItemResult`; it must not raise except
    CancelledError (after recording what it knows via `self.report.record`)."""

    def __init__(
        self,
        ids: Iterable[str],
        *,
        concurrency: int = 8,
        progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
    ):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.report = BulkReport(unique(ids))
        self.concurrency = concurrency
        self.progress = progress
        self._stop = cancel or asyncio.Event()
        self._callback_error: BaseException | None = None

    # -- control ----------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Soft stop: finish the items in progress, start no more."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def abort(self, reason: str) -> None:
        """Stop because going on is pointless (e.g. the credentials were rejected)."""
        if self.report.aborted is None:
            self.report.aborted = reason
        self._stop.set()

    async def run(self) -> BulkReport:
        return await self._run(self.report.ids)

    async def retry(self) -> BulkReport:
        """Run again over everything not done yet (failed, unknown, not attempted), updating
        the same report. Safe to call after a cancel."""
        self._stop.clear()
        self.report.cancelled = False
        self.report.aborted = None
        return await self._run([r.recording_id for r in self.report.failures])

    # -- the pool ---------------------------------------------------------------------------------

    async def _process(self, recording_id: str) -> ItemResult:  # pragma: no cover - abstract
        raise NotImplementedError

    async def _run(self, ids: list[str]) -> BulkReport:
        queue = deque(ids)
        total = len(ids)
        done = 0

        async def worker() -> None:
            nonlocal done
            while queue and not self._stop.is_set():
                rid = queue.popleft()
                try:
                    # Refused here, per item, before any step (a download, a journal line).
                    check_recording_id(rid)
                    result = await self._process(rid)
                except InvalidIdError as exc:
                    result = failed(rid, exc)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a bug must not leave other workers running alone
                    result = ItemResult(rid, Outcome.FAILED, one_line(exc))
                self.report.record(result)
                done += 1
                if self.progress is not None:
                    try:
                        self.progress(done, total, result)
                    except Exception as exc:  # the caller's bug: stop cleanly, raise it after
                        self._callback_error = self._callback_error or exc
                        self._stop.set()

        workers = [asyncio.create_task(worker()) for _ in range(min(self.concurrency, total))]
        if not workers:
            return self.report
        try:
            # Not gather(): a cancelled gather returns as soon as one child ends cancelled,
            # while others may still be finishing a DELETE the report must include.
            await asyncio.wait(workers)
        except asyncio.CancelledError:
            self.report.cancelled = True
            self._stop.set()
            await self._drain(workers)
            raise
        if self._stop.is_set() and self.report.aborted is None and queue:
            self.report.cancelled = True
        for task in workers:
            crash = None if task.cancelled() else task.exception()
            if crash is not None:
                raise crash
        if self._callback_error is not None:
            raise self._callback_error
        return self.report

    @staticmethod
    async def _drain(workers: list[asyncio.Task[None]]) -> None:
        """Cancel the workers and wait until every one has recorded its outcome: downloads
        stop at once, DELETEs in flight finish (see finish_despite_cancel). Each further
        cancel is passed on, which abandons those DELETEs too."""
        for task in workers:
            task.cancel()
        pending = {task for task in workers if not task.done()}
        while pending:
            try:
                _, pending = await asyncio.wait(pending)
            except asyncio.CancelledError:
                for task in pending:
                    task.cancel()
        for task in workers:  # mark exceptions retrieved; the cancel is what propagates
            if not task.cancelled():
                task.exception()

    async def finish_despite_cancel(self, request: Awaitable[T]) -> T:
        """Await a request that must not be abandoned half-way (a DELETE): if this task is
        cancelled meanwhile, wait for the answer anyway and stop the run after it. A second
        cancel abandons it (CancelledError propagates)."""
        task = asyncio.ensure_future(request)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._stop.set()
            self.report.cancelled = True
            current = asyncio.current_task()
            if current is not None:
                # Acknowledge the first cancel so the wait below is not interrupted by it.
                current.uncancel()
            try:
                return await task
            except asyncio.CancelledError:
                task.cancel()
                raise
