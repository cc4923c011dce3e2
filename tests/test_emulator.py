"""The Recording API emulator, exercised through real HTTP on loopback."""

from __future__ import annotations

import asyncio
import itertools
import json
import queue
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from audio_helpers import FakeClock
from emulator_process import emulator_process

from rectui.emulator import Emulator, RunningEmulator, run_emulator_in_thread
from rectui.emulator.accounts import make_accounts
from rectui.emulator.audio import profile_for
from rectui.emulator.cli import build_parser
from rectui.emulator.cli import main as emulator_main
from rectui.emulator.data import StoredRecording, read_data_file
from rectui.plivo import pricing
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.models import Recording
from rectui.plivo.rules import format_filter_time

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FFMPEG = "/usr/bin/ffmpeg"


# --- helpers ----------------------------------------------------------------------------------


def client_for(running: RunningEmulator, auth: tuple[str, str] | None = None) -> httpx.Client:
    return httpx.Client(base_url=running.base_url, auth=auth or running.auth, timeout=30)


def list_path(auth_id: str) -> str:
    return f"/v1/Account/{auth_id}/Recording/"


def fetch_all(client: httpx.Client, auth_id: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every object of a listing, following meta.next."""
    response = client.get(list_path(auth_id), params=params)
    objects: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        objects += body["objects"]
        if body["meta"]["next"] is None:
            return objects
        response = client.get(body["meta"]["next"])


def ids(objects: list[dict[str, Any]]) -> list[str]:
    return [obj["recording_id"] for obj in objects]


def rows_between(
    rows: list[StoredRecording], lower: datetime, upper: datetime
) -> list[StoredRecording]:
    return [rec for rec in rows if lower <= rec.add_time <= upper]


def assert_error_body(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    # As the SDK fixtures show: a 401 comes before Plivo assigns the request an api_id.
    assert set(body) == ({"error"} if status == 401 else {"api_id", "error"})
    assert body.get("api_id", "x") and body["error"]
    return body["error"]


def owner_token(running: RunningEmulator, auth_id: str) -> tuple[str, str]:
    return next(tuple(acc) for acc in running.emulator.accounts if acc.auth_id == auth_id)


def media_recording(
    running: RunningEmulator, fmt: str, *, owner: str | None = None, max_s: float = 20
) -> StoredRecording:
    return next(
        rec
        for rec in running.emulator.store.snapshot(owner)
        if rec.recording_format == fmt and 2 < rec.duration_s < max_s
    )


def media_url(running: RunningEmulator, rec: StoredRecording) -> str:
    return running.emulator.recording_object(rec.recording_id, running.base_url)["recording_url"]


def decoded_seconds(data: bytes, tmp_path: Path) -> float:
    """Decode with ffmpeg to 8 kHz mono PCM and measure what came out."""
    source = tmp_path / "media.bin"
    source.write_bytes(data)
    pcm = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(source), "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return len(pcm) / 2 / 8000


def wav_header(data: bytes) -> dict[str, int]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    found: dict[str, int] = {}
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk == b"fmt ":
            tag, channels, rate, byte_rate, _, bits = struct.unpack(
                "<HHIIHH", data[pos + 8 : pos + 24]
            )
            found.update(tag=tag, channels=channels, rate=rate, byte_rate=byte_rate, bits=bits)
        if chunk == b"data":
            found["data_size"] = size
            return found
        pos += 8 + size + (size & 1)
    raise AssertionError("no data chunk")


@pytest.fixture(scope="module")
def frozen_server() -> Iterator[RunningEmulator]:
    """3,000 recordings with the clock frozen at NOW: exact windows and storage days."""
    emulator = Emulator(seed=11, count=3000, now=NOW)
    with run_emulator_in_thread(emulator) as base_url:
        yield RunningEmulator(base_url, emulator)
    emulator.close()


@pytest.fixture
def frozen(frozen_server: RunningEmulator) -> RunningEmulator:
    frozen_server.emulator.reset()
    return frozen_server


# --- authentication and accounts --------------------------------------------------------------


def test_accounts_look_like_plivo_auth_ids() -> None:
    main, subs = make_accounts(1)
    assert len(subs) == 2
    for account, prefix in [(main, "MA"), *((sub, "SA") for sub in subs)]:
        assert len(account.auth_id) == 20 and account.auth_id.startswith(prefix)
        assert account.auth_id.isalnum() and account.auth_id == account.auth_id.upper()
        assert len(account.auth_token) == 40
    given = Emulator(count=0, auth_id="MAGIVENGIVENGIVEN123", auth_token="secret")
    assert tuple(given.account) == ("MAGIVENGIVENGIVEN123", "secret")


def test_requests_without_valid_credentials_are_401_with_an_error_body(emulator) -> None:
    main = emulator.auth_id
    sub = emulator.subaccounts[0]
    missing = assert_error_body(httpx.get(emulator.recordings_url()), 401)
    assert missing == "authentication credentials were not provided"
    assert_error_body(httpx.get(emulator.recordings_url(), auth=(main, "wrong")), 401)
    assert_error_body(httpx.get(emulator.recordings_url(), auth=("MAUNKNOWN", "x")), 401)
    # Valid credentials, but for another account than the URL names.
    assert_error_body(httpx.get(emulator.recordings_url(sub.auth_id), auth=emulator.auth), 401)
    assert_error_body(httpx.get(emulator.recordings_url(), auth=tuple(sub)), 401)
    with client_for(emulator) as client:
        assert client.get(list_path(main)).status_code == 200


def test_a_subaccount_sees_only_its_own_recordings(frozen) -> None:
    sub = frozen.subaccounts[0]
    lower = NOW - timedelta(days=30)
    params = {"add_time__gte": format_filter_time(lower)}
    with client_for(frozen, tuple(sub)) as client:
        objects = fetch_all(client, sub.auth_id, params)
        expected = rows_between(frozen.emulator.store.snapshot(sub.auth_id), lower, NOW)
        assert ids(objects) == [rec.recording_id for rec in expected]
        assert objects and all(f"/Account/{sub.auth_id}/" in o["resource_uri"] for o in objects)

        others = next(r for r in frozen.emulator.store.snapshot() if r.owner != sub.auth_id)
        one = f"{list_path(sub.auth_id)}{others.recording_id}/"
        assert_error_body(client.get(one), 404)
        assert_error_body(client.delete(one), 404)
        assert frozen.emulator.store.get(others.recording_id) is not None

        # Asking for another subaccount's recordings gives nothing, not theirs.
        other_sub = frozen.subaccounts[1].auth_id
        response = client.get(list_path(sub.auth_id), params={"subaccount": other_sub})
        assert response.json()["meta"]["total_count"] == 0


def test_the_main_account_sees_everything_and_filters_by_subaccount(frozen) -> None:
    lower = NOW - timedelta(days=30)
    params = {"add_time__gte": format_filter_time(lower)}
    everything = rows_between(frozen.emulator.store.snapshot(), lower, NOW)
    assert len({rec.owner for rec in everything}) == 3
    with client_for(frozen) as client:
        assert ids(fetch_all(client, frozen.auth_id, params)) == [
            rec.recording_id for rec in everything
        ]
        for account in [frozen.account, *frozen.subaccounts]:
            narrowed = fetch_all(client, frozen.auth_id, {**params, "subaccount": account.auth_id})
            assert ids(narrowed) == [r.recording_id for r in everything if r.owner == account[0]]


# --- listing ----------------------------------------------------------------------------------


def test_without_a_time_filter_the_search_covers_the_last_seven_days(frozen) -> None:
    rows = frozen.emulator.store.snapshot()
    expected = rows_between(rows, NOW - timedelta(days=7), NOW)
    assert len(expected) < len(rows)
    with client_for(frozen) as client:
        objects = fetch_all(client, frozen.auth_id, {})
        assert ids(objects) == [rec.recording_id for rec in expected]
        first = client.get(list_path(frozen.auth_id)).json()
    assert first["meta"]["limit"] == 20 and len(first["objects"]) == 20
    assert first["meta"]["total_count"] == len(expected)


def test_rows_are_newest_first_and_ties_are_ordered_by_id(frozen) -> None:
    rows = frozen.emulator.store.snapshot()
    tie = next(a for a, b in itertools.pairwise(rows) if a.add_us == b.add_us)
    lower = max(tie.add_time - timedelta(days=10), NOW - timedelta(days=400))
    upper = lower + timedelta(days=20)
    params = {
        "add_time__gte": format_filter_time(lower),
        "add_time__lte": format_filter_time(upper),
    }
    with client_for(frozen) as client:
        objects = fetch_all(client, frozen.auth_id, params)
    expected = sorted(rows_between(rows, lower, upper), key=lambda r: (-r.add_us, r.recording_id))
    assert ids(objects) == [rec.recording_id for rec in expected]
    assert tie.recording_id in ids(objects)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"add_time__gte": "2026-01-01 00:00", "add_time__lt": "2026-02-01 00:01"}, "add_time"),
        ({"add_time__gt": "2025-12-01 00:00"}, "add_time"),
        ({"limit": "21"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"recording_storage_duration": "3", "add_time__gt": "2026-03-01 00:00"}, "storage"),
        ({"recording_storage_duration__gte": "x"}, "recording_storage_duration__gte"),
        ({"add_time__gt": "2026-02-30 00:00"}, "add_time__gt"),
        ({"add_time__lt": "yesterday"}, "add_time__lt"),
        ({"from_number": "not a number"}, "from_number"),
    ],
)
def test_invalid_queries_are_answered_400_naming_the_problem(frozen, params, field) -> None:
    with client_for(frozen) as client:
        error = assert_error_body(client.get(list_path(frozen.auth_id), params=params), 400)
    assert field in error


def test_pages_carry_meta_and_links_that_keep_the_filters(frozen) -> None:
    lower = format_filter_time(NOW - timedelta(days=20))
    params = {"add_time__gte": lower, "recording_type": "ignored", "limit": "7"}
    base = list_path(frozen.auth_id)
    with client_for(frozen) as client:
        first = client.get(base, params=params).json()
        meta = first["meta"]
        assert meta["limit"] == 7 and meta["offset"] == 0 and meta["previous"] is None
        assert meta["next"].startswith(f"{base}?limit=7&offset=7&")
        assert RecordingFilter.from_params(dict(httpx.URL(meta["next"]).params)).add_time__gte == (
            lower
        )
        collected = first["objects"]
        page, offset = first, 0
        while page["meta"]["next"]:
            page = client.get(page["meta"]["next"]).json()
            offset += 7
            assert page["meta"]["offset"] == offset
            assert page["meta"]["total_count"] == meta["total_count"]
            previous = httpx.URL(page["meta"]["previous"])
            assert previous.path == base and previous.params["offset"] == str(offset - 7)
            assert previous.params["add_time__gte"] == lower
            collected += page["objects"]
        past_the_end = client.get(base, params={**params, "offset": "100000"}).json()
    assert len(collected) == meta["total_count"] == len(set(ids(collected)))
    assert 0 < len(page["objects"]) <= 7
    assert past_the_end["objects"] == [] and past_the_end["meta"]["next"] is None
    assert past_the_end["meta"]["previous"] is not None


@pytest.mark.parametrize(
    "field",
    ["from_number", "to_number", "call_uuid", "conference_name", "conference_uuid", "mpc_name",
     "mpc_uuid"],
)  # fmt: skip
def test_each_filter_narrows_to_exactly_the_matching_recordings(frozen, field) -> None:
    lower = NOW - timedelta(days=30)
    window = rows_between(frozen.emulator.store.snapshot(), lower, NOW)
    value, _ = Counter(getattr(r, field) for r in window if getattr(r, field)).most_common(1)[0]
    expected = [rec.recording_id for rec in window if getattr(rec, field) == value]
    assert 0 < len(expected) < len(window)
    params = {"add_time__gte": format_filter_time(lower), field: value}
    with client_for(frozen) as client:
        objects = fetch_all(client, frozen.auth_id, params)
    assert ids(objects) == expected
    assert all(obj[field] == value for obj in objects)


def test_numbers_match_with_or_without_the_plus(frozen) -> None:
    rec = next(r for r in frozen.emulator.store.snapshot() if r.from_number)
    window = {"add_time__gte": format_filter_time(rec.add_time - timedelta(days=1))}
    with client_for(frozen) as client:
        with_plus = fetch_all(client, frozen.auth_id, {**window, "from_number": rec.from_number})
        bare = fetch_all(client, frozen.auth_id, {**window, "from_number": rec.from_number[1:]})
    assert rec.recording_id in ids(with_plus) and ids(with_plus) == ids(bare)


def test_time_bounds_are_exact_and_respect_strictness(frozen) -> None:
    rows = rows_between(frozen.emulator.store.snapshot(), NOW - timedelta(days=25), NOW)
    rec = rows[len(rows) // 2]
    at = format_filter_time(rec.add_time)
    before = format_filter_time(rec.add_time - timedelta(days=3))
    after = format_filter_time(rec.add_time + timedelta(days=3))
    with client_for(frozen) as client:

        def listing(**params: str) -> list[str]:
            return ids(fetch_all(client, frozen.auth_id, params))

        assert listing(add_time__gte=at)[-1] == rec.recording_id
        assert rec.recording_id not in listing(add_time__gt=at)
        assert listing(add_time__lte=at, add_time__gte=before)[0] == rec.recording_id
        assert rec.recording_id not in listing(add_time__lt=at, add_time__gte=before)
        # Only an upper bound: the seven days before it.
        only_upper = listing(add_time__lt=after)
    expected = [
        r.recording_id
        for r in rows_between(
            frozen.emulator.store.snapshot(), rec.add_time - timedelta(days=4), NOW
        )
        if r.add_time < rec.add_time + timedelta(days=3)
    ]
    assert only_upper == expected


def test_storage_duration_filters_count_whole_days_over_all_time(frozen) -> None:
    everything = frozen.emulator.store.snapshot()
    days = {rec.recording_id: pricing.storage_days(rec.add_time, NOW) for rec in everything}
    with client_for(frozen) as client:
        exactly_three = fetch_all(client, frozen.auth_id, {"recording_storage_duration": "3"})
        between = fetch_all(
            client,
            frozen.auth_id,
            {"recording_storage_duration__gte": "2", "recording_storage_duration__lt": "5"},
        )
        billed = client.get(
            list_path(frozen.auth_id), params={"recording_storage_duration__gt": "90"}
        ).json()
    assert ids(exactly_three) == [rid for rid, d in days.items() if d == 3]
    assert exactly_three and all(o["recording_storage_duration"] == 3 for o in exactly_three)
    assert ids(between) == [rid for rid, d in days.items() if 2 <= d < 5]
    # A storage filter is a time filter of its own: no 7-day default, so old recordings match.
    assert billed["meta"]["total_count"] == sum(1 for d in days.values() if d > 90) > 0


# --- single recordings ------------------------------------------------------------------------


def test_get_returns_the_listed_object_with_plivo_field_types(frozen) -> None:
    with client_for(frozen) as client:
        listed = client.get(list_path(frozen.auth_id)).json()["objects"][0]
        one = client.get(f"{list_path(frozen.auth_id)}{listed['recording_id']}/").json()
    assert one.pop("api_id")
    assert one == listed
    assert one["recording_url"].startswith(f"{frozen.base_url}/v1/Account/")
    assert one["recording_url"].endswith(f"{one['recording_id']}.{one['recording_format']}")
    # The SDK fixtures' types: *_ms as strings, the storage figures as JSON numbers.
    for name in ("recording_duration_ms", "recording_start_ms", "recording_end_ms"):
        assert isinstance(one[name], str) and one[name].endswith(".00000")
    assert float(one["recording_end_ms"]) - float(one["recording_start_ms"]) == float(
        one["recording_duration_ms"]
    )
    assert one["recording_storage_rate"] == 0.0004
    for name in ("recording_storage_duration", "rounded_recording_duration"):
        assert type(one[name]) is int
    assert type(one["monthly_recording_storage_amount"]) is float
    assert datetime.fromisoformat(one["add_time"]).utcoffset() == timedelta(hours=5, minutes=30)


def test_numbers_as_strings_gives_the_documentations_shape() -> None:
    emulator = Emulator(seed=3, count=30, now=NOW, numbers_as_strings=True, utc_offset=timedelta(0))
    with run_emulator_in_thread(emulator) as base_url:
        auth_id, token = emulator.account
        everything = {"recording_storage_duration__gte": "1"}  # all time, not the last 7 days
        body = httpx.get(
            f"{base_url}{list_path(auth_id)}", params=everything, auth=(auth_id, token)
        ).json()
    one = body["objects"][0]
    assert one["recording_storage_rate"] == "0.0004"
    for name in ("recording_storage_duration", "rounded_recording_duration"):
        assert one[name].isdigit()
    assert Decimal(one["monthly_recording_storage_amount"]) >= 0
    assert one["add_time"].endswith("+00:00")
    assert Recording.from_api(one).recording_storage_duration == int(
        one["recording_storage_duration"]
    )


def test_add_time_offset_is_the_same_instant_filters_select_in_utc(frozen) -> None:
    rec = frozen.emulator.store.snapshot()[40]
    at = format_filter_time(rec.add_time)  # UTC, as Plivo's filters are
    with client_for(frozen) as client:
        objects = client.get(
            list_path(frozen.auth_id), params={"add_time__gte": at, "add_time__lte": at}
        ).json()["objects"]
    mine = next(o for o in objects if o["recording_id"] == rec.recording_id)
    local = datetime.fromisoformat(mine["add_time"])
    assert local.utcoffset() == timedelta(hours=5, minutes=30)
    assert local == rec.add_time  # the same instant, written 5 h 30 later on the clock
    assert local.replace(tzinfo=None) != rec.add_time.replace(tzinfo=None)


def test_conference_rows_carry_from_and_to_numbers(frozen) -> None:
    recent = frozen.emulator.store.snapshot()[:300]
    conferences = [r for r in recent if r.recording_type == "conference"]
    assert conferences and all(r.from_number and r.to_number for r in conferences)
    obj = frozen.emulator.recording_object(conferences[0].recording_id, frozen.base_url)
    assert obj["from_number"] == conferences[0].from_number


def test_prices_and_storage_follow_the_pricing_rules(frozen) -> None:
    old = [r for r in frozen.emulator.store.snapshot() if r.add_time < NOW - timedelta(days=120)]
    assert old
    for rec in (*old[:5], *frozen.emulator.store.snapshot()[:5]):
        obj = frozen.emulator.recording_object(rec.recording_id, frozen.base_url)
        rounded = pricing.rounded_duration_seconds(float(obj["recording_duration_ms"]))
        days = pricing.storage_days(rec.add_time, NOW)
        assert obj["rounded_recording_duration"] == rounded
        assert obj["recording_storage_duration"] == days
        amount = Decimal(str(obj["monthly_recording_storage_amount"]))
        assert amount == pricing.expected_monthly_amount(pricing.STORAGE_RATE, rounded, days)
    billed = frozen.emulator.recording_object(old[0].recording_id, frozen.base_url)
    assert billed["monthly_recording_storage_amount"] > 0  # past the 90 free days


def test_delete_answers_204_then_the_recording_is_gone(emulator) -> None:
    first, second = emulator.emulator.store.snapshot(emulator.auth_id)[:2]
    with client_for(emulator) as client:
        url = f"{list_path(emulator.auth_id)}{first.recording_id}/"
        deleted = client.delete(url)
        assert deleted.status_code == 204 and deleted.content == b""
        assert_error_body(client.get(url), 404)
        assert_error_body(client.delete(url), 404)
        assert first.recording_id not in ids(fetch_all(client, emulator.auth_id, {}))
        # The Python SDK sends a small JSON body with its DELETE.
        with_body = client.request(
            "DELETE",
            f"{list_path(emulator.auth_id)}{second.recording_id}/",
            json={"auth_id": emulator.auth_id},
        )
        assert with_body.status_code == 204
    emulator.emulator.reset()
    assert emulator.emulator.store.get(first.recording_id) is not None


def test_unknown_paths_and_methods_answer_in_plivos_error_shape(emulator) -> None:
    with client_for(emulator) as client:
        assert_error_body(client.get("/v1/Account/x/Nothing/"), 404)
        assert_error_body(client.post(list_path(emulator.auth_id)), 405)
        assert_error_body(client.get(f"{list_path(emulator.auth_id)}no-such-id/"), 404)


# --- media ------------------------------------------------------------------------------------


def test_mp3_media_decodes_to_the_recordings_duration(emulator, tmp_path) -> None:
    rec = media_recording(emulator, "mp3")
    response = httpx.get(media_url(emulator, rec))
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["accept-ranges"] == "bytes"
    assert int(response.headers["content-length"]) == len(response.content)
    assert decoded_seconds(response.content, tmp_path) == pytest.approx(rec.duration_s, abs=0.5)


def test_wav_media_has_the_profiles_rate_and_channels(emulator) -> None:
    found: dict[str, int] = {}
    for rec in emulator.emulator.store.snapshot():
        if rec.recording_format != "wav" or not 1 < rec.duration_s < 30:
            continue
        profile = profile_for(rec.recording_id, rec.duration_s)
        key = f"{profile.sample_rate}/{profile.channels}/{profile.wav_codec}"
        if key in found:
            continue
        header = wav_header(httpx.get(media_url(emulator, rec)).content)
        assert header["rate"] == profile.sample_rate
        assert header["channels"] == profile.channels
        assert header["tag"] == (7 if profile.wav_codec == "pcm_mulaw" else 1)
        seconds = header["data_size"] / header["byte_rate"]
        assert seconds == pytest.approx(rec.duration_s, abs=0.01)
        found[key] = 1
        if len(found) == 3:
            break
    assert len(found) == 3  # telephony, µ-law and some wideband or stereo


def test_byte_ranges(emulator) -> None:
    rec = media_recording(emulator, "mp3")
    url = media_url(emulator, rec)
    full = httpx.get(url).content
    size = len(full)

    def ranged(spec: str) -> httpx.Response:
        return httpx.get(url, headers={"Range": spec})

    middle = ranged("bytes=100-199")
    assert middle.status_code == 206
    assert middle.headers["content-range"] == f"bytes 100-199/{size}"
    assert middle.headers["content-length"] == "100" and middle.content == full[100:200]
    suffix = ranged("bytes=-50")
    assert suffix.status_code == 206 and suffix.content == full[-50:]
    open_ended = ranged(f"bytes={size - 10}-")
    assert open_ended.content == full[-10:]
    clipped = ranged(f"bytes={size - 5}-{size + 100}")
    assert clipped.headers["content-range"] == f"bytes {size - 5}-{size - 1}/{size}"
    for bad in (f"bytes={size}-", "bytes=50-10", "bytes=-0", "bytes=abc"):
        refused = ranged(bad)
        assert_error_body(refused, 416)
        assert refused.headers["content-range"] == f"bytes */{size}"
    head = httpx.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(size) and head.headers["accept-ranges"] == "bytes"


def test_the_original_variant_is_noisier_but_as_long(emulator, tmp_path) -> None:
    rec = media_recording(emulator, "mp3")
    url = media_url(emulator, rec)
    default, original = httpx.get(url).content, httpx.get(url, params={"type": "original"}).content
    assert default != original
    assert decoded_seconds(original, tmp_path) == pytest.approx(rec.duration_s, abs=0.5)


def test_media_is_public_unless_media_auth_is_on(emulator, make_emulator) -> None:
    assert httpx.get(media_url(emulator, media_recording(emulator, "wav"))).status_code == 200

    running = make_emulator(seed=3, count=400, media_auth=True)
    sub = running.subaccounts[0]
    mine = media_url(running, media_recording(running, "wav", owner=running.auth_id))
    theirs = media_url(running, media_recording(running, "wav", owner=sub.auth_id))
    assert_error_body(httpx.get(mine), 401)
    assert_error_body(httpx.get(mine, auth=(running.auth_id, "wrong")), 401)
    assert httpx.get(mine, auth=running.auth).status_code == 200
    # A subaccount's recording needs the subaccount's own credentials, as Plivo documents.
    assert_error_body(httpx.get(theirs, auth=running.auth), 401)
    assert httpx.get(theirs, auth=tuple(sub)).status_code == 200
    assert_error_body(httpx.get(mine, auth=tuple(sub)), 401)


def test_unknown_media_and_wrong_extensions_are_404(emulator) -> None:
    rec = media_recording(emulator, "mp3")
    url = media_url(emulator, rec)
    assert_error_body(httpx.get(url[: -len(".mp3")] + ".wav"), 404)
    assert_error_body(httpx.get(url.replace(rec.recording_id, "nope")), 404)
    legacy = httpx.get(f"{emulator.base_url}/recordings_2013/{rec.recording_id}.mp3")
    assert legacy.status_code == 200 and legacy.content == httpx.get(url).content


def test_an_hour_of_media_is_generated_without_blocking_other_requests(
    make_emulator, tmp_path
) -> None:
    long_one = {
        "recording_id": "long-meeting",
        "add_time": "2026-03-01 10:00:00.000000+00:00",
        "recording_duration_ms": "3600000.00000",
        "recording_format": "mp3",
    }
    running = make_emulator(data=[long_one], now=NOW)
    url = f"{running.base_url}/v1/Account/{running.auth_id}/Recording/long-meeting.mp3"
    result: dict[str, Any] = {}

    def download() -> None:
        started = time.perf_counter()
        result["response"] = httpx.get(url, timeout=120)
        result["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=download)
    worker.start()
    deadline = time.monotonic() + 10
    while running.emulator.media.generating == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert running.emulator.media.generating == 1
    listed = httpx.get(running.recordings_url(), auth=running.auth)
    assert listed.status_code == 200
    assert running.emulator.media.generating == 1  # the listing did not wait for the encode
    worker.join(60)
    response = result["response"]
    assert response.status_code == 200
    path = tmp_path / "hour.mp3"
    path.write_bytes(response.content)
    probe_command = ["/usr/bin/ffprobe", "-v", "error", "-show_entries", "format=duration"]
    probe = subprocess.run(
        [*probe_command, "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(probe.stdout) == pytest.approx(3600, abs=0.5)
    print(f"60-minute mp3 generated and served in {result['seconds']:.2f} s")


# --- rate limit, latency, failures ------------------------------------------------------------


def test_rate_limit_counts_every_endpoint_per_account(emulator) -> None:
    emulator.emulator.rate_limit = (5, 60.0)
    first, second = emulator.emulator.store.snapshot(emulator.auth_id)[:2]
    one = f"{list_path(emulator.auth_id)}{first.recording_id}/"
    with client_for(emulator) as client:
        assert client.get(list_path(emulator.auth_id)).status_code == 200
        assert client.get(one).status_code == 200
        assert httpx.head(media_url(emulator, first)).status_code == 200
        assert httpx.get(media_url(emulator, first)).status_code == 200
        assert client.delete(
            f"{list_path(emulator.auth_id)}{second.recording_id}/"
        ).status_code == (204)
        assert_error_body(client.get(list_path(emulator.auth_id)), 429)
        assert_error_body(client.get(one), 429)
        assert_error_body(httpx.get(media_url(emulator, first)), 429)
    sub = emulator.subaccounts[0]
    with client_for(emulator, tuple(sub)) as client:
        assert client.get(list_path(sub.auth_id)).status_code == 200  # its own budget


def test_rate_limit_window_slides(make_emulator) -> None:
    clock = FakeClock()
    running = make_emulator(count=5, now=NOW, monotonic=clock, rate_limit=(2, 0.5))
    with client_for(running) as client:

        def status() -> int:
            return client.get(list_path(running.auth_id)).status_code

        assert [status(), status(), status()] == [200, 200, 429]
        clock.advance(0.25)
        assert status() == 429  # both requests are still inside the window
        clock.advance(0.25)  # the first two leave the window together
        assert [status(), status(), status()] == [200, 200, 429]


async def test_latency_delays_each_request_without_serialising_them(emulator) -> None:
    emulator.emulator.latency_ms = 300
    # The gate sits after the latency: ten requests can all reach it only if their delays ran
    # side by side, since a serialised server would keep the second behind the first, held one.
    gate = emulator.emulator.hold("/Recording/")
    async with httpx.AsyncClient(base_url=emulator.base_url, auth=emulator.auth) as client:
        started = time.perf_counter()
        sent = [asyncio.create_task(client.get(list_path(emulator.auth_id))) for _ in range(10)]
        await gate.until_held(10)
        assert time.perf_counter() - started >= 0.3  # each one waited out the latency
        assert not any(task.done() for task in sent)
        gate.release()
        responses = await asyncio.gather(*sent)
    assert [r.status_code for r in responses] == [200] * 10


def test_hold_keeps_matching_requests_waiting_until_released(emulator) -> None:
    rec = emulator.emulator.store.snapshot(emulator.auth_id)[0]
    one = f"{list_path(emulator.auth_id)}{rec.recording_id}/"
    gate = emulator.emulator.hold("/Recording/", method="GET", after=2)
    answers: queue.Queue[int] = queue.Queue()

    def get() -> None:
        with client_for(emulator) as client:
            answers.put(client.get(one).status_code)

    with client_for(emulator) as client:
        assert [client.get(one).status_code for _ in range(2)] == [200, 200]  # the first two pass
        assert client.delete(one).status_code == 204  # another method is not held
        waiting = [threading.Thread(target=get) for _ in range(3)]
        for thread in waiting:
            thread.start()
        gate.wait_held(3)
        assert answers.empty() and gate.held == 3
        assert len(emulator.emulator.request_log) == 3  # held requests are not answered yet
        gate.release()
        for thread in waiting:
            thread.join(30)
        assert sorted(answers.get_nowait() for _ in range(3)) == [404, 404, 404]  # deleted
        assert client.get(one).status_code == 404  # an open gate lets everything through
    assert gate.held == 0 and gate.seen == 6
    with pytest.raises(AssertionError, match="never held 7 request"):
        gate.wait_held(7, timeout=0.01)


def test_reset_releases_held_requests(emulator) -> None:
    gate = emulator.emulator.hold(method="GET")
    answer: list[int] = []

    def get() -> None:
        with client_for(emulator) as client:
            answer.append(client.get(list_path(emulator.auth_id)).status_code)

    thread = threading.Thread(target=get)
    thread.start()
    gate.wait_held(1)
    emulator.emulator.reset()  # a test that stops midway never leaves the server stuck
    thread.join(30)
    assert answer == [200]
    with client_for(emulator) as client:
        assert client.get(list_path(emulator.auth_id)).status_code == 200  # the hold is gone


def test_wait_logged_counts_matching_requests_and_names_what_never_came(emulator) -> None:
    with client_for(emulator) as client:
        client.get(list_path(emulator.auth_id))
        client.get(list_path(emulator.auth_id) + "nope/")
    found = emulator.emulator.request_log.wait_logged(
        1, method="GET", match=lambda p: p.endswith("nope/")
    )
    assert [entry.status for entry in found] == [404]
    assert len(emulator.emulator.request_log.wait_logged(2, method="GET")) == 2
    with pytest.raises(AssertionError, match="logged 0 of 1 DELETE"):
        emulator.emulator.request_log.wait_logged(1, method="DELETE", timeout=0.01)


def test_fail_next_answers_errors_then_recovers(emulator) -> None:
    rec = emulator.emulator.store.snapshot(emulator.auth_id)[0]
    one = f"{list_path(emulator.auth_id)}{rec.recording_id}/"
    emulator.emulator.fail_next(rec.recording_id, status=503, times=2)
    emulator.emulator.fail_next(lambda path: path.endswith("/Recording/"), status=500)
    emulator.emulator.fail_next(
        "/Account/", status=502, body=b"<html>bad gateway</html>", method="DELETE"
    )
    with client_for(emulator) as client:
        assert [client.get(one).status_code for _ in range(3)] == [503, 503, 200]
        assert_error_body(client.get(list_path(emulator.auth_id)), 500)
        assert client.get(list_path(emulator.auth_id)).status_code == 200
        bad_gateway = client.delete(one)
        assert bad_gateway.status_code == 502 and bad_gateway.content == b"<html>bad gateway</html>"
        emulator.emulator.fail_next(times=None, status=500)
        assert client.get(one).status_code == 500
        assert client.get(one).status_code == 500
        emulator.emulator.clear_faults()
        assert client.get(one).status_code == 200
    assert [entry.status for entry in emulator.emulator.request_log] == [
        503, 503, 200, 500, 200, 502, 500, 500, 200,
    ]  # fmt: skip
    assert emulator.emulator.request_log[0].path == one


def test_dropped_connections_and_truncated_media(emulator) -> None:
    rec = media_recording(emulator, "mp3")
    url = media_url(emulator, rec)
    full = httpx.get(url).content
    emulator.emulator.request_log.clear()

    emulator.emulator.drop_connection_for(rec.recording_id)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)
    assert httpx.get(url).content == full

    emulator.emulator.truncate_media_for(rec.recording_id, keep_bytes=1000)
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url) as response:
        assert response.headers["content-length"] == str(len(full))
        for chunk in response.iter_raw():
            received += chunk
    assert bytes(received) == full[:1000]
    assert httpx.get(url).content == full
    assert [entry.status for entry in emulator.emulator.request_log] == [None, 200, 200, 200]


def test_request_log_records_method_path_query_and_status(emulator) -> None:
    with client_for(emulator) as client:
        client.get(list_path(emulator.auth_id), params={"limit": "3", "from_number": "+1415"})
    (entry,) = emulator.emulator.request_log
    assert entry == (
        "GET",
        list_path(emulator.auth_id),
        {"limit": "3", "from_number": "+1415"},
        200,
    )


# --- data files, determinism, startup ---------------------------------------------------------

GIVEN = [
    {  # as an SDK fixture has it: numbers as numbers, an extra field
        "add_time": "2026-02-27 08:00:00+00:00",
        "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "conference_name": "noname",
        "recording_duration_ms": 345100,
        "recording_format": "wav",
        "recording_id": "given-1",
        "recording_type": "conference",
        "recording_url": "http://s3.amazonaws.com/recordings_2013/given-1.wav",
        "recording_storage_duration": 209,
        "recording_storage_rate": 0.0004,
        "future_field": {"nested": [1, 2]},
    },
    {  # as the documentation has it: strings, another offset, an api_id inside
        "add_time": "2026-02-28 16:15:15.852059+05:30",
        "api_id": "7abf0744-1ca0-11e4-a2d1-22000ac5040c",
        "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0433",
        "conference_name": None,
        "recording_duration_ms": "4100.00000",
        "recording_format": "mp3",
        "recording_id": "given-2",
        "recording_type": "normal",
        "rounded_recording_duration": "60",
        "to_number": "sip:alice@phone.plivo.com",
    },
]


def test_data_is_served_exactly_as_given(make_emulator, tmp_path) -> None:
    data_file = tmp_path / "recordings.json"
    data_file.write_text(json.dumps({"api_id": "x", "meta": {}, "objects": GIVEN}))
    running = make_emulator(data=read_data_file(data_file), now=NOW)
    with client_for(running) as client:
        listed = client.get(list_path(running.auth_id)).json()
        assert listed["objects"] == [GIVEN[1], GIVEN[0]]  # newest first (16:15 +05:30 is 10:45Z)
        one = client.get(f"{list_path(running.auth_id)}given-1/").json()
        assert one.pop("api_id") and one == GIVEN[0]
        assert client.get(f"{list_path(running.auth_id)}given-2/").json() == GIVEN[1]
        narrowed = client.get(
            list_path(running.auth_id), params={"to_number": "sip:alice@phone.plivo.com"}
        ).json()
        assert narrowed["objects"] == [GIVEN[1]]
    media = httpx.get(f"{running.base_url}/v1/Account/{running.auth_id}/Recording/given-1.wav")
    header = wav_header(media.content)
    assert header["data_size"] / header["byte_rate"] == pytest.approx(345.1, abs=0.01)


def test_objects_the_client_cannot_parse_are_served_too(make_emulator) -> None:
    broken = [
        {"recording_id": "no-time", "add_time": "last tuesday", "recording_format": "wav"},
        {"add_time": "2026-02-28 10:00:00+00:00", "note": "no id"},
        "not even an object",
    ]
    running = make_emulator(data=[GIVEN[0], *broken], now=NOW)
    with client_for(running) as client:
        # Without a readable add_time an object cannot be excluded by time: it is in every window.
        for params in ({}, {"add_time__lt": "2020-01-01 00:00"}):
            listed = client.get(list_path(running.auth_id), params=params).json()
            assert listed["objects"][-3:] == broken
        assert listed["meta"]["total_count"] == 3
        one = client.get(f"{list_path(running.auth_id)}no-time/").json()
        assert one.pop("api_id") and one == broken[0]
        assert client.delete(f"{list_path(running.auth_id)}no-time/").status_code == 204
    media = httpx.get(f"{running.base_url}/recordings_2013/given-1.wav")
    assert media.status_code == 200


def test_the_same_seed_gives_the_same_data(make_emulator) -> None:
    first, again = Emulator(seed=3, count=500, now=NOW), Emulator(seed=3, count=500, now=NOW)
    assert first.accounts == again.accounts
    assert first.store.snapshot() == again.store.snapshot()
    other = Emulator(seed=4, count=500, now=NOW)
    assert other.account != first.account
    assert [r.recording_id for r in other.store.snapshot()] != [
        r.recording_id for r in first.store.snapshot()
    ]
    # And over HTTP, media bytes included.
    servers = [make_emulator(seed=3, count=500, now=NOW) for _ in range(2)]
    pages, media = [], []
    for running in servers:
        with client_for(running) as client:
            objects = client.get(list_path(running.auth_id)).json()["objects"]
        for obj in objects:
            obj["recording_url"] = obj["recording_url"].removeprefix(running.base_url)
        pages.append(objects)
        rec = media_recording(running, "mp3")
        media.append(httpx.get(media_url(running, rec)).content)
    assert pages[0] == pages[1] and media[0] == media[1]


def test_generated_data_has_the_variety_clients_must_handle() -> None:
    rows = Emulator(seed=1, count=3000, now=NOW).store.snapshot()
    assert {r.recording_type for r in rows} == {"call", "normal", "conference"}
    assert {None, "", "noname"} <= {r.conference_name for r in rows if r.recording_type}
    assert any(r.mpc_uuid for r in rows) and any(r.conference_uuid for r in rows)
    assert {r.recording_format for r in rows} == {"mp3", "wav"}
    assert any((r.to_number or "").startswith("sip:") for r in rows)
    assert any(r.from_number is None for r in rows)  # old objects predate from/to numbers
    durations = sorted(r.duration_s for r in rows)
    assert durations[0] >= 3 and durations[-1] <= 3600 and durations[len(rows) // 2] < 120
    assert any(d > 20 * 60 for d in durations)
    assert min(r.add_time for r in rows) >= NOW - timedelta(days=400)
    assert max(r.add_time for r in rows) <= NOW


# --- command line -----------------------------------------------------------------------------


def test_command_line_serves_and_prints_its_credentials(tmp_path) -> None:
    command = ["--port", "0", "--seed", "4", "--count", "30", "--quiet", "--rate-limit", "100/5"]
    with emulator_process(command, tmp_path) as child:
        main, subs = make_accounts(4)
        banner = "\n".join(child.banner)
        assert f"main account  {main.auth_id}  token {main.auth_token}" in banner
        assert all(sub.auth_id in banner for sub in subs)
        assert "add_time      +05:30; storage figures as numbers" in banner
        listed = httpx.get(
            f"{child.base_url}/v1/Account/{main.auth_id}/Recording/", auth=tuple(main)
        )
        assert listed.status_code == 200
        assert listed.json()["objects"][0]["add_time"].endswith("+05:30")
        assert child.stop() == 0


def test_command_line_offset_and_number_style(tmp_path) -> None:
    command = ["--port", "0", "--count", "5", "--quiet", "--utc-offset=-08:00"]
    with emulator_process([*command, "--numbers-as-strings"], tmp_path) as child:
        main, _ = make_accounts(0)
        one = httpx.get(
            f"{child.base_url}/v1/Account/{main.auth_id}/Recording/",
            params={"recording_storage_duration__gte": "1"},  # all time, not the last 7 days
            auth=tuple(main),
        ).json()["objects"][0]
        assert one["add_time"].endswith("-08:00")
        assert one["recording_storage_rate"] == "0.0004"
        assert child.stop() == 0
    bad = subprocess.run(
        [sys.executable, "-m", "rectui.emulator", "--utc-offset", "5:30"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "use ±HH:MM" in bad.stderr


def test_command_line_rejects_bad_arguments(capsys) -> None:
    bad = (["--rate-limit", "lots"], ["--auth-id", "MAONLY"], ["--count", "-1"], ["--now", "soon"])
    for argv in bad:
        with pytest.raises(SystemExit) as exited:
            emulator_main(argv)
        assert exited.value.code == 2
    errors = capsys.readouterr().err
    assert "rate limit" in errors and "YYYY-MM-DD HH:MM" in errors


def test_command_line_freezes_the_clock_at_a_utc_moment() -> None:
    assert build_parser().parse_args(["--now", "2025-06-01 12:00"]).now == datetime(
        2025, 6, 1, 12, 0, tzinfo=UTC
    )
    assert build_parser().parse_args(["--now", "2025-06-01T14:00+02:00"]).now == datetime(
        2025, 6, 1, 12, 0, tzinfo=UTC
    )
