"""A listing recorded in the shapes Plivo really sends (tests/fixtures/recording_list_pages.json,
written for this project after the SDKs' fixtures): storage figures as JSON numbers, add_time at
+05:30, a `sip:` to_number, a conference row with numbers, and one recording on both pages (a new
recording pushed it down between the two requests). The client reads the pages as they are served,
and `rectui emulator --data` serves them, once per id."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from emulator_process import emulator_process

from rectui.emulator import Emulator, run_emulator_in_thread
from rectui.emulator.data import read_data_file
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.recording_cost import recording_cost

FIXTURE = Path(__file__).parent / "fixtures" / "recording_list_pages.json"
PAGES = json.loads(FIXTURE.read_text(encoding="utf-8"))
REPEATED = PAGES[0]["objects"][-1]["recording_id"]
NOW = datetime(2026, 3, 3, 12, tzinfo=UTC)


async def test_the_client_reads_each_recorded_page_as_served() -> None:
    emulator = Emulator(count=0, now=NOW)
    with run_emulator_in_thread(emulator) as base_url:
        auth_id, token = emulator.account
        client = PlivoClient(Credentials(auth_id, token), base_url=base_url)
        async with client:
            pages = []
            for page in PAGES:
                # The recorded bytes, exactly: the emulator answers the next listing with them.
                emulator.fail_next(
                    "/Recording/",
                    status=200,
                    body=json.dumps(page).encode(),
                    headers={"content-type": "application/json"},
                )
                pages.append(await client.list_recordings(RecordingFilter()))
    first, second = pages
    assert not first.malformed and not second.malformed
    assert (first.meta.total_count, second.meta.offset) == (5, 3)
    sip, conference, repeated = first.recordings
    assert sip.to_number == "sip:frontdesk42@phone.plivo.com"
    # +05:30 on the wire, the same instant in UTC.
    assert sip.add_time == datetime(2026, 2, 23, 1, 15, 10, 120451, tzinfo=UTC)
    assert sip.add_time.utcoffset() == timedelta(hours=5, minutes=30)
    assert conference.recording_type == "conference"
    assert (conference.from_number, conference.to_number) == ("+14155550101", "+919876543210")
    # Numbers as numbers: typed as the documentation's strings would be.
    assert (sip.recording_storage_duration, sip.rounded_recording_duration) == (9, 360)
    assert sip.recording_storage_rate == Decimal("0.0004")
    assert sip.recording_duration_ms == 345100.0
    old = second.recordings[1]
    cost = recording_cost(old, NOW)
    assert (cost.days, cost.days_computed, cost.in_free_period) == (253, False, False)
    assert cost.monthly_amount == Decimal("0.0004") and not cost.mismatch
    assert second.recordings[0].recording_id == repeated.recording_id == REPEATED


def test_data_serves_the_recorded_pages_once_per_id_with_a_warning(tmp_path: Path) -> None:
    given = [obj for page in PAGES for obj in page["objects"]]
    assert [o["recording_id"] for o in given].count(REPEATED) == 2
    assert len(read_data_file(FIXTURE)) == len(given)
    with emulator_process(
        ["--port", "0", "--quiet", "--data", str(FIXTURE), "--now", "2026-03-03 12:00"], tmp_path
    ) as child:
        assert "recordings    4 from" in "\n".join(child.banner)
        auth_id = child.banner[1].split()[2]
        token = child.banner[1].split()[4]
        body = httpx.get(
            f"{child.base_url}/v1/Account/{auth_id}/Recording/",
            # A storage filter searches all time (a time span is at most 30 days).
            params={"recording_storage_duration__gte": "1"},
            auth=(auth_id, token),
        ).json()
        assert child.stop() == 0
    warning = child.stderr_path.read_text()
    assert f"warning: --data: recording {REPEATED} appears more than once" in warning
    served = [o["recording_id"] for o in body["objects"]]
    assert body["meta"]["total_count"] == 4 and sorted(served) == sorted(set(served))
    unique = {o["recording_id"]: o for o in reversed(given)}
    assert body["objects"] == [unique[rid] for rid in served]  # exactly as recorded
