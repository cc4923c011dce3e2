"""Benchmark: the listing engine against a sequential page loop like the official SDK's.

Run: .venv/bin/python bench/listing.py   (about a minute; most of it is the sequential baseline)

The emulator runs as `rectui emulator` in a process of its own (bench/_emulator.py), so it
never competes with the measured client for this interpreter. Two scenarios:

- latency-bound: 4,000 recordings over 400 days (14 windows), 100 ms per response, no server
  rate limit. Bound: one round trip for the 14 windows' first pages, then the other pages with
  the engine's maximum in flight: (1 + ceil((pages − 14) / maximum)) × 100 ms. The engine starts
  with 14 in flight and has to find its way up to the maximum, so it cannot quite reach it.
- rate-bound: 12,000 recordings over 120 days (4 windows of 3,000: 600 pages), 5 ms per
  response, the emulator enforcing Plivo's 300 requests / 5 s. Bound: what the limit forces,
  max(0, pages − 300) / 300 × 5 s (the first 300 are a free burst, each further 300 cost a
  period), plus what the client cannot avoid: the engine's own time for one unthrottled burst
  of the same 600 pages, measured in this run against the same data with no limit anywhere.
  (With generated data each window would end in a partial page, so pages would be ~614 and the
  sliding-window bound would jump a whole period; hence the even data set.)

Both loaders load every row. The engine: `Listing.iter_all()` through `PlivoClient` with its
rate limiter. The baseline: limit 20, offset += 20 over each ≤ 30-day window, one request at a
time, no limiter; the SDK does not retry a 429, so the baseline counts each 429 and asks again
after 0.5 s (the official SDK would have raised).

The engine runs ENGINE_RUNS times per scenario, the rate-bound runs one rate period apart so the
server's window is empty at each start; every run is printed and the ratios use the median run.
The last line is the summary:
listing: speedup_vs_sequential=<x> latency_bound_ratio=<r> rate_bound_ratio=<r> http_429=<n>
where http_429 counts the 429s the server sent the engine over all its runs (from the
emulator's access log).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from _emulator import EmulatorProcess, listing_requests

from rectui.listing import DEFAULT_MAX_CONCURRENCY, Listing, plan_windows
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import RateLimiter
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
    peak: int = 0
    """Most page requests the engine had in flight at once."""


async def run_engine(
    server: EmulatorProcess, flt: RecordingFilter, limiter: RateLimiter | None = None
) -> Run:
    mark = server.mark()
    async with server.client(limiter=limiter) as client:
        started = time.perf_counter()
        listing = Listing(client, flt, now=NOW)
        rows = 0
        async for _ in listing.iter_all():
            rows += 1
        seconds = time.perf_counter() - started
    assert rows == listing.total, (rows, listing.total)
    statuses = [status for *_, status in listing_requests(server.requests(mark))]
    return Run(seconds, rows, listing.requests_made, statuses.count(429), listing.concurrency.peak)


def run_sequential(server: EmulatorProcess, flt: RecordingFilter) -> Run:
    auth_id, token = server.credentials.auth_id, server.credentials.auth_token
    url = f"{server.base_url}/v1/Account/{auth_id}/Recording/"
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
    peak = f"  in flight ≤ {run.peak:3d}" if run.peak else ""
    return (
        f"  {name:<11} {run.seconds:7.2f} s  rows {run.rows:6d}  pages {run.pages:4d}  "
        f"429s {run.http_429:3d}{peak}{extra}"
    )


def engine_runs(
    server: EmulatorProcess,
    flt: RecordingFilter,
    *,
    pause_s: float = 0.0,
    unthrottled: bool = False,
) -> list[Run]:
    runs = []
    for n in range(ENGINE_RUNS):
        if n:
            time.sleep(pause_s)
        limiter = RateLimiter(10**9, 1.0) if unthrottled else None
        runs.append(asyncio.run(run_engine(server, flt, limiter)))
    return runs


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def main() -> None:
    maximum = min(DEFAULT_MAX_CONCURRENCY, RATE_LIMIT_REQUESTS)
    print(f"{os.cpu_count()} cores; emulator in its own process; engine max in flight {maximum}")

    # -- latency-bound ------------------------------------------------------------------------
    latency_s = 0.100
    flt = RecordingFilter().with_time_range(NOW - timedelta(days=400), NOW)
    windows = len(plan_windows(flt, NOW))
    with EmulatorProcess(seed=5, count=4000, latency_ms=latency_s * 1000, now=NOW) as server:
        runs_a = engine_runs(server, flt)
        sequential_a = run_sequential(server, flt)
    engine_a = median_run(runs_a)
    round_trips = 1 + math.ceil((engine_a.pages - windows) / maximum)
    bound_a = round_trips * latency_s
    print(f"latency-bound: 4,000 rows, {windows} windows, {latency_s * 1000:.0f} ms/response")
    print(
        f"  bound = (1 + ceil(({engine_a.pages} pages − {windows}) / {maximum})) × {latency_s} s"
        f" = {bound_a:.2f} s"
    )
    for run in runs_a:
        print(line("engine", run, bound_a))
    print(line("sequential", sequential_a))
    speedup = sequential_a.seconds / engine_a.seconds
    print(f"  speedup (median engine run) {speedup:.1f}×")

    # -- rate-bound ---------------------------------------------------------------------------
    limit, period = RATE_LIMIT_REQUESTS, RATE_LIMIT_PERIOD_S
    span = timedelta(days=120)
    data = even_data(12_000, span)
    flt = RecordingFilter().with_time_range(NOW - span, NOW)
    with EmulatorProcess(data=data, latency_ms=5, now=NOW) as server:
        bursts = engine_runs(server, flt, unthrottled=True)
    with EmulatorProcess(data=data, latency_ms=5, rate_limit=(limit, period), now=NOW) as server:
        # One period between runs: the server's sliding window is empty when each starts.
        runs_b = engine_runs(server, flt, pause_s=period + 0.5)
        time.sleep(period + 0.5)
        sequential_b = run_sequential(server, flt)
    engine_b, burst = median_run(runs_b), median_run(bursts)
    pages = engine_b.pages
    forced = max(0, pages - limit) / limit * period
    bound_b = forced + burst.seconds
    print(f"rate-bound: 12,000 rows, 4 windows, 5 ms/response, server limit {limit}/{period:g} s")
    print("  one unthrottled burst of the same pages (no limit on either side):")
    for run in bursts:
        print(line("burst", run))
    print(
        f"  bound = max(0, {pages} − {limit}) / {limit} × {period:g} s + burst "
        f"{burst.seconds:.2f} s = {bound_b:.2f} s"
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
