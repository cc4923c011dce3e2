"""Bulk delete against the emulator over loopback: per-id results, failures, retry, cancel.

What the server actually did is read from the emulator's request log, never from our report.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from rectui.emulator import RunningEmulator
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.ratelimit import RateLimiter
from rectui.triage import BulkDelete, ItemResult, Outcome, bulk_delete


def make_client(emulator: RunningEmulator, token: str | None = None) -> PlivoClient:
    return PlivoClient(
        Credentials(emulator.auth_id, token or emulator.auth_token),
        base_url=emulator.base_url,
        limiter=RateLimiter(1_000_000, 1.0),  # the emulator has no limit here
        backoff_base=0.001,  # the client's retries stay real, only quick
    )


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[PlivoClient]:
    async with make_client(emulator) as c:
        yield c


def some_ids(emulator: RunningEmulator, count: int) -> list[str]:
    return [r.recording_id for r in emulator.emulator.store.snapshot()[:count]]


def settled_log(emulator: RunningEmulator, expected: int) -> list[tuple[str, str, int | None]]:
    """(method, id, status) of the logged DELETEs, once `expected` of them are there: DELETEs
    in flight when a job was cancelled are answered after the client moved on."""
    return [
        (r.method, r.path.rstrip("/").rsplit("/", 1)[-1], r.status)
        for r in emulator.emulator.request_log.wait_logged(expected, method="DELETE")
    ]


def deletes_204(lines: list[tuple[str, str, int | None]]) -> Counter[str]:
    return Counter(rid for _, rid, status in lines if status == 204)


async def test_results_per_id_failures_listed_and_retry_succeeds(
    emulator: RunningEmulator, client: PlivoClient
) -> None:
    ids = some_ids(emulator, 12)
    broken, dropped, flaky = ids[0], ids[1], ids[2]
    emu = emulator.emulator
    emu.fail_next(broken, status=500, times=None, method="DELETE")  # outlives the retries
    emu.drop_connection_for(dropped, times=None, method="DELETE")
    emu.fail_next(flaky, status=503, times=1, method="DELETE")  # the client's retry heals it
    unknown = "00000000-0000-1000-8000-000000000000"
    calls: list[tuple[int, int, ItemResult]] = []

    runner = BulkDelete(
        client, [*ids, unknown, ids[3]], concurrency=4, progress=lambda *a: calls.append(a)
    )
    report = await runner.run()

    assert report.ids == [*ids, unknown]  # duplicates dropped, order kept
    assert [c[:2] for c in calls] == [(n, 13) for n in range(1, 14)]
    assert {c[2].recording_id for c in calls} == set(report.ids)
    assert report.results[unknown].outcome == Outcome.ALREADY_GONE
    assert [f.recording_id for f in report.failures] == [broken, dropped]
    assert "HTTP 500" in report.results[broken].reason
    assert report.results[broken].kind == "server"
    assert report.results[dropped].kind == "network"
    assert "\n" not in report.results[dropped].reason
    assert set(report.deleted) == set(ids) - {broken, dropped}
    assert report.summary() == "10 deleted, 1 already gone, 2 failed"

    emu.clear_faults()
    report = await runner.retry()
    assert report.ok and not report.failures
    assert set(report.deleted) == set(ids)

    lines = settled_log(emulator, 0)
    assert deletes_204(lines) == Counter(ids)  # exactly one successful DELETE per id
    assert emu.store.get(broken) is None and emu.store.get(dropped) is None


async def test_soft_cancel_stops_and_reports_exactly(
    emulator: RunningEmulator, client: PlivoClient
) -> None:
    ids = some_ids(emulator, 30)
    emulator.emulator.latency_ms = 5  # keep several DELETEs in flight when the cancel comes
    stop = asyncio.Event()

    def progress(done: int, total: int, result: ItemResult) -> None:
        if done == 5:
            stop.set()

    report = await bulk_delete(client, ids, concurrency=4, progress=progress, cancel=stop)

    assert report.cancelled
    deleted = set(report.deleted)
    untouched = set(report.ids_with([Outcome.NOT_ATTEMPTED]))
    assert 5 <= len(deleted) < len(ids)
    assert deleted | untouched == set(ids)
    lines = settled_log(emulator, len(deleted))
    assert set(deletes_204(lines)) == deleted  # the report matches the server, id for id
    assert not untouched & {rid for _, rid, _ in lines}

    runner = BulkDelete(client, ids)
    runner.report = report  # what a UI keeps: retry resumes from the report it showed
    report = await runner.retry()
    assert report.ok and not report.cancelled
    assert deletes_204(settled_log(emulator, len(ids))) == Counter(ids)


async def test_cancelling_the_task_finishes_deletes_in_flight(
    emulator: RunningEmulator, client: PlivoClient
) -> None:
    ids = some_ids(emulator, 40)
    gate = emulator.emulator.hold(method="DELETE", after=3)
    runner = BulkDelete(client, ids, concurrency=6)
    task = asyncio.create_task(runner.run())
    await gate.until_held(1)  # three answered or on their way, at least one more on the wire
    task.cancel()
    gate.release()
    with pytest.raises(asyncio.CancelledError):
        await task

    report = runner.report
    assert report.cancelled
    deleted = set(report.deleted)
    # Cancelled with other DELETEs on the wire: they finished and are reported as deleted.
    assert len(deleted) == gate.seen
    assert 3 < len(deleted) < len(ids)
    assert not report.ids_with([Outcome.UNKNOWN, Outcome.FAILED])
    lines = settled_log(emulator, len(deleted))
    assert set(deletes_204(lines)) == deleted
    assert len(lines) == len(deleted)  # nothing else was sent


async def test_rejected_credentials_abort_the_run(emulator: RunningEmulator) -> None:
    ids = some_ids(emulator, 50)
    async with make_client(emulator, token="wrong-token") as bad:
        report = await BulkDelete(bad, ids, concurrency=2).run()
    assert report.aborted and "Authentication failed" in report.aborted
    assert "wrong-token" not in report.aborted
    assert len(report.ids_with([Outcome.FAILED])) <= 2
    assert len(report.ids_with([Outcome.NOT_ATTEMPTED])) >= 48
    assert all(emulator.emulator.store.get(rid) is not None for rid in ids)
