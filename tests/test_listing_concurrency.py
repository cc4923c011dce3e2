"""The listing's adaptive concurrency: the policy on its own, then through the real emulator,
where the server counts how many listing requests it is serving at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from rectui.emulator import Emulator, RunningEmulator, run_emulator_in_thread
from rectui.listing import Listing
from rectui.listing.concurrency import SLOW_FACTOR, AdaptiveConcurrency
from rectui.plivo.auth import Credentials
from rectui.plivo.client import Attempt, PlivoClient
from rectui.plivo.errors import ServerError
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import RateLimiter

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COUNT = 3000
"""Generated over the 400 days before NOW."""


def ok(sent: float, seconds: float, status: int = 200) -> Attempt:
    return Attempt(status, sent, sent + seconds)


# -- the policy ---------------------------------------------------------------------------------


def test_fast_answers_double_the_window_per_round_trip() -> None:
    window = AdaptiveConcurrency(maximum=64, initial=8)
    for n in range(8):  # one round trip: every request in the window answered quickly
        window.observe(ok(0.0, 0.100 + n * 0.001))
    assert window.limit == 16
    for _ in range(100):
        window.observe(ok(1.0, 0.100))
    assert window.limit == 64  # and no further
    assert window.doubling and window.shrinks == 0


def test_a_slow_answer_ends_the_doubling_and_slow_answers_never_grow() -> None:
    window = AdaptiveConcurrency(maximum=64, initial=8)
    window.observe(ok(0.0, 0.100))
    assert window.limit == 9
    for _ in range(50):
        window.observe(ok(1.0, 0.100 * SLOW_FACTOR + 0.001))
    assert window.limit == 9 and not window.doubling
    # Fast again: one more per round trip (about a window's worth of answers), not per answer.
    for _ in range(10):
        window.observe(ok(2.0, 0.100))
    assert window.limit == 10


@pytest.mark.parametrize("status", [429, 500, 503, None])
def test_trouble_halves_once_per_round_trip(status: int | None) -> None:
    window = AdaptiveConcurrency(maximum=64, initial=32)
    # 32 requests sent at t=0 all fail around t=0.1: the window halves once, not 32 times.
    for n in range(32):
        window.observe(Attempt(status, 0.0, 0.1 + n * 0.001))
    assert (window.limit, window.shrinks) == (16, 1)
    # A retry sent after that halving fails too: that is news, halve again.
    window.observe(Attempt(status, 0.2, 0.3))
    assert (window.limit, window.shrinks) == (8, 2)
    for n in range(10):
        window.observe(Attempt(status, 0.4 + n, 0.5 + n))
    assert window.limit == 1  # never below one


def test_client_errors_are_not_trouble() -> None:
    window = AdaptiveConcurrency(maximum=64, initial=8)
    window.observe(ok(0.0, 0.1, status=404))
    window.observe(ok(0.0, 0.1, status=400))
    assert window.shrinks == 0 and window.limit == 10


async def test_requests_beyond_the_limit_wait_for_a_place() -> None:
    window = AdaptiveConcurrency(maximum=2, initial=2)
    started: list[int] = []
    release = asyncio.Event()

    async def request(n: int) -> None:
        async with window.slot():
            started.append(n)
            await release.wait()

    tasks = [asyncio.create_task(request(n)) for n in range(3)]
    for _ in range(50):  # no I/O here: a few turns of the loop run every task to its wait
        await asyncio.sleep(0)
    assert started == [0, 1] and window.in_flight == 2
    release.set()
    await asyncio.gather(*tasks)
    assert started == [0, 1, 2] and window.peak == 2 and window.in_flight == 0


# -- through the emulator -----------------------------------------------------------------------


class CountingEmulator(Emulator):
    """The emulator, counting the listing requests it is serving at once (the latency it adds
    included): the concurrency the server actually sees."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.listing_in_flight = 0
        self.listing_peak = 0

    def reset_counts(self) -> None:
        self.listing_in_flight = self.listing_peak = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        listing = scope["type"] == "http" and scope["path"].endswith("/Recording/")
        if listing:
            self.listing_in_flight += 1
            self.listing_peak = max(self.listing_peak, self.listing_in_flight)
        try:
            await super().__call__(scope, receive, send)
        finally:
            if listing:
                self.listing_in_flight -= 1


@pytest.fixture(scope="module")
def served() -> Iterator[RunningEmulator]:
    emulator = CountingEmulator(seed=11, count=COUNT, now=NOW)
    with run_emulator_in_thread(emulator) as base_url:
        yield RunningEmulator(base_url, emulator)
    emulator.close()


@pytest.fixture
def emu(served: RunningEmulator) -> CountingEmulator:
    emulator = served.emulator
    assert isinstance(emulator, CountingEmulator)
    emulator.reset()
    emulator.reset_counts()
    return emulator


def make_client(served: RunningEmulator, **kwargs: Any) -> PlivoClient:
    kwargs.setdefault("limiter", RateLimiter(1_000_000, 1.0))
    kwargs.setdefault("backoff_base", 0.001)
    return PlivoClient(Credentials(*served.emulator.account), base_url=served.base_url, **kwargs)


