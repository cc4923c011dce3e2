"""Benchmark: the listing engine against a sequential page loop like the official SDK's.

Run: .venv/bin/python bench/listing.py   (about a minute; most of it is the sequential baseline)

Two scenarios, each against a fresh in-process emulator on loopback:

- latency-bound: 4,000 recordings over 400 days (14 windows), 100 ms per response, no server
  rate limit. Bound = ceil(pages / concurrency) × latency: with `concurrency` requests in flight
  no loader can do better.
- rate-bound: 12,000 recordings over 120 days (4 windows of 3,000: 600 pages), 5 ms per
  response, the emulator enforcing Plivo's 300 requests / 5 s. Bound = max(0, pages − 300) /
  300 × 5 s: the first 300 requests are a free burst, every further 300 cost a full period. The
  exact sliding-window bound, floor((pages − 1) / 300) × 5 s, is printed too; with 600 pages both
  give 5 s. (With generated data each window ends in a partial page, so pages would be ~614 and
  the exact bound jumps to 10 s while the linear formula says 5.2 s; hence the even data set.)

Both loaders load every row. The engine: `Listing.iter_all()` through `PlivoClient` with its
rate limiter. The baseline: limit 20, offset += 20 over each ≤ 30-day window, one request at a
time, no limiter; the SDK does not retry a 429, so the baseline counts each 429 and asks again
after 0.5 s (the official SDK would have raised).

The engine runs ENGINE_RUNS times per scenario (cheap next to the baseline, and the machine's
load makes single runs noisy); every run is printed and the ratios use the median run. The last
line is the summary:
listing: speedup_vs_sequential=<x> latency_bound_ratio=<r> rate_bound_ratio=<r> http_429=<n>
where http_429 counts the 429s the server sent the engine, over all its runs.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from rectui.emulator import Emulator, run_emulator_in_thread
from rectui.listing import DEFAULT_CONCURRENCY, Listing, plan_windows
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.rules import RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
RETRY_429_AFTER_S = 0.5
ENGINE_RUNS = 3
"""The engine is timed this many times per scenario; the ratios use the median run."""


@dataclass
class Run:
    seconds: float
    rows: int
    pages: int
    http_429: int


def list_statuses(emulator: Emulator) -> list[int | None]:
    return [r.status for r in emulator.request_log if r.path.endswith("/Recording/")]


async def settle_log(emulator: Emulator, sent: int) -> None:
    # The emulator logs a request just after its response went out; wait for the stragglers.
    deadline = time.monotonic() + 5
    while len(list_statuses(emulator)) < sent and time.monotonic() < deadline:
        await asyncio.sleep(0.005)


async def run_engine(emulator: Emulator, base_url: str, flt: RecordingFilter) -> Run:
    emulator.request_log.clear()
    async with PlivoClient(Credentials(*emulator.account), base_url=base_url) as client:
        started = time.perf_counter()
        listing = Listing(client, flt, now=NOW)
        rows = 0
        async for _ in listing.iter_all():
            rows += 1
        seconds = time.perf_counter() - started
    assert rows == listing.total, (rows, listing.total)
    await settle_log(emulator, listing.requests_made)
    statuses = list_statuses(emulator)
    return Run(seconds, rows, listing.requests_made, statuses.count(429))


def run_sequential(emulator: Emulator, base_url: str, flt: RecordingFilter) -> Run:
    emulator.request_log.clear()
    auth_id, token = emulator.account
    url = f"{base_url}/v1/Account/{auth_id}/Recording/"
    rows = pages = rejected = 0
    started = time.perf_counter()
    with httpx.Client(auth=(auth_id, token), timeout=30) as http:
        for _, window_filter in plan_windows(flt, NOW):
            offset = 0
            while True:
                params = {**window_filter.to_params(), "limit": "20", "offset": str(offset)}
                response = http.get(url, params=params)
                if response.status_code == 429:
                    rejected += 1
                    time.sleep(RETRY_429_AFTER_S)
                    continue
                response.raise_for_status()
                body = response.json()
                pages += 1
                rows += len(body["objects"])
                offset += 20
                if offset >= body["meta"]["total_count"]:
                    break
    return Run(time.perf_counter() - started, rows, pages, rejected)


def even_data(count: int, span: timedelta) -> list[dict[str, Any]]:
    """`count` recordings evenly spread over `span` before NOW, so that every 30-day window of a
    span that is a multiple of 30 days holds a multiple of 20 rows."""
    step = span / count
    objects = []
    for k in range(count):
        moment = NOW - step * (k + 0.5)
        objects.append(
            {
                "recording_id": f"{k:08d}-0000-4000-8000-000000000000",
                "add_time": moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"),
                "call_uuid": f"{k:08d}-1111-4000-8000-000000000000",
                "conference_name": None,
                "recording_duration_ms": "60000.00000",
                "recording_format": "mp3",
                "recording_type": "normal",
            }
        )
    return objects


def line(name: str, run: Run, bound: float | None = None) -> str:
    extra = f"  bound {bound:6.2f} s  ratio {run.seconds / bound:5.2f}" if bound else ""
    return (
        f"  {name:<11} {run.seconds:7.2f} s  rows {run.rows:6d}  pages {run.pages:4d}  "
        f"429s {run.http_429:3d}{extra}"
    )


def engine_runs(emulator: Emulator, base_url: str, flt: RecordingFilter) -> list[Run]:
    runs = []
    for _ in range(ENGINE_RUNS):
        if emulator.rate_limit is not None:
            emulator.rate_limit = emulator.rate_limit  # a fresh server window for each run
        runs.append(asyncio.run(run_engine(emulator, base_url, flt)))
    return runs


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def main() -> None:
    concurrency = DEFAULT_CONCURRENCY

    # -- latency-bound ------------------------------------------------------------------------
    latency_s = 0.100
    emulator = Emulator(seed=5, count=4000, latency_ms=latency_s * 1000, now=NOW)
    flt = RecordingFilter().with_time_range(NOW - timedelta(days=400), NOW)
    with run_emulator_in_thread(emulator) as base_url:
        runs_a = engine_runs(emulator, base_url, flt)
        sequential_a = run_sequential(emulator, base_url, flt)
    emulator.close()
    engine_a = median_run(runs_a)
    bound_a = math.ceil(engine_a.pages / concurrency) * latency_s
    print(f"latency-bound: 4,000 rows, 14 windows, {latency_s * 1000:.0f} ms/response")
    print(f"  bound = ceil({engine_a.pages} pages / {concurrency}) × {latency_s} s")
    for run in runs_a:
        print(line("engine", run, bound_a))
    print(line("sequential", sequential_a))
    speedup = sequential_a.seconds / engine_a.seconds
    print(f"  speedup (median engine run) {speedup:.1f}×")

    # -- rate-bound ---------------------------------------------------------------------------
    limit, period = RATE_LIMIT_REQUESTS, RATE_LIMIT_PERIOD_S
    span = timedelta(days=120)
    emulator = Emulator(
        data=even_data(12_000, span), latency_ms=5, rate_limit=(limit, period), now=NOW
    )
    flt = RecordingFilter().with_time_range(NOW - span, NOW)
    with run_emulator_in_thread(emulator) as base_url:
        runs_b = engine_runs(emulator, base_url, flt)
        emulator.rate_limit = (limit, period)  # a fresh window: the engine's requests forgotten
        sequential_b = run_sequential(emulator, base_url, flt)
    emulator.close()
    engine_b = median_run(runs_b)
    pages = engine_b.pages
    bound_b = max(0, pages - limit) / limit * period
    exact_b = (pages - 1) // limit * period
    print(f"rate-bound: 12,000 rows, 4 windows, 5 ms/response, server limit {limit}/{period:g} s")
    print(f"  bound = max(0, {pages} − {limit}) / {limit} × {period:g} s = {bound_b:.2f} s")
    print(
        f"  (exact sliding-window bound floor(({pages} − 1) / {limit}) × {period:g} s"
        f" = {exact_b:.2f} s)"
    )
    for run in runs_b:
        print(line("engine", run, bound_b))
    print(line("sequential", sequential_b))

    http_429 = sum(run.http_429 for run in runs_a + runs_b)
    print(
        f"listing: speedup_vs_sequential={speedup:.1f} "
        f"latency_bound_ratio={engine_a.seconds / bound_a:.2f} "
        f"rate_bound_ratio={engine_b.seconds / bound_b:.2f} "
        f"http_429={http_429}"
    )


if __name__ == "__main__":
    main()
