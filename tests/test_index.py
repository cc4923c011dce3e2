"""The local index against the emulator over real HTTP and a real SQLite file, counted by the
emulator's request log."""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rectui.emulator import Emulator, RunningEmulator, run_emulator_in_thread
from rectui.emulator.data import StoredRecording, datetime_to_us
from rectui.index import (
    ACCOUNT,
    DEFAULT_MARGIN,
    IndexedListing,
    IndexStore,
    LocalFilter,
    Scope,
    Syncer,
    WriteThroughClient,
    index_path,
)
from rectui.index.store import to_us
from rectui.index.transcripts import TranscriptIndex
from rectui.plivo import pricing
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.models import Recording
from rectui.plivo.rules import MAX_LIMIT, format_filter_time
from rectui.plivo.transcription import SUCCESS, Transcript

# One worker builds this module's fixtures, not each (`dev.sh test` runs --dist loadgroup).
pytestmark = pytest.mark.xdist_group("index")

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COUNT = 3000
SPAN = timedelta(days=400)
WINDOWS = math.ceil(SPAN / timedelta(days=30))


@pytest.fixture(scope="module")
def served() -> Iterator[RunningEmulator]:
    """A frozen server clock, so which windows are closed is exactly computable here."""
    emulator = Emulator(seed=21, count=COUNT, now=NOW)
    with run_emulator_in_thread(emulator) as base_url:
        yield RunningEmulator(base_url, emulator)
    emulator.close()


@pytest.fixture
def emu(served: RunningEmulator) -> Emulator:
    served.emulator.reset()
    return served.emulator


