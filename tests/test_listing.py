"""The windowed listing engine against the emulator over loopback, checked by its request log."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rectui.emulator import Emulator, LoggedRequest, RunningEmulator, run_emulator_in_thread
from rectui.emulator.data import StoredRecording
from rectui.listing import (
    QUICK_RANGES,
    Listing,
    Unavailable,
    filter_with_quick_range,
    quick_range,
)
from rectui.plivo import pricing
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.errors import NetworkError, ServerError
from rectui.plivo.filters import FilterError, RecordingFilter
from rectui.plivo.models import Recording, RecordingPage
from rectui.plivo.ratelimit import RateLimiter
from rectui.plivo.rules import MAX_WINDOW, parse_filter_time

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COUNT = 3000
"""Generated over the 400 days before NOW; 20 % of them in the last 30 days."""


@pytest.fixture(scope="module")
def served() -> Iterator[RunningEmulator]:
    """Like conftest's `emulator`, but with a frozen clock (so the server's default 7 days and
    storage durations are exactly computable here) and more rows; shared by this module."""
    emulator = Emulator(seed=11, count=COUNT, now=NOW)
    with run_emulator_in_thread(emulator) as base_url:
        yield RunningEmulator(base_url, emulator)
    emulator.close()


@pytest.fixture
def emu(served: RunningEmulator) -> Iterator[Emulator]:
    emulator = served.emulator
    emulator.reset()  # deleted recordings return, faults and the log are cleared
    return emulator


def make_client(served: RunningEmulator, **kwargs: Any) -> PlivoClient:
    emulator, base_url = served.emulator, served.base_url
    # The tests send far more than 300 requests in 5 s; the emulator does not limit them here.
    kwargs.setdefault("limiter", RateLimiter(1_000_000, 1.0))
    return PlivoClient(Credentials(*emulator.account), base_url=base_url, **kwargs)


@pytest.fixture
async def client(served: RunningEmulator, emu: Emulator) -> AsyncIterator[PlivoClient]:
    async with make_client(served) as c:
        yield c


def last_days(days: int) -> RecordingFilter:
    return RecordingFilter().with_time_range(NOW - timedelta(days=days), NOW)


def list_requests(emulator: Emulator) -> list[LoggedRequest]:
    return [r for r in emulator.request_log if r.method == "GET" and r.path.endswith("/Recording/")]


async def settled(emulator: Emulator, sent: int) -> list[LoggedRequest]:
    """The listing requests in the emulator's log, once all `sent` of them are there: a listing
    that was cancelled leaves requests the server answers after the client moved on."""
    requests = await emulator.request_log.until_logged(
        sent, method="GET", match=lambda path: path.endswith("/Recording/")
    )
    assert len(requests) == sent
    return requests


def page_keys(requests: list[LoggedRequest]) -> list[tuple[str | None, int]]:
    """(window lower bound, offset) of each listing request."""
    return [
        (r.query.get("add_time__gte") or r.query.get("add_time__gt"), int(r.query["offset"]))
        for r in requests
    ]


def stored_in(emulator: Emulator, lower: datetime, upper: datetime) -> list[StoredRecording]:
    """What the emulator holds in [lower, upper), newest first: the expected listing."""
    return [r for r in emulator.store.snapshot() if lower <= r.add_time < upper]


def ids_of(rows: list[Any]) -> list[str]:
    return [r.recording_id for r in rows]


async def sequential_ids(client: PlivoClient, listing: Listing) -> list[str]:
    """The official SDK's way: limit 20, offset += 20 until total_count, window by window."""
    ids: list[str] = []
    for window_filter in listing.window_filters:
        offset = 0
        while True:
            page = await client.list_recordings(
                window_filter.with_values(limit="20", offset=str(offset))
            )
            ids.extend(r.recording_id for r in page.recordings)
            offset += 20
            if offset >= page.meta.total_count:
                break
    return ids


