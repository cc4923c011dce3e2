"""Benchmark: the local index over 100,000 recordings, against the emulator in its own process.

Run: .venv/bin/python bench/index.py   (about two minutes; the cold sync is rate-bound)

The emulator runs as `rectui emulator` in a subprocess: 100,000 recordings over 400 days,
100 ms per response, Plivo's 300 requests / 5 s enforced. Requests are counted in the
emulator's own access log (listing GETs, retries after a 429 included). One client (one rate
limiter) is used throughout, as one app would; between phases the bench waits one rate period,
since a reopen happens later than the same 5 s as a sync.

Phases, on a fresh index file:
- cold: `Syncer.refresh` over the last 400 days. Floor: the rate limit, (requests − 300) /
  300 × 5 s (the first 300 are a free burst).
- warm: `IndexedListing(...).open()` for the same filter plus reading its first screen of rows.
  Bound on requests: one per 30-day window plus the pages of the span still open (the last 48 h).
- after 10 deletes: 10 recordings deleted by another client, then a warm reopen again; target
  ≤ 5 % of the cold requests.
- G: the last rows of the warm listing; target: no request.
- sort by duration and the local filter "duration > 10 min and stored > 90 days" over the whole
  index, as SQL (median of 5 runs each); target ≤ 0.3 s.
- size: the index file (with its WAL) in MB; target ≤ 80.

Last line:
index: cold_requests=<n> warm_requests=<n> warm_open_s=<s> after_10_deletes_requests=<n>
sort_100k_s=<s> local_filter_100k_s=<s> size_mb=<mb>
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rectui.index import (
    ACCOUNT,
    DEFAULT_MARGIN,
    IndexedListing,
    IndexStore,
    LocalFilter,
    LocalQuery,
    Syncer,
    index_path,
)
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import RateLimiter
from rectui.plivo.rules import RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS, format_filter_time

COUNT = 100_000
DAYS = 400
LATENCY_MS = 100
SEED = 14


class EmulatorProcess:
    """`rectui emulator` in a subprocess; counts the listing requests in its access log."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rectui", "emulator", "--port", "0", "--seed", str(SEED),
             "--count", str(COUNT), "--latency-ms", str(LATENCY_MS), "--rate-limit", "300/5"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lists = 0
        self.too_many = 0
        self.base_url = ""
        self.account: tuple[str, str] = ("", "")
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(120):
            raise SystemExit("the emulator did not start")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if match := re.search(r"emulator at (\S+)", line):
                self.base_url = match.group(1)
            elif match := re.search(r"main account\s+(\S+)\s+token (\S+)", line):
                self.account = (match.group(1), match.group(2))
            elif "Press Ctrl+C" in line:
                self._ready.set()
            elif '"GET /v1/Account/' in line and "/Recording/?" in line:
                self.lists += 1
                self.too_many += " 429" in line

    def settled(self, expected_at_least: int) -> int:
        # The access log line is written after the response: wait for the last ones.
        deadline = time.monotonic() + 5
        while self.lists < expected_at_least and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        return self.lists

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


