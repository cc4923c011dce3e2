"""Parsing what Plivo really sends: the documentation's strings and the SDK fixtures' numbers."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from rectui.plivo.models import MalformedRecord, Meta, Recording

DOC_EXAMPLE = {
    "add_time": "2020-08-05 16:15:15.852059+05:30",
    "api_id": "7abf0744-1ca0-11e4-a2d1-22000ac5040c",
    "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
    "conference_name": "noname",
    "recording_duration_ms": "345100.00000",
    "recording_end_ms": "1407235509007.00000",
    "recording_format": "mp3",
    "recording_id": "c2186400-1c8c-11e4-a664-0026b945b52x",
    "recording_start_ms": "1407235163907.00000",
    "recording_type": "conference",
    "recording_url": "http://s3.amazonaws.com/recordings_2013/c2186400-1c8c-11e4-a664-0026b945b52x.mp3",
    "resource_uri": "/v1/Account/MA2025RK4E639VJFZAGV/Recording/c2186400-1c8c-11e4-a664-0026b945b52x/",
    "recording_storage_duration": "723",
    "rounded_recording_duration": "3456",
    "recording_storage_rate": "0.0004",
    "monthly_recording_storage_amount": "0.02304",
}

SDK_FIXTURE = {
    "add_time": "2019-07-24 12:11:10+00:00",
    "call_uuid": "0a4d3e4c-0c11-4bb1-a5a4-5e6d8b6e8f77",
    "conference_name": None,
    "recording_duration_ms": 120000,
    "recording_format": "wav",
    "recording_id": "d6a2f9a0-ad1a-11e9-8b1c-0242ac110003",
    "recording_type": "call",
    "recording_url": "https://media.plivo.com/v1/Account/MA2025RK4E639VJFZAGV/Recording/x.wav",
    "recording_storage_duration": 209,
    "rounded_recording_duration": 120,
    "recording_storage_rate": 0.0004,
    "monthly_recording_storage_amount": 0.0008,
    "from_number": "+14155550123",
    "to_number": "sip:alice@phone.plivo.com",
    "brand_new_field": {"nested": True},
}


def test_documentation_example_with_numbers_as_strings() -> None:
    rec = Recording.from_api(DOC_EXAMPLE)
    assert rec.recording_id == "c2186400-1c8c-11e4-a664-0026b945b52x"
    assert rec.add_time == datetime(2020, 8, 5, 10, 45, 15, 852059, tzinfo=UTC)
    assert rec.add_time.utcoffset() == timedelta(hours=5, minutes=30)
    assert rec.duration_s == pytest.approx(345.1)
    assert rec.rounded_recording_duration == 3456
    assert rec.recording_storage_duration == 723
    assert rec.recording_storage_rate == Decimal("0.0004")
    assert rec.monthly_recording_storage_amount == Decimal("0.02304")
    assert rec.recording_start_ms == 1407235163907.0
    assert rec.meeting_name is None, '"noname" is Plivo\'s placeholder, not a name'
    assert rec.extra == {}


def test_sdk_fixture_with_numbers_as_numbers_and_unknown_fields() -> None:
    rec = Recording.from_api(SDK_FIXTURE)
    assert rec.duration_s == 120.0
    assert rec.recording_storage_duration == 209
    assert rec.recording_storage_rate == Decimal("0.0004")
    assert rec.to_number == "sip:alice@phone.plivo.com"
    assert rec.extra == {"brand_new_field": {"nested": True}}
    assert rec.raw == SDK_FIXTURE


@pytest.mark.parametrize(
    ("add_time", "expected_utc"),
    [
        ("2024-01-02 03:04:05.1+00:00", datetime(2024, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
        ("2024-01-02 03:04:05.123456-07:00", datetime(2024, 1, 2, 10, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_add_time_any_offset_and_fraction(add_time: str, expected_utc: datetime) -> None:
    rec = Recording.from_api({"recording_id": "r1", "add_time": add_time})
    assert rec.add_time == expected_utc


@pytest.mark.parametrize("name", [None, "", "noname"])
def test_conference_name_placeholders_mean_no_name(name: str | None) -> None:
    rec = Recording.from_api(
        {"recording_id": "r", "add_time": "2024-01-01 00:00", "conference_name": name}
    )
    assert rec.meeting_name is None


def test_garbage_numbers_become_none_not_errors() -> None:
    rec = Recording.from_api(
        {"recording_id": "r", "add_time": "2024-01-01 00:00", "recording_duration_ms": "n/a",
         "recording_storage_rate": "NaN", "rounded_recording_duration": True}
    )  # fmt: skip
    assert rec.recording_duration_ms is None
    assert rec.recording_storage_rate is None
    assert rec.rounded_recording_duration is None


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ({"add_time": "2024-01-01 00:00"}, "<no id>"),
        ({"recording_id": "abc", "add_time": "yesterday"}, "abc"),
        ({"recording_id": "abc"}, "abc"),
        ("not an object", "<no id>"),
    ],
)
def test_malformed_objects_are_reported_with_their_id(obj: object, fragment: str) -> None:
    with pytest.raises(MalformedRecord) as info:
        Recording.from_api(obj)
    assert fragment in str(info.value)


def test_meta_with_relative_links() -> None:
    meta = Meta.from_api(
        {"limit": 3, "next": "/v1/Account/MA2025RK4E639VJFZAGV/Recording/?limit=3&offset=3",
         "offset": 0, "previous": None, "total_count": "948"}
    )  # fmt: skip
    assert meta.total_count == 948
    assert meta.next == "/v1/Account/MA2025RK4E639VJFZAGV/Recording/?limit=3&offset=3"
    assert meta.previous is None