class GatedClient(PlivoClient):
    """Holds each listing response until released, so a test can act while a page is in flight
    (without sleeping): `arrived` is set once a response is in hand."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.gate_open = asyncio.Event()
        self.gate_open.set()
        self.arrived = asyncio.Event()

    async def list_recordings(
        self, flt: RecordingFilter | None = None, **kwargs: Any
    ) -> RecordingPage:
        page = await super().list_recordings(flt, **kwargs)
        self.arrived.set()
        await self.gate_open.wait()
        return page


def page_body(objects: list[dict[str, Any]], total: int) -> bytes:
    """A listing response body, for injecting answers the generated data cannot produce."""
    meta = {"limit": 20, "offset": 0, "next": None, "previous": None, "total_count": total}
    return json.dumps({"api_id": "test", "meta": meta, "objects": objects}).encode()


# -- windows ---------------------------------------------------------------------------------


async def test_400_days_split_into_14_windows_of_at_most_30_days(
    emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(400), now=NOW)
    total = await listing.open()

    assert len(listing.windows) == 14
    assert listing.windows[0][1] == NOW and listing.windows[-1][0] == NOW - timedelta(days=400)
    for (lo, hi), (_, next_hi) in zip(listing.windows, listing.windows[1:], strict=False):
        assert next_hi == lo  # contiguous, newest first
        assert hi - lo <= MAX_WINDOW
    requests = await settled(emu, 14)
    assert listing.requests_made == 14
    for r in requests:
        assert r.status == 200 and r.query["offset"] == "0" and r.query["limit"] == "20"
        lower = parse_filter_time(r.query["add_time__gte"])
        upper = parse_filter_time(r.query["add_time__lt"])
        assert timedelta(0) < upper - lower <= MAX_WINDOW
    assert total == len(stored_in(emu, NOW - timedelta(days=400), NOW)) == COUNT
    assert sum(listing.window_totals) == total


async def test_user_operators_kept_on_outer_bounds(emu: Emulator, client: PlivoClient) -> None:
    lower, upper = NOW - timedelta(days=70), NOW - timedelta(days=1)
    flt = RecordingFilter(add_time__gt="2025-03-23 12:00", add_time__lte="2025-05-31 12:00")
    listing = Listing(client, flt, now=NOW)
    await listing.open()

    queries = [r.query for r in await settled(emu, 3)]
    ops = sorted(tuple(sorted(k for k in q if k.startswith("add_time"))) for q in queries)
    assert ops == [
        ("add_time__gt", "add_time__lt"),  # oldest: the user's __gt
        ("add_time__gte", "add_time__lt"),  # middle: internal bounds only
        ("add_time__gte", "add_time__lte"),  # newest: the user's __lte
    ]
    newest = next(q for q in queries if "add_time__lte" in q)
    oldest = next(q for q in queries if "add_time__gt" in q)
    assert newest["add_time__lte"] == "2025-05-31 12:00:00"
    assert oldest["add_time__gt"] == "2025-03-23 12:00:00"
    expected = [r for r in emu.store.snapshot() if lower < r.add_time <= upper]
    assert listing.total == len(expected)
    assert [r.recording_id async for r in listing.iter_all()] == ids_of(expected)


async def test_no_time_filter_sends_no_add_time_and_counts_seven_days(
    emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, RecordingFilter(), now=NOW)
    await listing.open()

    assert listing.windows == [(None, None)]
    (request,) = await settled(emu, 1)
    assert not any(k.startswith("add_time") for k in request.query)
    seven_days = [r for r in emu.store.snapshot() if NOW - timedelta(days=7) <= r.add_time <= NOW]
    assert listing.total == len(seven_days) > 20


async def test_storage_filter_is_one_window_without_add_time(
    emu: Emulator, client: PlivoClient
) -> None:
    flt = RecordingFilter(recording_storage_duration__lt="3")
    listing = Listing(client, flt, now=NOW)
    await listing.open()

    (request,) = await settled(emu, 1)
    assert request.query["recording_storage_duration__lt"] == "3"
    assert not any(k.startswith("add_time") for k in request.query)
    recent = [
        r
        for r in emu.store.snapshot()
        if pricing.storage_days(r.add_time, NOW) < 3
        and NOW - timedelta(days=7) <= r.add_time <= NOW  # the server's default window
    ]
    assert listing.total == len(recent) > 0


@pytest.mark.parametrize(
    "flt",
    [
        RecordingFilter(from_number="not a number"),
        RecordingFilter(add_time__gt="2025-01-01 00:00", add_time__gte="2025-01-01 00:00"),
        RecordingFilter(add_time__gte="2025-01-01 00:00", recording_storage_duration="3"),
        RecordingFilter(add_time__gte="2025-05-01 00:00", add_time__lt="2025-04-01 00:00"),
    ],
)
async def test_invalid_filter_raises_filter_error(
    client: PlivoClient, flt: RecordingFilter
) -> None:
    with pytest.raises(FilterError):
        Listing(client, flt, now=NOW)


async def test_long_spans_are_not_an_error(client: PlivoClient) -> None:
    Listing(client, last_days(3000), now=NOW)  # 100 windows, validated with check_window=False


# -- order and random access ------------------------------------------------------------------


async def test_order_is_newest_first_and_equals_a_sequential_page_loop(
    emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(400), now=NOW)
    ids = [r.recording_id async for r in listing.iter_all()]
    keys = page_keys(await settled(emu, listing.requests_made))

    assert ids == ids_of(stored_in(emu, NOW - timedelta(days=400), NOW))
    assert ids == await sequential_ids(client, listing)
    rows = [listing.get(i) for i in range(listing.total)]
    assert all(isinstance(r, Recording) for r in rows)
    times = [r.add_time for r in rows if isinstance(r, Recording)]
    assert times == sorted(times, reverse=True)  # across window boundaries too
    # Every page fetched once: page 0 of each window by open(), the rest by iter_all().
    assert len(keys) == len(set(keys)) == listing.requests_made
    assert listing.requests_made == sum(max(1, -(-t // 20)) for t in listing.window_totals)


async def test_random_access_fetches_only_the_pages_holding_the_rows(
    emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(400), now=NOW)
    await listing.open()

    await listing.ensure(1500, 1540)

    # Which window and local offsets hold rows 1500..1539, from the totals alone.
    expected: set[tuple[str | None, int]] = set()
    start = 0
    for (lo, _hi), total in zip(listing.windows, listing.window_totals, strict=True):
        for index in range(max(start, 1500), min(start + total, 1540)):
            assert lo is not None
            local = index - start
            if local >= 20:  # page 0 came with open()
                expected.add((lo.strftime("%Y-%m-%d %H:%M:%S"), local // 20 * 20))
        start += total
    keys = page_keys((await settled(emu, listing.requests_made))[14:])  # after open()'s 14
    assert sorted(keys) == sorted(expected) and 1 <= len(keys) <= 3
    assert listing.is_loaded(1500, 1540)
    assert ids_of([listing.get(i) for i in range(1500, 1540)]) == ids_of(
        stored_in(emu, NOW - timedelta(days=400), NOW)[1500:1540]
    )
    assert listing.get(1000) is None  # nothing else was loaded
    assert listing.get(-1) is None and listing.get(listing.total) is None


@pytest.mark.parametrize("told", ["at the start", "once it knows its height"])
async def test_a_first_screens_pages_are_asked_for_while_the_windows_open(
    emu: Emulator, client: PlivoClient, told: str
) -> None:
    # A first screen of 50 rows: the newest window's pages at 20 and 40 go out as soon as its
    # total is known, with nobody asking for rows (the table asks only once every window's
    # total is in, a round trip later). The app starts its first listing before the terminal's
    # size is known, so the height can be given as a question asked then.
    height = 0  # a screen's height, not known yet as its listing starts

    def screen_height() -> int:
        return height

    listing = Listing(
        client, last_days(400), now=NOW, first_rows=50 if told == "at the start" else screen_height
    )
    height = 50  # known by the time the first page is back
    await listing.open()
    assert listing.window_totals[0] >= 50

    keys = page_keys(await settled(emu, 14 + 2))
    newest = listing.windows[0][0]
    assert newest is not None
    later_pages = sorted(key for key in keys if key[1] > 0)
    assert later_pages == [
        (newest.strftime("%Y-%m-%d %H:%M:%S"), 20),
        (newest.strftime("%Y-%m-%d %H:%M:%S"), 40),
    ]
    await listing.ensure(0, 50)  # shares those requests
    assert listing.requests_made == 16 and listing.is_loaded(0, 50)


async def test_concurrent_overlapping_ensures_fetch_each_page_once(
    emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(400), now=NOW)
    await listing.open()
    before = listing.requests_made

    await asyncio.gather(
        listing.ensure(1000, 1100),
        listing.ensure(1050, 1150),
        listing.ensure(1000, 1150),
        listing.ensure(1120, 1130),
    )

    keys = page_keys((await settled(emu, listing.requests_made))[before:])
    assert keys and len(keys) == len(set(keys)) == listing.requests_made - before
    assert listing.is_loaded(1000, 1150)


async def test_iter_all_keeps_at_most_concurrency_requests_in_flight(
    served: RunningEmulator, emu: Emulator
) -> None:
    emu.latency_ms = 5
    in_flight = 0
    peak = 0

    class CountingClient(PlivoClient):
        async def list_recordings(
            self, flt: RecordingFilter | None = None, **kwargs: Any
        ) -> RecordingPage:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await super().list_recordings(flt, **kwargs)
            finally:
                in_flight -= 1

    emulator, base_url = served.emulator, served.base_url
    async with CountingClient(
        Credentials(*emulator.account), base_url=base_url, limiter=RateLimiter(10**6, 1)
    ) as counting:
        listing = Listing(counting, last_days(90), now=NOW, max_concurrency=4)
        count = sum([1 async for _ in listing.iter_all()])
    assert count == listing.total > 0
    assert 1 < peak <= 4


# -- data that changes ------------------------------------------------------------------------


async def test_duplicate_rows_from_shifted_data_are_kept_once(
    served: RunningEmulator, emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(30), now=NOW)
    await listing.open()
    stored = stored_in(emu, NOW - timedelta(days=30), NOW)
    # A recording added at the top pushes every row down by one: page 20 starts with row 19,
    # which page 0 already listed.
    shifted = [emu.recording_object(r.recording_id, served.base_url) for r in stored[19:39]]
    body = page_body(shifted, len(stored) + 1)
    emu.fail_next("/Recording/", status=200, method="GET", body=body)

    await listing.ensure(20, 40)

    loaded = [listing.get(i) for i in range(40)]
    ids = [r.recording_id for r in loaded if isinstance(r, Recording)]
    assert len(ids) == len(set(ids)) == 39
    assert ids == ids_of(stored[:39])
    gap = loaded[39]
    assert isinstance(gap, Unavailable) and gap.recording_id is None
    assert listing.total == len(stored)  # the total learned at open() stays; no index moved
    await listing.ensure(40, 60)
    assert ids_of([listing.get(i) for i in range(40, 60)]) == ids_of(stored[40:60])


async def test_delete_removes_locally_and_later_pages_stay_consistent(
    emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(400), now=NOW)
    await listing.open()
    start_of_second = listing.window_totals[0]
    await listing.ensure(0, 40)
    await listing.ensure(start_of_second, start_of_second + 30)
    total = listing.total
    victim = listing.get(start_of_second + 5)
    after = listing.get(start_of_second + 6)
    first_window_row = listing.get(10)
    assert isinstance(victim, Recording) and isinstance(after, Recording)
    assert isinstance(first_window_row, Recording)

    totals = listing.window_totals
    sent = listing.requests_made

    assert await listing.delete(victim.recording_id) is True

    assert emu.store.get(victim.recording_id) is None
    assert listing.requests_made == sent  # adjusted locally, nothing refetched
    assert len(await settled(emu, sent)) == sent
    assert listing.total == total - 1
    assert listing.window_totals == [totals[0], totals[1] - 1, *totals[2:]]
    assert listing.index_of(victim.recording_id) is None
    assert listing.index_of(after.recording_id) == start_of_second + 5
    assert listing.get(10) == first_window_row  # other windows do not move
    # Rows fetched after the deletion continue exactly where the shifted cache ends.
    ids = [r.recording_id async for r in listing.iter_all()]
    assert ids == ids_of(stored_in(emu, NOW - timedelta(days=400), NOW))
    assert len(ids) == len(set(ids)) == listing.total
    assert not any(isinstance(listing.get(i), Unavailable) for i in range(listing.total))


async def test_remove_after_a_delete_made_elsewhere(emu: Emulator, client: PlivoClient) -> None:
    listing = Listing(client, last_days(30), now=NOW)
    await listing.open()
    await listing.ensure(0, 20)  # page 0 only; page 20 not loaded yet
    victim = listing.get(3)
    assert isinstance(victim, Recording)

    assert await client.delete_recording(victim.recording_id) is True
    assert listing.remove(victim.recording_id) is True
    assert listing.remove(victim.recording_id) is False
    assert listing.remove("no-such-recording") is False

    assert listing.get(19) is None  # the slot the shift emptied is loaded with page 0 again
    await listing.ensure(0, 60)
    expected = ids_of(stored_in(emu, NOW - timedelta(days=30), NOW))
    assert ids_of([listing.get(i) for i in range(60)]) == expected[:60]
    assert listing.total == len(expected)


async def test_page_in_flight_during_a_removal_is_refetched(
    served: RunningEmulator, emu: Emulator
) -> None:
    emulator, base_url = served.emulator, served.base_url
    async with GatedClient(
        Credentials(*emulator.account), base_url=base_url, limiter=RateLimiter(10**6, 1)
    ) as gated:
        listing = Listing(gated, last_days(30), now=NOW)
        await listing.open()
        victim = listing.get(2)
        assert isinstance(victim, Recording)
        gated.gate_open.clear()
        gated.arrived.clear()
        loading = asyncio.create_task(listing.ensure(20, 40))
        await gated.arrived.wait()  # page 20 answered with the offsets from before the delete

        assert await gated.delete_recording(victim.recording_id)
        listing.remove(victim.recording_id)
        gated.gate_open.set()
        await loading
        assert listing.is_loaded(20, 40)
        await listing.ensure(0, 40)  # slot 19, emptied by the shift, comes with page 0 again

        expected = ids_of(stored_in(emu, NOW - timedelta(days=30), NOW))
        assert ids_of([listing.get(i) for i in range(40)]) == expected[:40]
        offsets = Counter(int(r.query["offset"]) for r in await settled(emu, listing.requests_made))
        assert offsets == {0: 2, 20: 2}  # the stale page 20 was dropped and asked for again


# -- lifetime and failures --------------------------------------------------------------------


async def test_close_drops_results_still_in_flight(served: RunningEmulator, emu: Emulator) -> None:
    emulator, base_url = served.emulator, served.base_url
    async with GatedClient(
        Credentials(*emulator.account), base_url=base_url, limiter=RateLimiter(10**6, 1)
    ) as gated:
        listing = Listing(gated, last_days(400), now=NOW)
        await listing.open()
        loaded = listing.loaded_count
        gated.gate_open.clear()
        gated.arrived.clear()
        loading = asyncio.create_task(listing.ensure(500, 700))
        await gated.arrived.wait()

        listing.close()
        gated.gate_open.set()
        await loading  # returns quietly: nothing to report for a listing nobody shows

        assert listing.loaded_count == loaded
        assert not listing.is_loaded(500, 700)
        await listing.ensure(0, 3000)  # a closed listing fetches nothing more
        assert listing.loaded_count == loaded
        assert [r async for r in listing.iter_all()] == []


async def test_failed_page_raises_and_a_retry_fetches_it(
    served: RunningEmulator, emu: Emulator
) -> None:
    async with make_client(served, max_retries=0) as fragile:
        listing = Listing(fragile, last_days(400), now=NOW)
        await listing.open()
        emu.fail_next("/Recording/", status=500, method="GET")

        with pytest.raises(ServerError):
            await listing.ensure(1500, 1520)
        assert not listing.is_loaded(1500, 1520)

        await listing.ensure(1500, 1520)
        assert listing.is_loaded(1500, 1520)
        # At least what the listing counted: a sibling page sent beside the failed one may have
        # been cancelled by the failure after it reached the server.
        logged = await emu.request_log.until_logged(
            listing.requests_made, method="GET", match=lambda path: path.endswith("/Recording/")
        )
        requests = logged[14:]
        answers = list(zip(page_keys(requests), [r.status for r in requests], strict=True))
        failed = [key for key, status in answers if status == 500]
        assert len(failed) == 1 and (failed[0], 200) in answers


async def test_failed_open_raises_and_a_retry_opens(served: RunningEmulator, emu: Emulator) -> None:
    async with make_client(served, max_retries=0) as fragile:
        listing = Listing(fragile, last_days(60), now=NOW)
        emu.drop_connection_for("/Recording/")
        with pytest.raises(NetworkError):
            await listing.open()
        total = await listing.open()
        assert total == listing.total == len(stored_in(emu, NOW - timedelta(days=60), NOW))
        assert listing.is_open


async def test_malformed_objects_are_reported_and_skipped_in_place(
    served: RunningEmulator, emu: Emulator, client: PlivoClient
) -> None:
    listing = Listing(client, last_days(30), now=NOW)
    await listing.open()
    stored = stored_in(emu, NOW - timedelta(days=30), NOW)
    objects = [emu.recording_object(r.recording_id, served.base_url) for r in stored[20:40]]
    bad_id = objects[3]["recording_id"]
    objects[3]["add_time"] = "yesterday-ish"
    del objects[7]["recording_id"]
    body = page_body(objects, len(stored))
    emu.fail_next("/Recording/", status=200, method="GET", body=body)

    await listing.ensure(20, 40)
    await listing.ensure(40, 60)

    assert len(listing.problems) == 2
    assert any(bad_id in p and "add_time" in p for p in listing.problems)
    assert any("<no id>" in p for p in listing.problems)
    good = [r for i, r in enumerate(stored[20:40]) if i not in (3, 7)]
    assert ids_of([listing.get(i) for i in range(20, 38)]) == ids_of(good)
    first, second = listing.get(38), listing.get(39)
    assert isinstance(first, Unavailable) and first.recording_id == bad_id
    assert isinstance(second, Unavailable) and second.recording_id is None
    # Other pages keep their indexes.
    assert ids_of([listing.get(i) for i in range(40, 60)]) == ids_of(stored[40:60])
    assert listing.total == len(stored)
    ids = [r.recording_id async for r in listing.iter_all()]
    skipped = {bad_id, stored[27].recording_id}
    assert ids == [r.recording_id for r in stored if r.recording_id not in skipped]


async def test_broken_objects_in_a_data_file_are_reported_in_every_window(
    make_emulator: Callable[..., RunningEmulator],
) -> None:
    # 50 good recordings a day apart over 60 days (2 windows: 30 + 20), then objects the client
    # cannot parse; without a readable add_time the emulator lists them in every window, last.
    good = [
        {
            "recording_id": f"good-{k:02d}",
            "add_time": (NOW - timedelta(days=k, hours=1)).strftime("%Y-%m-%d %H:%M:%S+00:00"),
            "recording_format": "mp3",
            "recording_type": "normal",
        }
        for k in range(50)
    ]
    broken = [
        {"recording_id": "no-time", "add_time": "last tuesday", "recording_format": "wav"},
        {"add_time": "2025-05-30 10:00:00+00:00", "note": "no id"},
        "not even an object",
    ]
    running = make_emulator(data=[*broken, *good], now=NOW)
    async with make_client(running) as client:
        listing = Listing(client, last_days(60), now=NOW)
        assert await listing.open() == 50 + 2 * 3
        assert listing.window_totals == [33, 23]

        ids = [r.recording_id async for r in listing.iter_all()]

    assert ids == [g["recording_id"] for g in good]  # every good row, in order, once
    rows = [listing.get(i) for i in range(listing.total)]
    for gap in (rows[30:33], rows[53:56]):  # where the server put them: each window's end
        assert all(isinstance(row, Unavailable) for row in gap)
        assert {row.recording_id for row in gap if isinstance(row, Unavailable)} == {
            "no-time",
            None,
        }
    assert isinstance(rows[33], Recording) and rows[33].recording_id == "good-30"
    assert len(listing.problems) == 3  # each object reported once, not once per window
    assert any("no-time" in p and "add_time" in p for p in listing.problems)
    assert any("missing recording_id" in p for p in listing.problems)
    assert any("not a JSON object" in p for p in listing.problems)


async def test_empty_range(emu: Emulator, client: PlivoClient) -> None:
    far_past = RecordingFilter().with_time_range(
        NOW - timedelta(days=900), NOW - timedelta(days=800)
    )
    listing = Listing(client, far_past, now=NOW)
    assert await listing.open() == 0
    assert len(listing.windows) == 4 and listing.window_totals == [0, 0, 0, 0]
    assert listing.get(0) is None and listing.is_loaded(0, 10)
    await listing.ensure(0, 100)
    assert [r async for r in listing.iter_all()] == []
    assert listing.requests_made == 4


# -- quick ranges -----------------------------------------------------------------------------


def test_quick_ranges() -> None:
    assert list(QUICK_RANGES) == ["24h", "7d", "30d", "90d", "1y"]
    assert quick_range("24h", NOW) == (NOW - timedelta(hours=24), NOW)
    assert quick_range("1y", NOW) == (NOW - timedelta(days=365), NOW)
    start, end = quick_range("7d")
    assert end.tzinfo is not None and end - start == timedelta(days=7)
    with pytest.raises(KeyError):
        quick_range("2w", NOW)
    flt = filter_with_quick_range(RecordingFilter(recording_storage_duration="4"), "90d", NOW)
    assert not flt.has_storage_filter
    assert flt.time_bounds() == (NOW - timedelta(days=90), NOW)
    assert flt.errors(now=NOW, check_window=False) == []
