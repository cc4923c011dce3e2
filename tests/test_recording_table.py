"""The virtualized recording table, driven by keys in a tiny host app, over a real Listing
against the emulator on loopback. What a user sees is read from the rendered lines."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_helpers import no_coroutine_left_unawaited
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot

from rectui.emulator import Emulator, LoggedRequest, RunningEmulator
from rectui.listing import DEFAULT_COLUMNS, Listing, Unavailable
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import RateLimiter
from rectui.ui.widgets.recording_table import (
    COLUMNS,
    RecordingTable,
    layout_columns,
    safe_text,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BIG = 20_000
"""Generated over the 400 days before NOW: 14 windows of at most 30 days."""
ALL_TIME = RecordingFilter().with_time_range(NOW - timedelta(days=401), NOW)
LAST_WEEK = RecordingFilter().with_time_range(NOW - timedelta(days=7), NOW)

MARKUP_NAME = "[bold red]x[/]"
ESCAPE_NAME = "\x1b[31mred"


def _object(number: int, **fields: Any) -> dict[str, Any]:
    """A recording object as Plivo sends it (numbers as strings, like the documentation)."""
    add_time = NOW - timedelta(minutes=10 * (number + 1))
    return {
        "recording_id": f"rec-{number:04d}",
        "add_time": add_time.strftime("%Y-%m-%d %H:%M:%S") + "+00:00",
        "recording_type": "conference",
        "recording_format": "mp3",
        "conference_name": f"standup {number}",
        "recording_duration_ms": "61000.00000",
        "rounded_recording_duration": "60",
        "recording_storage_duration": "3",
        "recording_storage_rate": "0.0004",
        "monthly_recording_storage_amount": "0",
        "from_number": "+14155550100",
        "to_number": "sip:alice@phone.plivo.com",
        **fields,
    }


SMALL_DATA = [
    _object(0, conference_name=MARKUP_NAME),
    _object(1, conference_name=ESCAPE_NAME),
    _object(2, conference_name="tab\there\u202eevil"),
    *(_object(n) for n in range(3, 120)),
]


@pytest.fixture
def big(make_emulator: Callable[..., RunningEmulator]) -> RunningEmulator:
    return make_emulator(seed=5, count=BIG, now=NOW)


@pytest.fixture
def small(make_emulator: Callable[..., RunningEmulator]) -> RunningEmulator:
    return make_emulator(data=SMALL_DATA, now=NOW)


async def _no_wait(_: float) -> None:
    """Retry backoff without the wait: the tests count requests, not seconds."""


@pytest.fixture
async def big_client(big: RunningEmulator) -> AsyncIterator[PlivoClient]:
    async for client in _client(big):
        yield client


@pytest.fixture
async def small_client(small: RunningEmulator) -> AsyncIterator[PlivoClient]:
    async for client in _client(small):
        yield client


async def _client(running: RunningEmulator) -> AsyncIterator[PlivoClient]:
    async with PlivoClient(
        Credentials(*running.auth),
        base_url=running.base_url,
        limiter=RateLimiter(1_000_000, 1.0),
        sleep=_no_wait,
    ) as client:
        yield client


class Host(App[None]):
    """Just the table, full screen, recording the messages it posts."""

    def __init__(self, listing: Listing | None, *, utc: bool = False) -> None:
        super().__init__()
        self._listing = listing
        self._utc = utc
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield RecordingTable(self._listing, utc=self._utc, id="table")

    def on_mount(self) -> None:
        self.query_one(RecordingTable).focus()

    def on_recording_table_highlighted(self, message: RecordingTable.Highlighted) -> None:
        self.messages.append(message)

    def on_recording_table_selected(self, message: RecordingTable.Selected) -> None:
        self.messages.append(message)

    def on_recording_table_load_failed(self, message: RecordingTable.LoadFailed) -> None:
        self.messages.append(message)

    def on_recording_table_marks_changed(self, message: RecordingTable.MarksChanged) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


async def settle(pilot: Pilot[None]) -> None:
    """Until every scheduled fetch has run and its rows are painted, and the Highlighted
    message for the cursor's resting place has been posted (a burst of moves is announced
    once the cursor rests for HIGHLIGHT_QUIET_S)."""
    table = pilot.app.query_one(RecordingTable)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not table.is_loading and not table.highlight_pending:
            return
    raise AssertionError("the table kept loading")


def screen_lines(table: RecordingTable) -> list[str]:
    """What the table shows, line by line (line 0 is the header)."""
    return [table.render_line(y).text for y in range(table.size.height)]


def list_requests(emulator: Emulator) -> list[LoggedRequest]:
    return [r for r in emulator.request_log if r.method == "GET" and r.path.endswith("/Recording/")]


def window_start(query: dict[str, str]) -> str | None:
    return query.get("add_time__gte") or query.get("add_time__gt")


# -- loading -----------------------------------------------------------------------------------


async def test_first_screen_shows_placeholders_then_rows(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    emulator = small.emulator
    gate = emulator.hold("/Recording/", method="GET")  # pages come when the test says
    listing = Listing(small_client, LAST_WEEK, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(120, 32)) as pilot:
        table = app.query_one(RecordingTable)
        await pilot.pause()
        assert "Loading recordings…" in screen_lines(table)[1]

        await gate.until_held(1)
        gate.release(1)  # the first page only
        await listing.open()  # shared with the table's own open: returns when it has
        await pilot.pause()
        lines = screen_lines(table)
        # open() brought page 0 (rows 0–19); rows 20+ are still on their way.
        assert "standup 19" in lines[20]
        assert all("loading…" in line for line in lines[21:]), lines[21:]
        assert table.is_loading

        await gate.until_held(1)
        gate.release()
        await settle(pilot)
        lines = screen_lines(table)
        assert "standup 20" in lines[21] and "standup 30" in lines[31]
        assert not any("loading" in line for line in lines)
        # Viewport (31 rows) plus one screen ahead: pages 0–3, and nothing further.
        offsets = sorted(int(r.query["offset"]) for r in list_requests(emulator))
        assert offsets == [0, 20, 40, 60]


async def test_open_failure_is_reported_and_r_retries(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    emulator = small.emulator
    emulator.fail_next("/Recording/", status=503, times=None, method="GET")
    app = Host(Listing(small_client, LAST_WEEK, now=NOW))
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        (failed,) = app.of(RecordingTable.LoadFailed)
        assert "503" in str(failed.error)
        assert "Could not load recordings" in screen_lines(table)[1]

        emulator.clear_faults()
        table.reload()
        await settle(pilot)
        assert "standup 0" not in screen_lines(table)[1]  # row 0 is the markup one
        assert MARKUP_NAME in screen_lines(table)[1]


# -- keys --------------------------------------------------------------------------------------


async def test_keys_move_the_cursor_and_the_viewport(
    big: RunningEmulator, big_client: PlivoClient
) -> None:
    listing = Listing(big_client, ALL_TIME, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(120, 22)) as pilot:  # 21 data rows under the header
        table = app.query_one(RecordingTable)
        await settle(pilot)
        assert table.total == BIG
        assert table.cursor_index == 0 and table.scroll_offset.y == 0

        await pilot.press("j", "j", "down")
        assert table.cursor_index == 3
        await pilot.press("k", "up")
        assert table.cursor_index == 1 and table.scroll_offset.y == 0

        await pilot.press("ctrl+d")  # half a page: cursor and viewport move together
        assert table.cursor_index == 11 and table.scroll_offset.y == 10
        await pilot.press("ctrl+u")
        assert table.cursor_index == 1 and table.scroll_offset.y == 0

        await pilot.press("pagedown")
        assert table.cursor_index == 22 and table.scroll_offset.y == 21
        await pilot.press("pageup")
        assert table.cursor_index == 1 and table.scroll_offset.y == 0

        for _ in range(20):
            await pilot.press("j")
        assert table.cursor_index == 21 and table.scroll_offset.y == 1  # scrolled by one

        await pilot.press("G")
        assert table.cursor_index == BIG - 1
        assert table.scroll_offset.y == BIG - 21  # the last row on the last line
        await settle(pilot)
        lines = screen_lines(table)
        assert table.current is not None
        assert table.current.recording_id == listing.get(BIG - 1).recording_id
        assert lines[-1].startswith("  " + table.current.add_time.astimezone().strftime("%Y-"))

        await pilot.press("g")
        assert table.cursor_index == 0 and table.scroll_offset.y == 0
        await pilot.press("end")
        assert table.cursor_index == BIG - 1
        await pilot.press("home")
        assert table.cursor_index == 0

        # Set by a program (e.g. "go to" from the cost view): clamped, brought into view,
        # announced.
        table.cursor_index = BIG + 100
        assert table.cursor_index == BIG - 1
        assert table.scroll_offset.y == BIG - 21
        await settle(pilot)
        assert app.of(RecordingTable.Highlighted)[-1].index == BIG - 1
        table.cursor_index = -5
        assert table.cursor_index == 0 and table.scroll_offset.y == 0
        await pilot.press("k")  # already at the top: stays
        assert table.cursor_index == 0


async def test_end_jump_fetches_only_the_last_pages(
    big: RunningEmulator, big_client: PlivoClient
) -> None:
    emulator = big.emulator
    listing = Listing(big_client, ALL_TIME, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        oldest_window = listing.window_filters[-1].add_time__gte
        oldest_total = listing.window_totals[-1]
        assert oldest_total > 200  # so "the middle" of the last window exists
        emulator.request_log.clear()

        await pilot.press("G")
        await settle(pilot)

        requests = list_requests(emulator)
        assert 1 <= len(requests) <= 3, requests
        for request in requests:
            # Only the oldest window, and only its final pages: nothing scrolled past.
            assert window_start(request.query) == oldest_window
            assert int(request.query["offset"]) >= oldest_total - 60
        lines = screen_lines(table)
        assert not any("loading" in line for line in lines)
        assert table.current is not None and table.current is listing.get(BIG - 1)


async def test_a_fetch_stopped_before_it_starts_leaves_no_coroutine_unawaited(
    big: RunningEmulator, big_client: PlivoClient
) -> None:
    # G then g in one go: the fetch for the end is stopped before its worker ever ran.
    listing = Listing(big_client, ALL_TIME, now=NOW)
    app = Host(listing)
    with no_coroutine_left_unawaited():
        async with app.run_test(size=(120, 30)) as pilot:
            table = app.query_one(RecordingTable)
            await settle(pilot)
            table.action_last()
            table.action_first()
            await settle(pilot)
        del app, table


async def test_highlighted_and_selected(small: RunningEmulator, small_client: PlivoClient) -> None:
    listing = Listing(small_client, LAST_WEEK, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        first = app.of(RecordingTable.Highlighted)[-1]
        assert first.index == 0 and first.recording.recording_id == "rec-0000"

        await pilot.press("j", "j", "j")
        await settle(pilot)
        # A burst of moves is announced once, where the cursor came to rest.
        assert [m.index for m in app.of(RecordingTable.Highlighted)][-1:] == [3]
        last = app.of(RecordingTable.Highlighted)[-1]
        assert last.index == 3 and last.recording.recording_id == "rec-0003"
        assert last.control is table

        await pilot.press("enter")
        (selected,) = app.of(RecordingTable.Selected)
        assert selected.recording.recording_id == "rec-0003" and selected.index == 3


async def test_cursor_row_styled_apart_focused_or_not(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    app = Host(Listing(small_client, LAST_WEEK, now=NOW))
    async with app.run_test(size=(100, 8)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)

        def background(y: int) -> Any:
            return next(iter(table.render_line(y))).style.bgcolor

        focused = background(1)
        assert focused != background(2)  # the cursor row stands out
        app.set_focus(None)
        await pilot.pause()
        blurred = background(1)
        assert blurred not in (focused, background(2))  # and differently without focus


async def test_click_moves_the_cursor_and_double_click_selects(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    app = Host(Listing(small_client, LAST_WEEK, now=NOW))
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        await pilot.click(RecordingTable, offset=(10, 4))  # line 4: row 3
        assert table.cursor_index == 3
        await pilot.click(RecordingTable, offset=(10, 0))  # the header: nothing
        assert table.cursor_index == 3
        await pilot.double_click(RecordingTable, offset=(10, 2))
        assert table.cursor_index == 1
        (selected,) = app.of(RecordingTable.Selected)
        assert selected.recording.recording_id == "rec-0001"


# -- marks -------------------------------------------------------------------------------------


async def test_marks_survive_set_listing(small: RunningEmulator, small_client: PlivoClient) -> None:
    listing = Listing(small_client, LAST_WEEK, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        await pilot.press("space", "space")  # marks row 0, steps on, marks row 1
        assert table.marked == {"rec-0000", "rec-0001"}
        assert table.cursor_index == 2
        assert [m.count for m in app.of(RecordingTable.MarksChanged)] == [1, 2]
        lines = screen_lines(table)
        assert lines[1].startswith("● ") and lines[2].startswith("● ")
        assert lines[3].startswith("  ")

        await pilot.press("k", "space")  # space on a marked row unmarks it
        assert table.marked == {"rec-0000"}

        replacement = Listing(small_client, LAST_WEEK, now=NOW)
        table.set_listing(replacement)
        await settle(pilot)
        assert table.listing is replacement and table.cursor_index == 0
        assert table.marked == {"rec-0000"}
        assert [r.recording_id for r in table.marked_recordings] == ["rec-0000"]
        lines = screen_lines(table)
        assert lines[1].startswith("● ") and not lines[2].startswith("●")

        table.clear_marks()
        await pilot.pause()
        assert table.marked == set() and app.of(RecordingTable.MarksChanged)[-1].count == 0
        assert not screen_lines(table)[1].startswith("●")


async def test_unloaded_rows_cannot_be_marked(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    emulator = small.emulator
    listing = Listing(small_client, LAST_WEEK, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        emulator.fail_next("/Recording/", status=500, times=None, method="GET")
        await pilot.press("G")
        await settle(pilot)
        assert table.current is None
        await pilot.press("space")
        assert table.marked == set()
        assert not app.of(RecordingTable.MarksChanged)


async def test_set_listing_can_keep_the_cursor(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    app = Host(Listing(small_client, LAST_WEEK, now=NOW))
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        await pilot.press("pagedown", "j")
        index, top = table.cursor_index, table.scroll_offset.y
        table.set_listing(Listing(small_client, LAST_WEEK, now=NOW), keep_cursor=True)
        await settle(pilot)
        assert (table.cursor_index, table.scroll_offset.y) == (index, top)
        assert table.current is not None and table.current.recording_id == f"rec-{index:04d}"


async def test_remove_recording_keeps_the_cursor_index(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    listing = Listing(small_client, LAST_WEEK, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        total = table.total
        await pilot.press("j", "j", "j", "j", "j", "space")  # mark row 5, cursor to 6
        await pilot.press("k")
        assert table.current is not None and table.current.recording_id == "rec-0005"

        assert table.remove_recording("rec-0005")
        await settle(pilot)
        assert table.total == total - 1 and table.cursor_index == 5
        assert table.current is not None and table.current.recording_id == "rec-0006"
        assert table.marked == set()  # a deleted recording is no longer marked
        assert "standup 6" in screen_lines(table)[6]
        assert not any("standup 5 " in line for line in screen_lines(table))

        await pilot.press("G")
        await settle(pilot)
        last = table.current
        assert last is not None and table.remove_recording(last.recording_id)
        await settle(pilot)
        assert table.cursor_index == table.total - 1  # clamped to the new last row


# -- what is drawn -----------------------------------------------------------------------------


async def test_server_strings_render_literally(
    small: RunningEmulator, small_client: PlivoClient
) -> None:
    app = Host(Listing(small_client, LAST_WEEK, now=NOW))
    async with app.run_test(size=(160, 8)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        lines = screen_lines(table)
        assert MARKUP_NAME in lines[1]  # not bold, not red: the very characters
        assert "␛[31mred" in lines[2]  # the escape is shown, not sent to the terminal
        assert "tab␉here\ufffdevil" in lines[3]
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in "".join(lines))
        # Markup was not applied: the name is drawn in the row's own style, like the
        # timestamp beside it (row 1 without the cursor on it).
        await pilot.press("j", "j")
        styles = {}
        for segment in table.render_line(1):
            if MARKUP_NAME in segment.text:
                styles["name"] = segment.style
            if "2025-06-01" in segment.text:
                styles["time"] = segment.style
        assert styles["name"] == styles["time"]
        assert not styles["name"].bold and styles["name"].color != styles["name"].parse("red").color


async def test_columns_adapt_to_width(small: RunningEmulator, small_client: PlivoClient) -> None:
    app = Host(Listing(small_client, LAST_WEEK, now=NOW))
    async with app.run_test(size=(52, 10)) as pilot:  # 80 columns less a 28-column sidebar
        table = app.query_one(RecordingTable)
        await settle(pilot)
        header = screen_lines(table)[0]
        for title in ("Added", "Type", "Who", "Dur", "$/mo"):
            assert title in header
        row = screen_lines(table)[4]
        assert " conf " in row and "1:01" in row and "$0.0000" in row  # "conference", abridged
        assert re.match(r"  \d\d-\d\d \d\d:\d\d conf ", row), row  # no year, no seconds
        assert len(row) == table.size.width

        await pilot.resize_terminal(80, 10)  # the narrow app: the table has the whole width
        await settle(pilot)
        header = screen_lines(table)[0]
        for title in ("Added", "Type", "Who", "Duration", "Fmt", "Days", "$/month"):
            assert title in header
        assert "standup 3" in screen_lines(table)[4]

        await pilot.resize_terminal(170, 10)
        await settle(pilot)
        header = screen_lines(table)[0]
        assert "Type" in header and "Added ▼" in header  # newest first: the server's order
        row = screen_lines(table)[4]
        assert re.match(r"  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  conference ", row), row


async def test_utc_timestamps(small: RunningEmulator, small_client: PlivoClient) -> None:
    app = Host(Listing(small_client, LAST_WEEK, now=NOW), utc=True)
    async with app.run_test(size=(120, 6)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        lines = screen_lines(table)
        assert "Added (UTC)" in lines[0]
        assert lines[1].startswith("  2025-06-01 11:50:00 ")  # rec-0000: NOW - 10 minutes


async def test_server_error_posts_load_failed_and_keeps_rows(
    big: RunningEmulator, big_client: PlivoClient
) -> None:
    emulator = big.emulator
    listing = Listing(big_client, ALL_TIME, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        top_rows = screen_lines(table)[1:]
        emulator.fail_next("/Recording/", status=500, times=None, method="GET")

        await pilot.press("G")
        await settle(pilot)
        (failed,) = app.of(RecordingTable.LoadFailed)  # one message, not one per page
        assert "500" in str(failed.error)
        lines = screen_lines(table)
        assert all("not loaded" in line for line in lines[1:]), lines
        assert table.current is None

        await pilot.press("g")  # what was loaded is still there
        await settle(pilot)
        assert screen_lines(table)[1:] == top_rows
        assert len(app.of(RecordingTable.LoadFailed)) == 1  # no new requests, no new errors

        emulator.clear_faults()
        await pilot.press("G")
        table.reload()
        await settle(pilot)
        lines = screen_lines(table)
        assert not any("not loaded" in line or "loading" in line for line in lines)
        assert table.current is listing.get(BIG - 1)


async def test_unavailable_rows_say_why(small: RunningEmulator, small_client: PlivoClient) -> None:
    emulator = small.emulator
    objects = [_object(0), {"recording_id": "broken-1", "add_time": "yesterday"}, _object(2)]
    meta = {"limit": 20, "offset": 0, "next": None, "previous": None, "total_count": 3}
    body = json.dumps({"api_id": "t", "meta": meta, "objects": objects}).encode()
    emulator.fail_next("/Recording/", status=200, method="GET", body=body)
    listing = Listing(small_client, LAST_WEEK, now=NOW)
    app = Host(listing)
    async with app.run_test(size=(120, 8)) as pilot:
        table = app.query_one(RecordingTable)
        await settle(pilot)
        assert isinstance(listing.get(2), Unavailable)
        lines = screen_lines(table)
        assert "standup 0" in lines[1] and "standup 2" in lines[2]
        assert "unavailable: recording broken-1: bad add_time" in lines[3]
        await pilot.press("G")
        assert table.current is None


# -- pure helpers ------------------------------------------------------------------------------


def test_safe_text_neutralises_terminal_controls() -> None:
    assert safe_text("plain") == "plain"
    assert safe_text(MARKUP_NAME) == MARKUP_NAME
    assert safe_text("\x1b[31mred\x07") == "␛[31mred␇"
    assert safe_text("a\nb\rc\x7f\x9b") == "a␊b␍c␡\ufffd"
    assert safe_text("rtl\u202eoverride\u200bzw") == "rtl\ufffdoverride\ufffdzw"
    assert safe_text("non\u00a0breaking") == "non breaking"
    assert safe_text("会議") == "会議"  # wide characters are fine (and measured as 2 cells)


@pytest.mark.parametrize("width", [10, 30, 50, 52, 78, 100, 118, 160, 240])
def test_layout_fits_and_keeps_priorities(width: int) -> None:
    layout = layout_columns(width)
    used = 2 + sum(w for _, w in layout.columns) + layout.gap * (len(layout.columns) - 1)
    assert used <= max(width, 13)
    keys = layout.keys
    assert keys[0] == "added"
    if width >= 50:
        assert {"added", "who", "duration", "money"} <= set(keys)
    if width >= 78:
        assert set(keys) == set(DEFAULT_COLUMNS)
    # Display order is the configured order, whatever was dropped.
    assert list(keys) == [k for k in DEFAULT_COLUMNS if k in keys]
    # A column is only ever dropped for want of room, even at its narrowest.
    for key in (k for k in DEFAULT_COLUMNS if k not in keys):
        column = COLUMNS[key]
        narrowest = min(column.steps[0] if column.steps else column.min_width, column.width)
        assert used + 1 + narrowest > width, key
