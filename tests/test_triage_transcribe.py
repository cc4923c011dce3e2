"""Bulk transcription through the emulator: only recordings without a transcript are asked for
(each request may be charged), finished ones are kept, a stop mid-run waits for the request on
the wire, and a retry asks only for what failed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from clocks import SteppedClock

from rectui.emulator import RunningEmulator
from rectui.index.transcripts import TranscriptIndex
from rectui.plivo import pricing
from rectui.triage import BulkTranscribe, Outcome
from tests.test_client import make_client
from tests.test_transcription import untranscribed

MISSING = "00000000-0000-0000-0000-000000000000"


def posts(running: RunningEmulator) -> list[str]:
    return [r.path for r in running.emulator.request_log if r.method == "POST"]


async def test_only_recordings_without_a_transcript_are_requested(
    make_emulator, tmp_path: Path
) -> None:
    clock = SteppedClock()
    running = make_emulator(seed=5, count=40, monotonic=clock, transcription_delay=30)
    stored_one, finished, pending, new_a, new_b = untranscribed(running, 5)
    async with make_client(running) as client:
        await client.request_transcription(stored_one)
        await client.request_transcription(finished)
        clock.now += 30
        await client.request_transcription(pending)
        with TranscriptIndex(tmp_path / "index.sqlite3") as stored:
            one = await client.get_transcription(stored_one)
            assert one is not None and one.ready
            stored.put(one)  # fetched before: the index has it, the server too
            running.emulator.request_log.clear()

            ids = [stored_one, finished, pending, new_a, new_b, MISSING]
            job = BulkTranscribe(client, ids, known=stored.get, keep=stored.put)
            report = await job.run()

            assert stored.get(finished) is not None
    outcome = {rid: report.results[rid].outcome for rid in ids}
    assert outcome == {
        stored_one: Outcome.TRANSCRIBED,
        finished: Outcome.TRANSCRIBED,
        pending: Outcome.REQUESTED,
        new_a: Outcome.REQUESTED,
        new_b: Outcome.REQUESTED,
        MISSING: Outcome.FAILED,
    }
    assert sorted(p.rsplit("/", 2)[-2] for p in posts(running)) == sorted([new_a, new_b, MISSING])
    assert not any(stored_one in r.path for r in running.emulator.request_log)
    assert report.summary() == "3 requested, 2 already transcribed, 1 failed"
    assert [f.recording_id for f in report.failures] == [MISSING]


async def test_a_stop_waits_for_the_request_on_the_wire_and_starts_no_more(
    make_emulator,
) -> None:
    running = make_emulator(seed=5, count=40, transcription_delay=30)
    ids = untranscribed(running, 6)
    gate = running.emulator.hold("Transcription", method="POST")
    async with make_client(running) as client:
        job = BulkTranscribe(client, ids, concurrency=1)
        run = asyncio.ensure_future(job.run())
        await gate.until_held(1)
        job.cancel()
        gate.release()
        report = await run
    assert report.cancelled
    assert report.summary() == "1 requested, 5 not attempted (cancelled)"
    assert len(posts(running)) == 1


async def test_a_retry_asks_only_for_what_failed_and_never_twice(make_emulator) -> None:
    running = make_emulator(seed=5, count=40, transcription_delay=30)
    ids = untranscribed(running, 3)
    running.emulator.fail_next("Transcription", status=503, method="POST")
    async with make_client(running) as client:
        job = BulkTranscribe(client, ids)
        first = await job.run()
        assert len(first.failures) == 1
        running.emulator.request_log.clear()
        again = await job.retry()
    assert again.ok and again.summary() == "3 requested"
    assert len(posts(running)) == 1


def test_the_bulk_charge_counts_every_started_minute_of_each_recording() -> None:
    text = pricing.bulk_transcription_charge_text([22_780, 60_000, 60_001, None])
    assert text == "$0.0500/min × 4 min = $0.2000, plus 1 of unknown length"
