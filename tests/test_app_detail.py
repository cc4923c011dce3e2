"""The detail pane: every field readable, the storage arithmetic checked against Plivo's rules, and
server strings shown literally (never as markup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from app_helpers import SIZE, days_ago, iso_z, make_app, notes, screen_text, serve, settle
from textual.widgets import Static

from rectui.plivo.pricing import FREE_STORAGE_DAYS
from rectui.ui.widgets.detail_pane import LABEL_WIDTH

MEDIA = "https://media.plivo.com/v1/Account/MAAPPTEST00000000000/Recording"


def recording(rid: str, *, days: int, duration_ms: float, rounded: int, monthly: str, **extra):
    added = days_ago(days) - timedelta(hours=1)
    start_ms = added.timestamp() * 1000 - duration_ms - 1500
    return {
        "recording_id": rid,
        "add_time": iso_z(added),
        "call_uuid": f"call-{rid}",
        "recording_duration_ms": f"{duration_ms:.5f}",
        "recording_start_ms": f"{start_ms:.5f}",
        "recording_end_ms": f"{start_ms + duration_ms:.5f}",
        "rounded_recording_duration": rounded,
        "recording_storage_duration": str(days),
        "recording_storage_rate": "0.0004",
        "monthly_recording_storage_amount": monthly,
        "recording_format": "mp3",
        "recording_type": "call",
        "recording_url": f"{MEDIA}/{rid}.mp3",
        "resource_uri": f"/v1/Account/MAAPPTEST00000000000/Recording/{rid}/",
        "from_number": "+14155550100",
        "to_number": "sip:alice@phone.plivo.com",
        **extra,
    }


DATA = [
    # Ten days old: storage is still free.
    recording("free-1", days=10, duration_ms=345100, rounded=360, monthly="0.00000"),
    # Plivo's documented example: 0.0004 × 3456 / 60 = 0.02304.
    recording("billed-1", days=200, duration_ms=3456000, rounded=3456, monthly="0.02304"),
    # The server's amount does not follow from its own rate and duration.
    recording("mismatch-1", days=120, duration_ms=600000, rounded=600, monthly="0.05"),
    recording(
        "markup-1",
        days=5,
        duration_ms=61000,
        rounded=120,
        monthly="0",
        conference_name="[bold red]pwned[/]",
        mpc_name="[/]",
        conference_uuid="[link=https://evil.example]click[/link]",
        note="[blink]unknown field[/blink]",
        labels={"team": "[i]sales[/i]"},
    ),
]


@pytest.fixture(scope="module")
def running():
    with serve(data=DATA) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


def detail_text(app) -> str:
    """The pane's whole content as text, however far it scrolls, values folded at the pane's
    width joined up again."""
    content = app.main.detail.query_one("#detail-body", Static).content
    return content.plain.replace("\n" + " " * (LABEL_WIDTH + 1), "")


async def open_app(pilot) -> None:
    """Show a year (every row above) and wait for it."""
    await settle(pilot)
    pilot.app.main.action_quick_range("1y")
    await settle(pilot)


async def highlight(pilot, rid: str) -> None:
    index = pilot.app.main.table.listing.index_of(rid)
    assert index is not None, rid
    pilot.app.main.table.cursor_index = index
    await settle(pilot)
    assert pilot.app.main.detail.recording.recording_id == rid


async def test_every_field_is_shown_readably(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await highlight(pilot, "free-1")
        text = detail_text(app)
        obj = DATA[0]
        added = days_ago(10) - timedelta(hours=1)
        assert "0:05:45.1" in text  # h:mm:ss.s
        assert "billed as 6 min" in text  # 360 s rounded = 6 billable minutes
        assert added.strftime("%Y-%m-%d %H:%M:%S UTC") in text
        assert added.astimezone().strftime("%Y-%m-%d %H:%M:%S") in text  # local time
        start = (added.timestamp() * 1000 - 345100 - 1500) / 1000
        assert datetime.fromtimestamp(start).strftime("%Y-%m-%d %H:%M:%S") in text
        for value in (
            obj["recording_id"],
            obj["call_uuid"],
            obj["recording_url"],
            obj["resource_uri"],
            obj["from_number"],
            obj["to_number"],
            "call",
            "mp3",
            "10 days",
            "$0.0004 /min/month",
        ):
            assert value in text, value


async def test_free_period_shows_days_left_and_no_charge(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await highlight(pilot, "free-1")
        text = detail_text(app)
        ends = (days_ago(10) - timedelta(hours=1) + timedelta(days=FREE_STORAGE_DAYS)).astimezone(
            UTC
        )
        assert f"free for 80 more days (until {ends:%Y-%m-%d})" in text
        assert "Expected      $0.0000  ✓ matches" in text


async def test_billed_recording_matches_plivos_documented_arithmetic(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await highlight(pilot, "billed-1")
        text = detail_text(app)
        assert "billed as 57.6 min" in text
        assert "200 days" in text
        ends = days_ago(200) - timedelta(hours=1) + timedelta(days=FREE_STORAGE_DAYS)
        assert f"free period ended {ends.astimezone(UTC):%Y-%m-%d}" in text
        assert "Monthly       $0.0230" in text
        assert "Expected      $0.0230  ✓ matches" in text
        assert "differs" not in text


async def test_an_amount_that_disagrees_with_the_rules_is_flagged(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await highlight(pilot, "mismatch-1")
        text = detail_text(app)
        assert "Monthly       $0.0500" in text
        # 10 billable minutes × $0.0004 = $0.004, not $0.05.
        assert "Expected      $0.0040  ⚠ differs from the server's amount" in text
        assert "⚠ differs" in screen_text(app)


async def test_markup_in_server_strings_is_shown_literally(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await highlight(pilot, "markup-1")
        shown = screen_text(app)
        text = detail_text(app)
        for literal in ("[bold red]pwned[/]", "[link=https://evil.example]click[/link]", "[/]"):
            assert literal in text, literal
        assert "[bold red]pwned[/]" in shown
        # Fields this version does not know are listed too, as sent.
        assert "note" in text and "[blink]unknown field[/blink]" in text
        assert '{"team": "[i]sales[/i]"}' in text


async def test_enter_focuses_the_details_escape_returns_and_i_toggles_them(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await pilot.press("enter")
        assert app.focused is app.main.detail
        await pilot.press("escape")
        assert app.focused is app.main.table
        await pilot.press("i")
        assert not app.main.detail.display or app.main.detail.region.width == 0
        await pilot.press("i")
        await pilot.pause()
        assert app.main.detail.region.width > 0


async def test_y_copies_the_id_and_shift_y_the_url(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await highlight(pilot, "billed-1")
        await pilot.press("y")
        assert app.clipboard == "billed-1"
        assert any("billed-1" in message for message, _ in notes(app))
        await pilot.press("Y")
        assert app.clipboard == f"{MEDIA}/billed-1.mp3"


async def test_a_recording_made_today_is_day_one_of_its_free_period() -> None:
    # Plivo counts the day a recording is made as day 1 of 90; the server sent no count here.
    added = days_ago(0) - timedelta(hours=1)
    made_today = recording("today-1", days=1, duration_ms=61000, rounded=60, monthly="0")
    del made_today["recording_storage_duration"]
    made_today["add_time"] = iso_z(added)
    with serve(data=[made_today]) as served:
        app = make_app(served)
        async with app.run_test(size=SIZE) as pilot:
            await open_app(pilot)
            await highlight(pilot, "today-1")
            text = detail_text(app)
    ends = (added + timedelta(days=FREE_STORAGE_DAYS)).astimezone(UTC)
    assert "1 day (counted from add time)" in text
    assert f"free for 89 more days (until {ends:%Y-%m-%d})" in text