@pytest.fixture
async def client(served: RunningEmulator, emu: CountingEmulator) -> AsyncIterator[PlivoClient]:
    async with make_client(served) as c:
        yield c


def last_days(days: int) -> RecordingFilter:
    return RecordingFilter().with_time_range(NOW - timedelta(days=days), NOW)


def is_listing(path: str) -> bool:
    return path.endswith("/Recording/")


def listing_statuses(emulator: Emulator) -> list[int | None]:
    return [r.status for r in emulator.request_log if is_listing(r.path)]


def expected_ids(emulator: Emulator, days: int) -> list[str]:
    lower = NOW - timedelta(days=days)
    return [r.recording_id for r in emulator.store.snapshot() if lower <= r.add_time < NOW]


async def list_all(listing: Listing) -> list[str]:
    return [rec.recording_id async for rec in listing.iter_all()]


async def test_steady_answers_grow_the_window_within_the_maximum(
    emu: CountingEmulator, client: PlivoClient
) -> None:
    # 14 windows open at once, then 150-odd pages. How far the window grows depends on how fast
    # answers come on this machine; that the first answer grows it and the maximum holds does not.
    emu.latency_ms = 100
    listing = Listing(client, last_days(400), now=NOW, max_concurrency=40)
    assert listing.concurrency.limit == 14  # every window's first page in one round trip

    ids = await list_all(listing)

    assert ids == expected_ids(emu, 400)
    assert listing.concurrency.shrinks == 0
    assert 14 < listing.concurrency.limit <= 40
    assert listing.concurrency.peak <= 40 and emu.listing_peak <= 40
    assert listing_statuses(emu).count(200) == listing.requests_made


async def test_the_rate_limiter_bounds_the_window(
    served: RunningEmulator, emu: CountingEmulator
) -> None:
    # More in flight than the limiter admits per period would only queue inside the limiter.
    async with make_client(served, limiter=RateLimiter(6, 0.2)) as client:
        listing = Listing(client, last_days(60), now=NOW)
        assert listing.concurrency.maximum == 6
        ids = await list_all(listing)
    assert ids == expected_ids(emu, 60)
    assert emu.listing_peak <= 6


async def test_a_429_halves_the_window_and_loses_nothing(
    emu: CountingEmulator, client: PlivoClient
) -> None:
    emu.fail_next(is_listing, status=429, times=1)
    listing = Listing(client, last_days(400), now=NOW)

    ids = await list_all(listing)

    assert ids == expected_ids(emu, 400)
    assert listing.concurrency.shrinks == 1
    assert not listing.concurrency.doubling
    statuses = listing_statuses(emu)
    assert statuses.count(429) == 1
    assert statuses.count(200) == listing.requests_made  # the rejected page was asked again


async def test_a_dropped_connection_halves_the_window(
    emu: CountingEmulator, client: PlivoClient
) -> None:
    emu.drop_connection_for(is_listing, times=1)
    listing = Listing(client, last_days(90), now=NOW)

    ids = await list_all(listing)

    assert ids == expected_ids(emu, 90)
    assert listing.concurrency.shrinks == 1
    assert listing_statuses(emu).count(None) == 1


async def test_a_failing_server_shrinks_the_window_to_one(
    served: RunningEmulator, emu: CountingEmulator
) -> None:
    emu.fail_next(is_listing, status=503, times=None)
    async with make_client(served, max_retries=4) as client:
        listing = Listing(client, last_days(400), now=NOW)
        with pytest.raises(ServerError):
            await listing.open()
    # Each of the 14 first pages tried 5 times, each try sent after the previous one failed:
    # five rounds of failures, each halving the window once (14 → 7 → 3 → 1).
    assert listing.concurrency.limit == 1
    assert listing_statuses(emu).count(503) == 14 * 5


async def test_answers_slowing_down_stop_the_growth(
    served: RunningEmulator, emu: CountingEmulator
) -> None:
    emu.latency_ms = 10
    switched: dict[str, int] = {}

    class SlowingClient(PlivoClient):
        """After the first 8 answers, the server becomes 60 times slower."""

        answers = 0

        async def list_recordings(self, flt: RecordingFilter | None = None, **kwargs: Any) -> Any:
            observe = kwargs.pop("observe")

            def watch(attempt: Attempt) -> None:
                observe(attempt)
                self.answers += 1
                if self.answers == 8:
                    emu.latency_ms = 600
                    switched["limit"] = listing.concurrency.limit
                    switched["in_flight"] = listing.concurrency.in_flight

            return await super().list_recordings(flt, observe=watch, **kwargs)

    async with SlowingClient(
        Credentials(*emu.account),
        base_url=served.base_url,
        limiter=RateLimiter(1_000_000, 1.0),
    ) as client:
        listing = Listing(client, last_days(90), now=NOW)
        ids = await list_all(listing)

    assert ids == expected_ids(emu, 90)
    assert not listing.concurrency.doubling
    # Only requests already on their way when the server slowed down can still answer fast,
    # each adding at most one; the slow answers add nothing.
    assert listing.concurrency.limit <= switched["limit"] + switched["in_flight"]
    assert listing.concurrency.shrinks == 0
