"""429s are absorbed: the limiter learns the limit the server really applies (a stricter account,
or another tool spending the same account's budget) and a request only fails after the client
has made no progress for `stall_seconds`. Against the emulator over real loopback HTTP; where
time matters the limiter and the client run on a stepped clock instead of sleeping."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clocks import SteppedClock

from rectui.emulator import RunningEmulator
from rectui.listing import Listing
from rectui.plivo.auth import Credentials
from rectui.plivo.client import DEFAULT_MAX_CONCURRENCY, STALL_SECONDS, PlivoClient, RetryNotice
from rectui.plivo.errors import RateLimitedError
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import CREEP, SHARE, RateLimiter

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def client_of(running: RunningEmulator, limiter: RateLimiter, **kwargs) -> PlivoClient:
    return PlivoClient(
        Credentials(running.auth_id, running.auth_token),
        base_url=running.base_url,
        limiter=limiter,
        **kwargs,
    )


def statuses(running: RunningEmulator) -> list[int | None]:
    return [r.status for r in running.emulator.request_log]


# -- the limiter on its own ------------------------------------------------------------------


async def test_a_429_cuts_to_what_the_server_took_once_per_round() -> None:
    clock = SteppedClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep)
    accepted = [await limiter.acquire() for _ in range(100)]
    for slot in accepted:
        limiter.settle(slot, 200)
    assert limiter.limit == 300  # already at the ceiling: it stays there
    rejected = [await limiter.acquire() for _ in range(3)]
    for slot in rejected:
        limiter.settle(slot, 429)
    # The server took 100 of ours this period: that is our share now, a little less.
    assert (limiter.limit, limiter.cuts) == (int(100 * SHARE), 1)
    # 103 in the window, 90 allowed: the next one waits until the 100 accepted have aged out.
    late = await limiter.acquire()
    assert clock.now >= 1000.0 + limiter.period
    limiter.settle(late, 429)  # sent after the cut, and the server took nothing since: news
    assert (limiter.limit, limiter.cuts) == (1, 2)


async def test_accepted_answers_creep_back_up_to_the_ceiling() -> None:
    clock = SteppedClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep)
    limiter.settle(await limiter.acquire(), 429)
    for _ in range(3):
        limiter.settle(await limiter.acquire(), 429)
    low = limiter.limit
    assert low < 300
    sent = 0
    while limiter.limit < 300:
        limiter.settle(await limiter.acquire(), 200)
        sent += 1
    # CREEP of the ceiling per period's worth of answers: slow enough to find the edge again.
    assert sent >= (300 - low) / (CREEP * 300) and clock.now > 1000.0


async def test_a_request_in_flight_keeps_its_place_however_long_it_takes() -> None:
    clock = SteppedClock()
    limiter = RateLimiter(10, 1.0, clock=clock, sleep=clock.sleep)
    in_flight = [await limiter.acquire() for _ in range(10)]
    eleventh = asyncio.create_task(limiter.acquire())
    clock.now += 5 * limiter.period  # no answer yet: the server may not have counted them
    await asyncio.sleep(0)  # it runs up to its wait
    assert not eleventh.done(), "a full window of requests in flight let another one go"
    limiter.settle(in_flight[0], 200)  # counted by now at the latest
    answered_at = clock.now
    slot = await asyncio.wait_for(eleventh, 10)  # bounded: a lost wake-up fails, not hangs
    assert slot.at >= answered_at + limiter.period


# -- against the emulator --------------------------------------------------------------------


async def test_requests_the_server_counts_late_do_not_push_the_next_ones_into_a_429(
    make_emulator: Callable[..., RunningEmulator],
) -> None:
    # As under a loaded full test run: the first ten reach the server's count more than a
    # period after they were sent. The server and the limiter step one clock.
    clock = SteppedClock()
    served = make_emulator(seed=7, count=200, now=NOW, rate_limit=(10, 1.0), monotonic=clock)
    held = served.emulator.hold()
    limiter = RateLimiter(10, 1.0, clock=clock, sleep=clock.sleep)
    async with client_of(served, limiter, max_retries=0) as client:
        burst = asyncio.gather(*(client.list_recordings() for _ in range(25)))
        await held.until_held(10)
        clock.now += 5.0
        held.release()
        pages = await asyncio.wait_for(burst, 30)
    assert all(page.recordings for page in pages)
    assert statuses(served) == [200] * 25


async def test_a_listing_under_a_stricter_shared_limit_completes_quietly(
    make_emulator: Callable[..., RunningEmulator],
) -> None:
    # Plivo's 300 / 5 s and an account that gets a fifth of it, both ten times faster (the
    # ratios are what matter, and a period this short is overrun even by a loaded machine):
    # the server admits 30 requests per 0.5 s, the limiters think 150; a second client spends
    # the same account's budget meanwhile.
    ceiling, period = 150, 0.5
    served = make_emulator(seed=7, count=2000, now=NOW, rate_limit=(30, period))
    notices: list[RetryNotice] = []
    flt = RecordingFilter().with_time_range(NOW - timedelta(days=400), NOW)
    expected = [r.recording_id for r in served.emulator.store.snapshot()]

    async def list_all(client: PlivoClient) -> list[str]:
        client.on_retry = notices.append
        async with client:
            listing = Listing(client, flt, now=NOW)
            try:
                return [rec.recording_id async for rec in listing.iter_all()]
            finally:
                listing.close()

    clients = [client_of(served, RateLimiter(ceiling, period)) for _ in range(2)]
    started = time.monotonic()
    listed = await asyncio.gather(*(list_all(client) for client in clients))
    periods = (time.monotonic() - started) / period

    assert listed == [expected, expected]
    assert notices == []  # nothing was shown
    assert all(client.limiter.cuts for client in clients)  # the limit did bite
    seen = "".join("x" if s == 429 else "." if s == 200 else "?" for s in statuses(served))
    assert "?" not in seen
    # The first round: what the clients had on the wire before a 429 came back, at most their
    # concurrency ceilings. After it, few: each limiter finds the edge again as it creeps up,
    # by CREEP of the ceiling a period, so each overshoots by about that much a period at most.
    _, _, rest = seen.partition("x")
    burst = len(rest) - len(rest.lstrip("x")) + 1
    later = rest.lstrip("x")
    assert burst <= len(clients) * DEFAULT_MAX_CONCURRENCY, seen
    probes = len(clients) * (CREEP * ceiling + 1) * (periods + 1)
    assert later.count("x") <= probes, (later.count("x"), probes, seen)
    print(
        f"429s: first round {burst}, then {later.count('x')} (bound {probes:.0f}) "
        f"for {seen.count('.')} served in {periods:.0f} periods"
    )


async def test_a_429_is_an_error_only_after_the_stall_time(
    emulator: RunningEmulator,
) -> None:
    clock = SteppedClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep)
    client = client_of(emulator, limiter, clock=clock, sleep=clock.sleep)
    notices: list[RetryNotice] = []
    client.on_retry = notices.append
    emulator.emulator.fail_next(
        "/Recording/", status=429, times=None, method="GET", error="too many requests"
    )
    started = clock()
    async with client:
        with pytest.raises(RateLimitedError) as info:
            async with asyncio.timeout(60):  # a stepped clock that never steps would hang
                await client.list_recordings()
        waited = clock() - started
        assert STALL_SECONDS <= waited < STALL_SECONDS + 2 * limiter.period
        message = str(info.value)
        assert "30 s without progress: too many requests" in message and "\n" not in message
        refused = statuses(emulator).count(429)
        # Cut down to one request per period: a few quick tries, then one per 5 s.
        assert refused <= 10 + STALL_SECONDS / 5, refused

        # The same refusals, but fewer than the stall lasts: absorbed, nothing shown.
        emulator.emulator.clear_faults()
        emulator.emulator.request_log.clear()
        emulator.emulator.fail_next("/Recording/", status=429, times=4, method="GET")
        page = await client.list_recordings()
    assert page.recordings and statuses(emulator) == [429, 429, 429, 429, 200]
    assert notices == []


def test_the_cli_shows_nothing_of_the_429s(
    make_emulator: Callable[..., RunningEmulator], tmp_path: Path
) -> None:
    served = make_emulator(seed=7, count=2000, rate_limit=(40, 1.0))
    config = tmp_path / "config.toml"
    config.write_text('[settings]\nrate_limit = "300/1"\n')  # what it believes: 7.5× too many
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
    env |= {"PLIVO_AUTH_ID": served.auth_id, "PLIVO_AUTH_TOKEN": served.auth_token}
    done = subprocess.run(
        [sys.executable, "-m", "rectui", "--config", str(config), "--api-url", served.base_url,
         "list", "--since", "401d", "--format", "csv", "--no-header"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == ""
    assert len(done.stdout.splitlines()) == len(served.emulator.store)
    assert 429 in statuses(served)  # the server did refuse some
