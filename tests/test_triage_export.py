"""Export of a whole listing (every window, every page) to CSV and JSON lines."""

from __future__ import annotations

import csv
import io
import json
import math
import stat
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from rectui.emulator import RunningEmulator
from rectui.emulator.data import StoredRecording
from rectui.listing import Listing
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.models import Recording
from rectui.plivo.ratelimit import RateLimiter
from rectui.triage.export import CSV_COLUMNS, export_rows, export_to_path


@pytest.fixture
def emulator(make_emulator: Callable[..., RunningEmulator]) -> RunningEmulator:
    """The server's clock frozen at the test's `now`: the days stored it sends are counted at
    the same moment as the expected ones, so no row can pass a day boundary between the two."""
    return make_emulator(seed=7, count=2000, now=datetime.now(UTC))


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[PlivoClient]:
    async with PlivoClient(
        Credentials(emulator.auth_id, emulator.auth_token),
        base_url=emulator.base_url,
        limiter=RateLimiter(1_000_000, 1.0),
    ) as c:
        yield c


def in_span(emulator: RunningEmulator, start: datetime, end: datetime) -> list[StoredRecording]:
    return [r for r in emulator.emulator.store.snapshot() if start <= r.add_time < end]


def expected_fields(rec: StoredRecording, now: datetime) -> dict[str, str]:
    """Plivo's billing rules written out independently of rectui.plivo.pricing."""
    seconds = Decimal(int(rec.duration_ms)) / 1000
    minutes = int((seconds / 60).to_integral_value(rounding="ROUND_HALF_UP"))
    rounded = max(60, minutes * 60)
    # The day it was made is day 1, as Plivo counts.
    days = max(1, math.floor((now - rec.add_time) / timedelta(days=1)) + 1)
    cost = Decimal(0) if days <= 90 else Decimal("0.0004") * rounded / 60
    return {
        "rounded_recording_duration": str(rounded),
        "billable_minutes": f"{(Decimal(rounded) / 60).normalize():f}",
        "days_stored": str(days),
        "free_storage_until": (rec.add_time + timedelta(days=90)).date().isoformat(),
        "past_free_storage": "yes" if days > 90 else "no",
        "monthly_cost": f"{cost.normalize():f}",
    }


async def test_csv_has_every_row_with_computed_fields(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    now = emulator.emulator.clock()
    start = now - timedelta(days=200)  # seven 30-day windows, rows on both sides of 90 days
    listing = Listing(client, RecordingFilter().with_time_range(start, now), now=now)
    total = await listing.open()
    calls: list[tuple[int, int | None]] = []
    out = tmp_path / "export.csv"

    count = await export_to_path(
        listing.iter_all(), out, "csv", total=total, progress=lambda *a: calls.append(a), now=now
    )

    stored = {r.recording_id: r for r in in_span(emulator, start, now)}
    assert count == total == len(stored) > 500
    assert calls[0] == (0, total) and calls[-1] == (total, total) and len(calls) == total + 1
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["recording_id"] for r in rows] == [r.recording_id for r in stored.values()]
    past_free = 0
    for row in rows:
        want = expected_fields(stored[row["recording_id"]], now)
        assert {k: row[k] for k in want} == want, row["recording_id"]
        past_free += row["past_free_storage"] == "yes"
    assert 0 < past_free < len(rows)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


async def test_json_lines_carry_the_server_object_and_computed_fields(
    emulator: RunningEmulator, client: PlivoClient
) -> None:
    now = emulator.emulator.clock()
    start = now - timedelta(days=120)
    listing = Listing(client, RecordingFilter().with_time_range(start, now), now=now)
    await listing.open()
    served = {}
    buffer = io.StringIO()

    async def remember(rows: AsyncIterator[Recording]) -> AsyncIterator[Recording]:
        async for rec in rows:
            served[rec.recording_id] = rec.raw
            yield rec

    count = await export_rows(remember(listing.iter_all()), buffer, "jsonl", now=now)

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    stored = {r.recording_id: r for r in in_span(emulator, start, now)}
    assert count == len(lines) == len(stored) == listing.total
    for line in lines:
        rid = line["recording_id"]
        assert {k: line[k] for k in served[rid]} == served[rid]  # the object as sent
        want = expected_fields(stored[rid], now)
        assert line["days_stored"] == int(want["days_stored"])
        assert line["billable_minutes"] == float(want["billable_minutes"])
        assert line["monthly_cost"] == want["monthly_cost"]
        assert line["past_free_storage"] is (want["past_free_storage"] == "yes")
        assert line["free_storage_until"] == want["free_storage_until"]


async def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    rec = Recording.from_api({"recording_id": "a", "add_time": "2025-01-01 00:00:00+00:00"})

    async def broken() -> AsyncIterator[Recording]:
        yield rec
        raise ConnectionError("network went away")

    with pytest.raises(ConnectionError):
        await export_to_path(broken(), tmp_path / "out.csv", "csv")
    assert list(tmp_path.iterdir()) == []