@pytest.fixture
def store(tmp_path: Path, emu: Emulator) -> Iterator[IndexStore]:
    opened = IndexStore(index_path(tmp_path, emu.account.auth_id), emu.account.auth_id)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def cold_index(served: RunningEmulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index file a cold sync over the last 400 days leaves, made once: most tests here
    start from it (`synced`), and a cold sync of 3,000 recordings is most of their time."""
    served.emulator.reset()
    path = index_path(tmp_path_factory.mktemp("cold"), served.auth_id)
    store = IndexStore(path, served.auth_id)
    try:
        asyncio.run(sync(served, store))
    finally:
        store.close()
    assert not os.path.exists(f"{path}-wal")  # the file alone holds it all
    return path


@pytest.fixture
def synced(tmp_path: Path, emu: Emulator, cold_index: Path) -> Iterator[IndexStore]:
    """The `store` of a test after `await sync(served, store)`: a copy of `cold_index`."""
    path = index_path(tmp_path, emu.account.auth_id)
    path.parent.mkdir(parents=True)
    shutil.copyfile(cold_index, path)
    opened = IndexStore(path, emu.account.auth_id)
    yield opened
    opened.close()


def client_for(served: RunningEmulator) -> PlivoClient:
    return PlivoClient(Credentials(served.auth_id, served.auth_token), base_url=served.base_url)


async def sync(
    served: RunningEmulator, store: IndexStore, scope: Scope = ACCOUNT, now: datetime = NOW
) -> int:
    """One refresh over the last 400 days; the number of requests the server saw."""
    before = len(served.emulator.request_log)
    async with client_for(served) as client:
        await Syncer(store, client, clock=lambda: now).refresh(scope, now - SPAN)
    return len(served.emulator.request_log) - before


def server_ids(emu: Emulator, since: datetime = NOW - SPAN) -> set[str]:
    return {r.recording_id for r in emu.store.snapshot() if r.add_time >= since}


def index_ids(store: IndexStore) -> set[str]:
    return store.ids(ACCOUNT, to_us(NOW - SPAN), to_us(NOW))


def open_pages(emu: Emulator, now: datetime = NOW, owner: str | None = None) -> int:
    """Pages of the still-open span (the margin before now): fetched on every refresh."""
    rows = sum(1 for r in emu.store.snapshot(owner) if r.add_time >= now - DEFAULT_MARGIN)
    return max(1, math.ceil(rows / MAX_LIMIT))


async def test_cold_sync_holds_every_recording_and_warm_refresh_only_validates(
    served: RunningEmulator, emu: Emulator, store: IndexStore
) -> None:
    cold = await sync(served, store)
    assert index_ids(store) == server_ids(emu)
    assert cold >= len(server_ids(emu)) / MAX_LIMIT

    warm = await sync(served, store)
    # One request per closed 30-day window, plus the pages of the span still open.
    assert warm == WINDOWS + open_pages(emu)
    assert index_ids(store) == server_ids(emu)


async def test_deletions_elsewhere_are_found_with_few_requests(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    victims = sorted(server_ids(emu, NOW - SPAN + timedelta(days=2)))[::397][:5]
    async with client_for(served) as other:  # another client: the index is not told
        for rid in victims:
            assert await other.delete_recording(rid)
    assert set(victims) <= index_ids(synced)

    requests = await sync(served, synced)
    assert index_ids(synced) == server_ids(emu)
    assert not set(victims) & index_ids(synced)
    # Each deletion costs one bisection step per halving of a window down to one page.
    per_window = COUNT // WINDOWS + 1
    bound = WINDOWS + open_pages(emu) + len(victims) * (math.ceil(math.log2(per_window)) + 2)
    assert requests <= bound, f"{requests} requests for {len(victims)} deletions"


async def test_open_window_picks_up_new_recordings(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    later = NOW + timedelta(hours=1)
    new = StoredRecording("late-one", datetime_to_us(NOW), emu.account.auth_id, "normal", "mp3",
                          61_000.0)  # fmt: skip
    emu.store.add(new)
    await sync(served, synced, now=later)
    assert "late-one" in synced.ids(ACCOUNT, to_us(NOW - SPAN), to_us(later))


async def test_a_late_recording_in_a_sealed_window_unseals_and_refetches_it(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    old = NOW - timedelta(days=100)
    emu.store.add(StoredRecording("very-late", datetime_to_us(old), emu.account.auth_id,
                                  "normal", "wav", 5_000.0))  # fmt: skip
    await sync(served, synced)
    assert index_ids(synced) == server_ids(emu)
    # ...and the refetched window is sealed again: the next refresh only validates.
    assert await sync(served, synced) == WINDOWS + open_pages(emu)


async def test_a_filtered_scope_uses_the_account_wide_sync(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    owner = emu.subaccounts[0].auth_id
    scope = Scope.of(RecordingFilter(subaccount=owner))
    requests = await sync(served, synced, scope)
    assert requests == WINDOWS + open_pages(emu, owner=owner)
    expected = {r.recording_id for r in emu.store.snapshot(owner) if r.add_time >= NOW - SPAN}
    assert synced.ids(scope, to_us(NOW - SPAN), to_us(NOW)) == expected


async def test_cancelled_sync_leaves_an_index_that_opens_and_resumes(
    served: RunningEmulator, emu: Emulator, tmp_path: Path
) -> None:
    path = index_path(tmp_path, emu.account.auth_id)
    first = IndexStore(path, emu.account.auth_id)
    async with client_for(served) as client:
        syncer = Syncer(first, client, clock=lambda: NOW, concurrency=2)

        def stop_midway(done: int, expected: int) -> None:
            if done == 40:
                raise Interrupted  # as Ctrl+C or a lost connection stops a running sync

        syncer.progress = stop_midway
        with pytest.raises(Interrupted):
            await syncer.refresh(ACCOUNT, NOW - SPAN)
    first.close()

    again = IndexStore(path, emu.account.auth_id)
    assert again.notice is None
    assert 0 < again.total() < len(server_ids(emu))
    await sync(served, again)
    assert index_ids(again) == server_ids(emu)
    again.close()


class Interrupted(Exception):
    pass


def test_index_file_is_private_and_keyed_by_account(tmp_path: Path) -> None:
    path = index_path(tmp_path, "MAXXXXXXXXXXXXXXXXX1")
    IndexStore(path, "MAXXXXXXXXXXXXXXXXX1").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    other = IndexStore(path, "MAYYYYYYYYYYYYYYYYY2")  # someone else's: never used for them
    assert other.notice is not None and "another account" in other.notice
    other.close()
    assert index_path(tmp_path, "../x").parent == path.parent


async def test_truncated_index_is_rebuilt_with_a_notice(
    served: RunningEmulator, emu: Emulator, tmp_path: Path
) -> None:
    path = index_path(tmp_path, emu.account.auth_id)
    store = IndexStore(path, emu.account.auth_id)
    await sync(served, store)
    store.close()
    for suffix in ("-wal", "-shm"):
        assert not os.path.exists(f"{path}{suffix}")  # the last close checkpointed
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)

    rebuilt = IndexStore(path, emu.account.auth_id)
    assert rebuilt.notice is not None and "rebuilt" in rebuilt.notice
    assert "\n" not in rebuilt.notice
    assert rebuilt.total() == 0
    await sync(served, rebuilt)
    assert index_ids(rebuilt) == server_ids(emu)
    rebuilt.close()


def test_processes_opening_a_new_index_at_once_all_use_it(tmp_path: Path) -> None:
    # Whoever comes second used to meet "database is locked" while the first turned the new
    # file to WAL, take it for damage and delete it under the first (about one start in four
    # with four openers). A race: many trials, each opener in its own process.
    trials, openers = 25, 4
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("index_openers.py")), str(tmp_path),
         str(trials), str(openers)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(outcomes) == trials * openers, done.stderr
    assert [o for o in outcomes if o.get("error") or o.get("notice")] == []
    for trial in range(trials):
        with sqlite3.connect(tmp_path / f"trial-{trial}" / "index.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.close()


def test_index_from_another_version_is_rebuilt(tmp_path: Path) -> None:
    path = index_path(tmp_path, "MAXXXXXXXXXXXXXXXXX1")
    IndexStore(path, "MAXXXXXXXXXXXXXXXXX1").close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    db.close()
    reopened = IndexStore(path, "MAXXXXXXXXXXXXXXXXX1")
    assert reopened.notice is not None and "another version" in reopened.notice
    reopened.close()


def test_garbage_file_is_rebuilt(tmp_path: Path) -> None:
    path = index_path(tmp_path, "MAXXXXXXXXXXXXXXXXX1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database at all" * 100)
    reopened = IndexStore(path, "MAXXXXXXXXXXXXXXXXX1")
    assert reopened.notice is not None
    assert reopened.total() == 0
    reopened.close()


async def test_forgetting_the_index_drops_the_accounts_transcripts_too(
    served: RunningEmulator, synced: IndexStore
) -> None:
    rid = next(iter(index_ids(synced)))
    with TranscriptIndex(synced.path) as transcripts:
        transcripts.put(Transcript(rid, SUCCESS, "Speaker 0: a refund for the order"))
        assert transcripts.search("refund")

        synced.forget()

        assert synced.total() == 0
        assert transcripts.get(rid) is None
        assert transcripts.search("refund") == []
        # The file still works: the next transcript is stored and found.
        transcripts.put(Transcript(rid, SUCCESS, "Speaker 1: the refund again"))
        assert [hit.recording_id for hit in transcripts.search("refund")] == [rid]


SINCE_400D = RecordingFilter(add_time__gte=format_filter_time(NOW - SPAN))


async def test_warm_listing_opens_from_the_index_and_g_costs_nothing(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    assert IndexedListing.is_warm(synced, SINCE_400D, NOW)
    async with client_for(served) as client:
        before = len(emu.request_log)
        listing = IndexedListing(synced, client, SINCE_400D, now=NOW)
        await listing.open()
        assert len(emu.request_log) - before == WINDOWS + open_pages(emu)
        assert listing.total == len(server_ids(emu))
        opened = len(emu.request_log)
        await listing.ensure(listing.total - 40, listing.total)  # G
        last = listing.get(listing.total - 1)
        assert len(emu.request_log) == opened
        oldest = min(emu.store.snapshot(), key=lambda r: r.add_us)
        assert isinstance(last, Recording) and last.recording_id == oldest.recording_id
        # Storage fields are as of now, not as of the fetch.
        assert last.recording_storage_duration == pricing.storage_days(last.add_time, NOW)


async def test_listing_sorts_and_filters_locally(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    local = LocalFilter(min_duration_s=600, formats=("wav",))
    async with client_for(served) as client:
        listing = IndexedListing(synced, client, SINCE_400D, now=NOW, local=local, sort="duration")
        await listing.open()
        rows = [rec async for rec in listing.iter_all()]
    expected = {
        r.recording_id
        for r in emu.store.snapshot()
        if r.add_time >= NOW - SPAN and r.duration_ms >= 600_000 and r.recording_format == "wav"
    }
    assert expected and {r.recording_id for r in rows} == expected
    durations = [r.recording_duration_ms for r in rows]
    assert durations == sorted(durations, reverse=True)


async def test_a_delete_through_the_listing_leaves_the_index_at_once(
    served: RunningEmulator, emu: Emulator, synced: IndexStore
) -> None:
    async with client_for(served) as client:
        listing = IndexedListing(synced, client, SINCE_400D, now=NOW)
        await listing.open()
        victim = listing.get(5)
        assert isinstance(victim, Recording)
        after = listing.get(6)
        assert await listing.delete(victim.recording_id)
        assert listing.get(5) == after
    assert emu.store.get(victim.recording_id) is None
    assert victim.recording_id not in index_ids(synced)


async def test_write_through_client_remembers_what_it_lists_and_forgets_deletes(
    served: RunningEmulator, emu: Emulator, store: IndexStore
) -> None:
    credentials = Credentials(served.auth_id, served.auth_token)
    async with WriteThroughClient(credentials, base_url=served.base_url, index=store) as client:
        page = await client.list_recordings(RecordingFilter())
        ids = {rec.recording_id for rec in page.recordings}
        assert ids and ids <= store.ids(ACCOUNT, 0, to_us(NOW + SPAN))
        victim = next(iter(ids))
        await client.delete_recording(victim)
        assert victim not in store.ids(ACCOUNT, 0, to_us(NOW + SPAN))


async def test_a_filter_chosen_before_its_sync_is_warm_when_reopened_later(
    served: RunningEmulator, emu: Emulator, store: IndexStore
) -> None:
    # A quick range ends when it was chosen; the sync starts a moment later and the reopen
    # (re-anchored to its own now) later still: the gap between is "as of", not unsynced.
    chosen = NOW - timedelta(seconds=5)
    week = RecordingFilter().with_time_range(chosen - timedelta(days=7), chosen)
    async with client_for(served) as client:
        await Syncer(store, client, clock=lambda: NOW).refresh(
            ACCOUNT, chosen - timedelta(days=7), chosen
        )
    later = NOW + timedelta(seconds=10)
    reopened = RecordingFilter().with_time_range(later - timedelta(days=7), later)
    assert IndexedListing.is_warm(store, week, NOW)
    assert IndexedListing.is_warm(store, reopened, later)


async def test_a_past_span_synced_with_a_fixed_end_counts_as_synced(
    served: RunningEmulator, emu: Emulator, store: IndexStore
) -> None:
    start, end = NOW - timedelta(days=200), NOW - timedelta(days=100)
    async with client_for(served) as client:
        await Syncer(store, client, clock=lambda: NOW).refresh(ACCOUNT, start, end)
    past = RecordingFilter().with_time_range(start, end)
    assert IndexedListing.is_warm(store, past, NOW)
    assert not IndexedListing.is_warm(store, past.with_time_range(start, NOW), NOW)
