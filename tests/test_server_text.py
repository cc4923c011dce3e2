"""The core rules for hostile values: the sanitiser, safe JSON, CSV cells, bounded numbers,
recording paths and URLs."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient, parse_json, recording_id_problem
from rectui.plivo.errors import InvalidIdError, ServerError
from rectui.plivo.models import Recording
from rectui.plivo.urls import http_url_problem
from rectui.server_text import csv_cell, safe_json, safe_text


def test_safe_text_is_one_visible_line_and_idempotent() -> None:
    hostile = "\x1b]0;PWNED\x07\x9b2J\u202e\r\n\x00\ud800"
    shown = safe_text(hostile)
    assert shown == "␛]0;PWNED␇\ufffd2J\ufffd␍␊␀\ufffd"
    assert shown.isprintable() and safe_text(shown) == shown
    assert safe_text(12.5) == "12.5"


def test_safe_json_is_valid_json_with_every_control_escaped() -> None:
    value = {"name": "\x1b[2J\x9b\u202e\x7f\U000e0001\ud800 café", "n": float("inf"), "x": [1.5]}
    text = safe_json(value, indent=2)
    assert text.replace("\n", "").isprintable()
    assert "café" in text  # printable text stays readable
    assert json.loads(text) == value | {"n": None}  # JSON has no Infinity: null
    for escaped in ("\\u001b", "\\u009b", "\\u202e", "\\u007f", "\\udb40\\udc01", "\\ud800"):
        assert escaped in text


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1 555 cmd", "'+1 555 cmd"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+14155550100", "+14155550100"),  # E.164
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("1e5", "1e5"),
        ("standup", "standup"),
        ("", ""),
    ],
)
def test_csv_cells_never_run_as_formulas(cell: str, written: str) -> None:
    assert csv_cell(cell) == written


@pytest.mark.parametrize(
    "value",
    ["1e5000", "1e1000000", "1e400", "-1e400", float("inf"), "NaN", "9" * 41, 2**70, "1e15"],
)
def test_an_out_of_range_number_makes_only_that_field_unavailable(value: object) -> None:
    started = time.monotonic()
    obj = {
        "recording_id": "r1",
        "add_time": "2026-11-30 10:00:00+00:00",
        "recording_storage_duration": value,
        "recording_duration_ms": value,
        "rounded_recording_duration": value,
        "monthly_recording_storage_amount": value,
        "from_number": "+14155550100",
    }
    rec = Recording.from_api(obj)
    assert time.monotonic() - started < 0.5  # "1e1000000" once took 35 s
    assert rec.recording_storage_duration is None and rec.recording_duration_ms is None
    assert rec.rounded_recording_duration is None
    assert rec.monthly_recording_storage_amount is None
    assert rec.from_number == "+14155550100"  # the row is kept


def test_numbers_in_range_are_kept() -> None:
    obj = {"recording_id": "r", "add_time": "2026-11-30 10:00:00", "recording_duration_ms": "1e-3",
           "recording_storage_duration": "999999999999999", "recording_storage_rate": "0E-100000"}  # fmt: skip
    rec = Recording.from_api(obj)
    assert rec.recording_duration_ms == 0.001
    assert rec.recording_storage_duration == 999_999_999_999_999
    assert rec.recording_storage_rate == 0


@pytest.mark.parametrize("rid", ["", ".", "..", "a/b", "/", "a\\b", "x\x1b", "\t"])
def test_ids_that_are_not_one_path_segment_are_refused(rid: str) -> None:
    assert recording_id_problem(rid) is not None
    client = PlivoClient(Credentials("MA1", "token"), base_url="http://127.0.0.1:9/api")
    with pytest.raises(InvalidIdError):
        client.recording_path(rid)


@pytest.mark.parametrize("rid", ["c2186400-1c8c-4f5d", "a b", "%2E%2E", "x?y#z", "...", "é"])
def test_other_ids_address_exactly_their_recording(rid: str) -> None:
    client = PlivoClient(Credentials("MA1", "token"), base_url="http://127.0.0.1:9/api")
    path = client.recording_path(rid)
    assert path.startswith("/v1/Account/MA1/Recording/") and path.count("/") == 6


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "port"),
        ("http://127.0.0.1:99999", "out of range"),
        ("http://127.0.0.1:9/a\tb", "non-printable"),
        ("ftp://x/", "http://"),
        ("http:///x", "no host"),
    ],
)
def test_unusable_urls_are_named(url: str, problem: str) -> None:
    reason = http_url_problem(url)
    assert reason is not None and problem in reason


def test_server_error_text_is_made_visible_at_the_source() -> None:
    error = ServerError("Server error (HTTP 500): \x1b]0;PWNED\x07 boom")
    assert str(error) == "Server error (HTTP 500): ␛]0;PWNED␇ boom"


def test_json_python_cannot_read_is_a_bad_body_or_a_lost_field() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_json(httpx.Response(200, content=b"[" * 100_000))
    huge = b'{"meta": {"total_count": ' + b"9" * 5000 + b'}, "objects": [1e400]}'
    parsed = parse_json(httpx.Response(200, content=huge))
    assert parsed["meta"]["total_count"] == "9" * 5000  # kept as text: only that field is lost
    assert parsed["objects"] == ["1e400"]  # not inf, which JSON output could not hold