async def main() -> None:
    emulator = EmulatorProcess()
    workdir = Path(tempfile.mkdtemp(prefix="rectui-bench-index-"))
    auth_id, token = emulator.account
    store = IndexStore(index_path(workdir, auth_id), auth_id)
    limiter = RateLimiter(RATE_LIMIT_REQUESTS, RATE_LIMIT_PERIOD_S)
    client = PlivoClient(Credentials(auth_id, token), base_url=emulator.base_url, limiter=limiter)
    now = datetime.now(UTC)
    flt = RecordingFilter(add_time__gte=format_filter_time(now - timedelta(days=DAYS)))
    try:
        # -- cold ------------------------------------------------------------------------------
        before = emulator.lists
        started = time.perf_counter()
        report = await Syncer(store, client).refresh(ACCOUNT, now - timedelta(days=DAYS))
        cold_s = time.perf_counter() - started
        cold = emulator.settled(before + report.requests) - before
        held = store.total()
        floor_s = max(0, cold - RATE_LIMIT_REQUESTS) / RATE_LIMIT_REQUESTS * RATE_LIMIT_PERIOD_S
        print(f"cold sync: {held:,} recordings, {cold:,} requests ({emulator.too_many} were 429),"
              f" {cold_s:.1f} s; rate-limit floor {floor_s:.1f} s"
              f" (ratio {cold_s / floor_s:.2f})")  # fmt: skip
        await asyncio.sleep(RATE_LIMIT_PERIOD_S)

        # -- warm reopen -----------------------------------------------------------------------
        async def reopen() -> tuple[IndexedListing, int, float]:
            before = emulator.lists
            started = time.perf_counter()
            listing = IndexedListing(store, client, flt, now=datetime.now(UTC))
            await listing.open()
            for i in range(40):  # the first screen
                listing.get(i)
            seconds = time.perf_counter() - started
            requests = emulator.settled(before + listing.requests_made) - before
            return listing, requests, seconds

        listing, warm, warm_s = await reopen()
        windows = math.ceil(DAYS / 30)
        recent = datetime.now(UTC) - DEFAULT_MARGIN - timedelta(minutes=5)
        open_rows = LocalQuery.for_filter(
            RecordingFilter(add_time__gte=format_filter_time(recent)), datetime.now(UTC)
        ).ids(store, datetime.now(UTC))
        bound = windows + math.ceil(len(open_rows) / 20) + 1
        print(f"warm reopen: {listing.total:,} rows, {warm} requests (bound: {windows} windows"
              f" + {bound - windows} open-window pages = {bound}), {warm_s:.2f} s")  # fmt: skip
        await asyncio.sleep(RATE_LIMIT_PERIOD_S)

        # -- 10 deletions by another client ----------------------------------------------------
        victims = [listing.get(i) for i in range(500, listing.total, listing.total // 11)][:10]
        async with PlivoClient(Credentials(auth_id, token), base_url=emulator.base_url) as other:
            for rec in victims:
                assert rec is not None and hasattr(rec, "add_time")
                await other.delete_recording(rec.recording_id)  # type: ignore[union-attr]
        await asyncio.sleep(RATE_LIMIT_PERIOD_S)
        listing, after_deletes, after_s = await reopen()
        gone = {getattr(rec, "recording_id", None) for rec in victims}
        found = sum(1 for rid in gone if rid is not None and listing.index_of(rid) is None)
        print(f"after 10 remote deletes: {after_deletes} requests ({after_deletes / cold:.1%} of"
              f" cold), {after_s:.2f} s; {found}/10 deletions found")  # fmt: skip

        # -- G ---------------------------------------------------------------------------------
        before = emulator.lists
        started = time.perf_counter()
        await listing.ensure(listing.total - 40, listing.total)
        last = listing.get(listing.total - 1)
        g_s = time.perf_counter() - started
        g_requests = emulator.settled(before) - before
        print(f"G on the warm listing: {g_requests} requests, {g_s * 1000:.1f} ms,"
              f" last row {getattr(last, 'recording_id', None)}")  # fmt: skip

        # -- sort and local filter over everything ---------------------------------------------
        def timed(query: LocalQuery) -> tuple[float, int]:
            runs = []
            rows = 0
            for _ in range(5):
                moment = datetime.now(UTC)
                started = time.perf_counter()
                rows = len(query.ids(store, moment))
                runs.append(time.perf_counter() - started)
            return statistics.median(runs), rows

        sort_s, sorted_rows = timed(LocalQuery.for_filter(flt, now, sort="duration"))
        long_old = LocalFilter(min_duration_s=600.000001, min_days=91)
        filter_s, filtered = timed(LocalQuery.for_filter(flt, now, long_old))
        print(f"sort by duration: {sorted_rows:,} rows in {sort_s:.3f} s")
        print(f"duration > 10 min and stored > 90 days: {filtered:,} rows in {filter_s:.3f} s")

        size = sum(
            os.path.getsize(f"{store.path}{s}")
            for s in ("", "-wal")
            if os.path.exists(f"{store.path}{s}")
        )
        size_mb = size / 1e6
        print(f"index size: {size_mb:.1f} MB for {store.total():,} recordings")
        print(
            f"index: cold_requests={cold} warm_requests={warm} warm_open_s={warm_s:.2f} "
            f"after_10_deletes_requests={after_deletes} sort_100k_s={sort_s:.3f} "
            f"local_filter_100k_s={filter_s:.3f} size_mb={size_mb:.1f}"
        )
    finally:
        await client.aclose()
        store.close()
        emulator.stop()


if __name__ == "__main__":
    asyncio.run(main())
