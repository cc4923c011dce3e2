"""The Transcription API: the client against the emulator over real loopback HTTP."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from clocks import SteppedClock

from rectui.emulator import RunningEmulator
from rectui.plivo import pricing
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.errors import AuthenticationError, InvalidIdError, RateLimitedError, ServerError
from rectui.plivo.ratelimit import RateLimiter
from tests.test_client import make_client


def untranscribed(running: RunningEmulator, count: int = 1) -> list[str]:
    ids = [
        r.recording_id
        for r in running.emulator.store.snapshot()
        if not running.emulator.transcripts.has(r.recording_id)
    ]
    assert len(ids) >= count, "the emulator has too few recordings without a transcript"
    return ids[:count]


def transcription_url(running: RunningEmulator, recording_id: str) -> str:
    return f"{running.base_url}/v1/Account/{running.auth_id}/Transcription/{recording_id}/"


async def test_request_is_in_progress_until_the_delay_passes_then_a_success(make_emulator) -> None:
    clock = SteppedClock()
    running = make_emulator(seed=3, count=50, monotonic=clock, transcription_delay=30)
    (rid,) = untranscribed(running)
    async with make_client(running) as client:
        assert await client.get_transcription(rid) is None
        assert await client.request_transcription(rid) == "transcription in progress"
        pending = await client.get_transcription(rid)
        assert pending is not None and not pending.ready and pending.text == ""
        clock.now += 29.9
        still = await client.get_transcription(rid)
        assert still is not None and not still.ready
        clock.now += 0.1
        done = await client.get_transcription(rid)
    assert done is not None and done.ready and done.status == "success"
    rec = running.emulator.store.get(rid)
    assert rec is not None
    assert done.recording_duration_ms == int(rec.duration_ms)
    speakers = {line.speaker for line in done.lines()}
    assert speakers == {"0", "1"}
    assert done.text.startswith("\nSpeaker 0: ")


async def test_cost_is_the_rate_times_started_minutes(make_emulator) -> None:
    running = make_emulator(
        seed=3, count=50, transcription_delay=0, transcription_rate=Decimal("0.07")
    )
    (rid,) = untranscribed(running)
    rec = running.emulator.store.get(rid)
    assert rec is not None
    async with make_client(running) as client:
        await client.request_transcription(rid)
        done = await client.get_transcription(rid)
    assert done is not None and done.rate == Decimal("0.07")
    minutes = -(-int(rec.duration_ms) // 60_000) or 1
    assert done.cost == Decimal("0.07") * minutes
    assert pricing.transcription_cost(Decimal("0.07"), rec.duration_ms) == done.cost


def test_billable_minutes_count_every_started_minute() -> None:
    assert pricing.transcription_minutes(22_780) == 1  # the SDK fixture: cost 0.05 at 0.05/min
    assert pricing.transcription_minutes(60_000) == 1
    assert pricing.transcription_minutes(60_001) == 2
    assert pricing.transcription_minutes(0) == 1


def test_the_sdk_shapes_exactly(emulator) -> None:
    emulator.emulator.transcripts.delay = 0
    (rid,) = untranscribed(emulator)
    url = transcription_url(emulator, rid)
    with httpx.Client(auth=emulator.auth) as http:
        missing = http.get(url)
        created = http.post(url, json={})
        got = http.get(url)
        deleted = http.delete(url)
        gone = http.delete(url)
    assert missing.status_code == 404 and set(missing.json()) == {"api_id", "error"}
    assert created.status_code == 201
    assert created.json().keys() == {"api_id", "message"}
    assert created.json()["message"] == "transcription in progress"
    assert got.status_code == 200
    assert got.json().keys() == {
        "api_id", "cost", "rate", "recording_duration_ms", "recording_start_ms", "status",
        "transcription",
    }  # fmt: skip
    assert isinstance(got.json()["cost"], float) and isinstance(
        got.json()["recording_start_ms"], int
    )
    assert deleted.status_code == 202
    assert deleted.json().keys() == {"api_id", "message"}
    assert deleted.json()["message"] == "request accepted"
    assert gone.status_code == 404


async def test_delete_then_none_and_the_text_is_the_same_every_time(emulator) -> None:
    emulator.emulator.transcripts.delay = 0
    (rid,) = untranscribed(emulator)
    async with make_client(emulator) as client:
        await client.request_transcription(rid)
        first = await client.get_transcription(rid)
        assert await client.delete_transcription(rid) is True
        assert await client.get_transcription(rid) is None
        assert await client.delete_transcription(rid) is False
        await client.request_transcription(rid)
        again = await client.get_transcription(rid)
    assert first is not None and again is not None and first.text == again.text


async def test_same_auth_and_rate_limit_as_the_recording_api(make_emulator) -> None:
    clock = SteppedClock()
    running = make_emulator(seed=3, count=50, monotonic=clock, rate_limit=(2, 5.0))
    (rid,) = untranscribed(running)
    # The client waits out 429s for 30 s on its own clock, which steps as it waits; the
    # server's window stays where the test leaves it, so every retry is refused.
    waiting = SteppedClock()
    limiter = RateLimiter(clock=waiting, sleep=waiting.sleep)
    async with make_client(
        running, max_retries=0, limiter=limiter, clock=waiting, sleep=waiting.sleep
    ) as client:
        await client.get_transcription(rid)
        await client.list_recordings()
        with pytest.raises(RateLimitedError):
            await client.get_transcription(rid)
    with httpx.Client(auth=(running.auth_id, "wrong")) as http:
        assert http.get(transcription_url(running, rid)).status_code == 401
    clock.now += 10
    wrong = Credentials(running.auth_id, "wrong")
    async with PlivoClient(wrong, base_url=running.base_url, max_retries=0) as client:
        with pytest.raises(AuthenticationError):
            await client.get_transcription(rid)


async def test_a_request_is_retried_after_429_but_never_sent_twice_after_a_5xx(emulator) -> None:
    emulator.emulator.transcripts.delay = 0
    rid_a, rid_b = untranscribed(emulator, 2)
    log = emulator.emulator.request_log
    emulator.emulator.fail_next("Transcription", status=429, method="POST")
    async with make_client(emulator) as client:
        await client.request_transcription(rid_a)
        assert len([r for r in log if r.method == "POST"]) == 2
        log.clear()
        emulator.emulator.fail_next("Transcription", status=503, method="POST")
        with pytest.raises(ServerError):
            await client.request_transcription(rid_b)
        assert len([r for r in log if r.method == "POST"]) == 1
        emulator.emulator.fail_next("Transcription", status=503, method="GET")
        assert await client.get_transcription(rid_a) is not None  # a GET is retried


async def test_an_id_that_leaves_its_path_is_refused_before_any_request(emulator) -> None:
    async with make_client(emulator) as client:
        for bad in ("..", "a/b", ""):
            with pytest.raises(InvalidIdError):
                await client.get_transcription(bad)
            with pytest.raises(InvalidIdError):
                await client.request_transcription(bad)
    assert list(emulator.emulator.request_log) == []


def test_generated_transcripts_vary_enough_to_search(emulator) -> None:
    from rectui.emulator.transcripts import transcript_text

    recs = emulator.emulator.store.snapshot()[:40]
    vocabularies = [set(transcript_text(r.recording_id, r.duration_ms).split()) for r in recs]
    assert transcript_text(recs[0].recording_id, 60_000) == transcript_text(
        recs[0].recording_id, 60_000
    )
    assert len({frozenset(v) for v in vocabularies}) == len(recs)
    assert any("refund" in v for v in vocabularies) and not all("refund" in v for v in vocabularies)
