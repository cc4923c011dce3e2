"""Filter validation: the server's rules, each message naming its field."""

from datetime import UTC, datetime, timedelta

import pytest

from rectui.plivo.filters import FilterError, RecordingFilter
from rectui.plivo.rules import format_filter_time, parse_filter_time, split_windows

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def fields_in_error(flt: RecordingFilter, **kwargs: bool) -> set[str]:
    return {e.field for e in flt.errors(now=NOW, **kwargs)}


def test_empty_filter_is_valid_and_sends_nothing() -> None:
    assert RecordingFilter().errors(now=NOW) == []
    assert RecordingFilter().to_params() == {}


def test_every_documented_parameter_is_sent_as_a_string() -> None:
    flt = RecordingFilter(
        from_number="+14155550123", to_number="sip:bob@phone.plivo.com", subaccount="SA" + "X" * 18,
        call_uuid="c2c128e2", add_time__gte="2026-11-01 00:00", add_time__lt="2026-11-20 00:00",
        mpc_name="standup", mpc_uuid="m-1", conference_name="sales", conference_uuid="cf-1",
        limit="20", offset="40",
    )  # fmt: skip
    assert flt.errors(now=NOW) == []
    params = flt.to_params()
    assert params["add_time__gte"] == "2026-11-01 00:00"
    assert params["limit"] == "20" and params["offset"] == "40"
    assert all(isinstance(v, str) for v in params.values())
    assert len(params) == 12


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"from_number": "hello"}, "from_number"),
        ({"to_number": "+0123"}, "to_number"),
        ({"add_time__gte": "2026/11/01"}, "add_time__gte"),
        ({"add_time__lt": "2026-02-30 00:00"}, "add_time__lt"),
        ({"add_time__gt": "2026-11-01 00:00", "add_time__gte": "2026-11-01 00:00"}, "add_time__gte"),
        ({"add_time__gte": "2026-11-20 00:00", "add_time__lt": "2026-11-01 00:00"}, "add_time__lt"),
        ({"add_time__gte": "2026-09-01 00:00", "add_time__lt": "2026-11-01 00:00"}, "add_time__gte"),
        ({"add_time__gte": "2026-09-01 00:00"}, "add_time__gte"),
        ({"recording_storage_duration__gt": "-1"}, "recording_storage_duration__gt"),
        ({"recording_storage_duration": "ten"}, "recording_storage_duration"),
        ({"recording_storage_duration__gte": "90", "add_time__gte": "2026-11-20 00:00"},
         "recording_storage_duration__gte"),
        ({"limit": "21"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-20"}, "offset"),
    ],
)  # fmt: skip
def test_invalid_values_name_their_field(changes: dict[str, str], field: str) -> None:
    flt = RecordingFilter(**changes)
    assert field in fields_in_error(flt)
    with pytest.raises(FilterError) as info:
        flt.validate(now=NOW)
    assert field in str(info.value)


def test_long_spans_are_allowed_when_the_engine_splits_them() -> None:
    flt = RecordingFilter().with_time_range(NOW - timedelta(days=400), NOW)
    assert "add_time__gte" in fields_in_error(flt)
    assert flt.errors(now=NOW, check_window=False) == []


def test_search_span_defaults_to_the_last_seven_days() -> None:
    assert RecordingFilter().search_span(NOW) == (NOW - timedelta(days=7), NOW)
    upper = NOW - timedelta(days=2)
    flt = RecordingFilter(add_time__lt=format_filter_time(upper))
    assert flt.search_span(NOW) == (upper - timedelta(days=7), upper)


def test_a_storage_filter_searches_all_time() -> None:
    lower, upper = RecordingFilter(recording_storage_duration__gt="90").search_span(NOW)
    assert upper == NOW and lower.year == 1


def test_time_format_round_trip_and_fractions() -> None:
    moment = parse_filter_time("2026-11-25 10:11:12.5")
    assert moment == datetime(2026, 11, 25, 10, 11, 12, 500000, tzinfo=UTC)
    assert format_filter_time(moment) == "2026-11-25 10:11:12.500000"
    assert parse_filter_time("2026-11-25 10:11") == datetime(2026, 11, 25, 10, 11, tzinfo=UTC)


def test_split_windows_newest_first_and_at_most_30_days() -> None:
    start, end = NOW - timedelta(days=400), NOW
    windows = split_windows(start, end)
    assert len(windows) == 14
    assert windows[0][1] == end and windows[-1][0] == start
    assert all(b - a <= timedelta(days=30) for a, b in windows)
    assert all(windows[i][0] == windows[i + 1][1] for i in range(len(windows) - 1))


# -- what people type: the rules the TUI's sidebar and the CLI's flags share -------------------


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("+1 415 555 0123", "+14155550123"),
        ("+1 (415) 555-0123", "+14155550123"),
        ("1-415-555-0123", "+14155550123"),
        ("+44 7700.900123", "+447700900123"),
        ("sip:dave@phone.plivo.com", "sip:dave@phone.plivo.com"),
        ("+1 415 CALL-ME", "+1 415 CALL-ME"),  # not a number: left for the message
    ],
)
def test_numbers_accept_spaces_and_dashes_and_become_e164(typed: str, sent: str) -> None:
    flt = RecordingFilter(from_number=typed, to_number=typed).normalised()
    assert (flt.from_number, flt.to_number) == (sent, sent)


def test_a_bare_date_means_its_midnight_utc() -> None:
    flt = RecordingFilter(add_time__gte="2026-11-01", add_time__lt="2026-11-20T10:30Z").normalised()
    assert flt.errors(now=NOW) == []
    assert flt.time_bounds() == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 20, 10, 30, tzinfo=UTC),
    )


def test_ids_are_checked_only_when_asked_as_the_server_matches_anything() -> None:
    bad = RecordingFilter(
        call_uuid="c2c128e2", conference_uuid="cf-1", mpc_uuid="m-1", subaccount="SA123"
    )
    assert bad.errors(now=NOW) == []  # the emulator, like Plivo, just finds nothing
    assert fields_in_error(bad, check_ids=True) == {
        "call_uuid", "conference_uuid", "mpc_uuid", "subaccount",
    }  # fmt: skip
    good = RecordingFilter(
        # Plivo's own example id is not hex: the shape is what is checked.
        call_uuid="c2186400-1c8c-11e4-a664-0026b945b52x",
        conference_uuid="0B9C8D4E-1C8C-41E4-9BFF-1DB8A9DB0432",
        subaccount=" sa" + "ab12" * 4 + "z9 ",
    ).normalised()
    assert good.errors(now=NOW, check_ids=True) == []
    assert good.subaccount == "SA" + "AB12" * 4 + "Z9"
