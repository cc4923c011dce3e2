"""Benchmark: archive-then-delete of 1,000 short recordings under Plivo's rate limit.

    .venv/bin/python bench/triage.py [--count 1000] [--latency-ms 50]

Setup (not timed): `rectui emulator` in its own process (bench/_emulator.py; as a real server
would be, it does not share this process's interpreter) serving 1,000 given recordings of 5–20 s,
8 kHz mono as phone calls are, mp3 and wav, stored 100–125 days (past the free period), with
50 ms latency on every response and Plivo's limit of 300 requests per 5 s enforced (429 beyond
it). Every media file is fetched once first (`warm_media`), which makes the emulator synthesise
it (a real account's media already exists: synthesis is the emulator's cost, not rectui's) and
gives the true bytes to check archives against. The
recordings are then listed through the listing engine, and the bench waits one rate window so
that the timed part starts with a full budget.

Timed: `ArchiveDelete(client, recordings, dir).run()`: per recording a media GET, a full ffmpeg
decode check, sha256, three fsynced manifest lines and a DELETE.

The bound: 2 requests per recording (media GET + DELETE) = 2N requests. A window of 300 per 5 s
lets the first 300 go at once and every further 300 one window later, so no client can finish
before (2N − 300) / 300 × 5 s (N = 1,000: 28.3 s). bound_ratio = time / bound.

http_429 counts 429 answers in the emulator's access log during the timed part. lost = recordings
the server deleted (204 in that log) whose archive file is missing or differs from the media
the server served (sha256): deleted without a verified archive. The last line is the summary:

    triage: archive_delete_1000_s=<s> bound_ratio=<time/bound> http_429=<n> lost=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _emulator import AUTH_ID, EmulatorProcess, warm_media

from rectui.emulator.audio import profile_for
from rectui.listing import Listing
from rectui.plivo import pricing
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import RateLimiter
from rectui.triage import ArchiveDelete
from rectui.triage.archive import sha256_file

RATE = (300, 5.0)


def make_data(count: int, base_url: str, now: datetime, seed: int = 7) -> list[dict[str, Any]]:
    """Recording objects as the API documents them (numbers as strings), 5–20 s long."""
    rng = random.Random(seed)
    objects = []
    for i in range(count):
        duration_ms = rng.randint(5_000, 20_000)
        while True:  # phone-call audio: the emulator picks a profile from the id's hash
            bits = f"{rng.getrandbits(128):032x}"
            rid = f"{bits[:8]}-{bits[8:12]}-1{bits[13:16]}-{bits[16:20]}-{bits[20:]}"
            profile = profile_for(rid, duration_ms / 1000)
            if profile.sample_rate == 8000 and profile.channels == 1:
                break
        fmt = "wav" if i % 10 < 3 else "mp3"
        added = now - timedelta(days=100, seconds=rng.randint(0, 25 * 86_400))
        rounded = pricing.rounded_duration_seconds(duration_ms)
        days = pricing.storage_days(added, now)
        amount = pricing.expected_monthly_amount(pricing.STORAGE_RATE, rounded, days)
        objects.append(
            {
                "add_time": added.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"),
                "call_uuid": f"{rng.getrandbits(128):032x}",
                "conference_name": None,
                "recording_duration_ms": f"{duration_ms}.00000",
                "recording_format": fmt,
                "recording_id": rid,
                "recording_type": "normal",
                "recording_url": f"{base_url}/v1/Account/{AUTH_ID}/Recording/{rid}.{fmt}",
                "resource_uri": f"/v1/Account/{AUTH_ID}/Recording/{rid}/",
                "recording_storage_duration": str(days),
                "rounded_recording_duration": str(rounded),
                "recording_storage_rate": str(pricing.STORAGE_RATE),
                "monthly_recording_storage_amount": f"{amount:.5f}",
            }
        )
    return objects


async def run(args: argparse.Namespace, server: EmulatorProcess, now: datetime) -> int:
    workdir = server.workdir
    async with server.client(limiter=RateLimiter(*RATE)) as client:
        flt = RecordingFilter().with_time_range(now - timedelta(days=130), now - timedelta(days=95))
        listing = Listing(client, flt, now=now)
        recordings = [rec async for rec in listing.iter_all()]
        listing.close()
        if len(recordings) != args.count:
            print(f"listed {len(recordings)} recordings, expected {args.count}", file=sys.stderr)
            return 1
        started = time.perf_counter()
        urls = [rec.recording_url or "" for rec in recordings]
        digests = await warm_media(client, urls)
        truth = {rec.recording_id: digests[rec.recording_url or ""] for rec in recordings}
        took = time.perf_counter() - started
        print(f"media synthesised and fetched once in {took:.1f} s (not timed)", file=sys.stderr)
        # Start the timed part with a full budget on both sides: wait out one rate window.
        await asyncio.sleep(RATE[1] + 0.5)
        mark = server.mark()

        archive_dir = workdir / "archive"
        last = [0.0]

        def progress(done: int, total: int, _result: object) -> None:
            if sys.stderr.isatty() and (time.monotonic() - last[0] > 0.2 or done == total):
                last[0] = time.monotonic()
                print(f"\r  {done}/{total}", end="", file=sys.stderr, flush=True)

        runner = ArchiveDelete(client, recordings, archive_dir, progress=progress)
        start = time.perf_counter()
        report = await runner.run()
        elapsed = time.perf_counter() - start
        if sys.stderr.isatty():
            print(file=sys.stderr)

    requests = server.requests(mark, expect=2 * args.count)
    http_429 = sum(1 for _, _, status in requests if status == 429)
    deleted_ids = [
        path.rstrip("/").rsplit("/", 1)[-1]
        for method, path, status in requests
        if method == "DELETE" and status == 204
    ]
    manifest: dict[str, dict[str, Any]] = {}
    with (archive_dir / "manifest.jsonl").open() as handle:
        for line in handle:
            entry = json.loads(line)
            manifest[entry["recording_id"]] = entry
    lost = 0
    for rid in deleted_ids:
        entry = manifest.get(rid, {})
        try:
            digest, size = sha256_file(archive_dir / entry["path"])
            ok = digest == truth[rid] == entry["sha256"] and size == entry["size"]
        except (OSError, KeyError):
            ok = False
        lost += not ok

    total_requests = 2 * args.count
    bound = max(0.0, (total_requests - RATE[0]) / RATE[0] * RATE[1])
    ratio = elapsed / bound if bound else float("nan")
    archived_mb = sum(e.get("size", 0) for e in manifest.values()) / 2**20
    print(f"recordings            {args.count} ({archived_mb:.1f} MiB of media)")
    print(f"outcome               {report.summary()}")
    for failure in report.failures[:5]:
        print(f"  {failure.recording_id}: {failure.reason}")
    print(f"requests              {len(requests)} (expected {total_requests})")
    print(f"server deletes (204)  {len(deleted_ids)}")
    print(f"latency               {args.latency_ms:g} ms per response")
    print(f"rate limit            {RATE[0]} requests / {RATE[1]:g} s")
    print(
        f"bound                 ({total_requests} - {RATE[0]}) / {RATE[0]} x {RATE[1]:g} s "
        f"= {bound:.1f} s"
    )
    print(f"time                  {elapsed:.1f} s ({args.count / elapsed:.1f} recordings/s)")
    print(
        f"triage: archive_delete_{args.count}_s={elapsed:.1f} bound_ratio={ratio:.2f} "
        f"http_429={http_429} lost={lost}"
    )
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)

    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"{os.cpu_count()} cores; the emulator in its own process")
    with EmulatorProcess(
        data=lambda base_url: make_data(args.count, base_url, now),
        latency_ms=args.latency_ms,
        rate_limit=RATE,
    ) as server:
        return asyncio.run(run(args, server, now))


if __name__ == "__main__":
    sys.exit(main())
