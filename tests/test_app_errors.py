"""Failures never freeze or crash the app: each becomes one line saying what happened and what to
do, the table keeps what it has, `r` retries, and the auth token is never on screen."""

from __future__ import annotations

import json

import httpx
import pytest
from app_helpers import (
    SIZE,
    closed_port_url,
    days_ago,
    help_pages,
    is_first_page,
    iso_z,
    logged,
    make_app,
    notes,
    screen_text,
    serve,
    settle,
    until,
)

from rectui.ui.actions import BY_NAME, HELP_PAGES
from rectui.ui.screens import HelpScreen


@pytest.fixture(scope="module")
def running():
    with serve(seed=9, count=500) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


def listing_path(path: str) -> bool:
    return path.endswith("/Recording/")


def errors(app) -> list[str]:
    return [message for message, severity in notes(app) if severity == "error"]


async def still_responsive(pilot) -> None:
    """Keys still work: the filters take focus, help opens and closes."""
    app = pilot.app
    await pilot.press("slash")
    assert app.focused is app.query_one("#f-range")
    await pilot.press("escape", "question_mark")
    assert isinstance(app.screen, HelpScreen)
    await pilot.press("escape")
    assert not isinstance(app.screen, HelpScreen)


async def test_wrong_token_401_says_so_and_never_shows_the_token(emu) -> None:
    wrong = "WrongTokenZZ9876543210abcdefgh"
    app = make_app(emu, token=wrong)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (message,) = errors(app)
        assert "Authentication failed (HTTP 401)" in message
        assert "check the auth id and token" in message
        assert "r to retry" in message
        assert app.main.table.border_subtitle == "nothing loaded · r retries"
        # The table says it too, where the rows would be (not "Loading recordings…").
        assert "Could not load recordings: Authentication failed" in screen_text(app)
        await still_responsive(pilot)
        svg = app.export_screenshot()
        assert wrong not in svg and wrong not in screen_text(app) and wrong not in message


async def test_network_down_is_one_line_and_the_app_stays_responsive(emu) -> None:
    app = make_app(emu, base_url=closed_port_url())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (message,) = errors(app)
        assert message.startswith("Cannot reach 127.0.0.1:")
        assert "check the network" in message and "\n" not in message
        await still_responsive(pilot)


async def test_a_timeout_says_the_server_did_not_answer(emu) -> None:
    emu.emulator.hold()  # a hung server: nothing is answered until the test's reset
    app = make_app(emu, max_retries=0, timeout=httpx.Timeout(0.2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (message,) = errors(app)
        assert "did not answer in time" in message


@pytest.mark.parametrize(
    ("status", "words"),
    [(503, "Server error (HTTP 503)"), (429, "Rate limited by the server (HTTP 429)")],
)
async def test_server_errors_beyond_retries_then_r_recovers(emu, status, words) -> None:
    emu.emulator.fail_next(listing_path, status=status, method="GET", times=None)
    # 429s are retried until 30 s pass without progress (test_rate_learning): here, at once.
    app = make_app(emu, **({"stall_seconds": 0.0} if status == 429 else {}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (message,) = errors(app)
        assert words in message
        assert app.main.table.total == 0
        emu.emulator.clear_faults()
        await pilot.press("r")
        await settle(pilot)
        assert app.main.table.total > 0
        assert app.main.table.border_subtitle == ""
        assert f"{app.main.table.total:,} recordings" in screen_text(app).splitlines()[0]


async def test_a_failed_refresh_keeps_the_rows_already_shown(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        total = app.main.table.total
        current = app.main.table.current
        emu.emulator.fail_next(listing_path, status=500, method="GET", times=None)
        await pilot.press("r")
        await settle(pilot)
        assert errors(app)
        assert app.main.table.total == total
        assert app.main.table.current == current
        assert app.main.table.border_subtitle == "previous results · r retries"


async def test_failed_page_loads_are_reported_and_the_table_keeps_its_rows(emu) -> None:
    app = make_app(emu, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.action_quick_range("1y")  # thousands of rows: most pages are not loaded yet
        await settle(pilot)
        first = app.main.table.current
        emu.emulator.fail_next(listing_path, status=502, method="GET", times=None)
        await pilot.press("G")
        await settle(pilot)
        (message,) = errors(app)
        assert "Server error (HTTP 502)" in message
        assert "not loaded (r retries)" in screen_text(app)
        await pilot.press("g")
        assert app.main.table.current == first
        emu.emulator.clear_faults()
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert app.main.table.current is not None


async def test_malformed_rows_are_a_warning_not_a_crash(emu) -> None:
    good = {
        "recording_id": "good-1",
        "add_time": iso_z(days_ago(1)),
        "recording_duration_ms": "5000.0",
    }
    bad = {"recording_id": "bad-1", "add_time": "yesterday-ish"}
    body = {
        "api_id": "x",
        "meta": {"limit": 20, "offset": 0, "total_count": 2, "next": None, "previous": None},
        "objects": [good, bad],
    }
    emu.emulator.fail_next(
        listing_path, status=200, method="GET", body=json.dumps(body).encode(), times=None
    )
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        warnings = [m for m, s in notes(app) if s == "warning"]
        assert any("could not be read" in m and "bad-1" in m for m in warnings)
        assert app.main.table.total == 2
        assert "unavailable" in screen_text(app)
        await pilot.press("j", "enter")  # the unavailable row: nothing to open, no crash
        await still_responsive(pilot)


async def test_the_token_is_never_rendered_even_when_the_server_echoes_it(emu) -> None:
    token = emu.auth_token
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        views = [app.export_screenshot(), screen_text(app)]
        await pilot.press("escape", "question_mark")
        views.append(app.export_screenshot())
        await pilot.press("escape")
        emu.emulator.fail_next(
            listing_path, status=500, method="GET", times=None, error=f"bad token {token}"
        )
        await pilot.press("r")
        await settle(pilot)
        views.append(app.export_screenshot())
        views += errors(app)
        assert any("••••" in message for message in errors(app))
        for view in views:
            assert token not in view


async def test_layout_adapts_from_80_columns_to_wide(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-narrow")
        assert not app.main.sidebar.display or app.main.sidebar.region.width == 0
        table, detail = app.main.table.region, app.main.detail.region
        assert detail.y > table.y and detail.width == table.width  # stacked below
        assert table.height >= 6
        await pilot.press("slash")
        assert app.main.sidebar.region.width > 0
        assert app.focused is app.query_one("#f-range")
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.sidebar.region.width == 0
        await pilot.resize_terminal(120, 34)
        await pilot.pause()
        assert app.screen.has_class("-wide")
        assert app.main.detail.region.x > app.main.table.region.x  # beside the table
        assert app.main.sidebar.region.width > 0


async def test_help_lists_rectui_keys_by_page_each_fitting_80x24(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        pages = await help_pages(pilot)
        for title, names in HELP_PAGES:
            for name in names:
                assert BY_NAME[name].title in pages[title]
                for action in BY_NAME[name].actions:
                    assert action.text in pages[title], (title, action.id)
        everything = "".join(pages.values())
        for builtin in ("Focus Next", "Scroll Left", "Copy selected text", "Quit the app"):
            assert builtin not in everything  # Textual's, not rectui's
        # Each page fits 80×24: nothing is below the fold.
        screen = app.screen
        for n, (title, _) in enumerate(HELP_PAGES):
            page = screen.query_one("#help-page")
            await until(pilot, lambda n=n: screen.shown == (n, ""), f"page {title}")
            await pilot.pause()  # laid out
            assert page.max_scroll_y == 0, f"page {title} scrolls at 80×24"
            assert page.region.bottom <= 24
            await pilot.press("right")


async def test_help_search_finds_keys_on_every_page(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark", "slash", *"volume")
        await until(pilot, lambda: "Volume down" in screen_text(app), "the volume keys")
        shown = screen_text(app)
        assert "Volume up" in shown and "Quit" not in shown and "Delete" not in shown
        await pilot.press("escape")  # clears the search, keeps the help
        await until(pilot, lambda: "Quit" in screen_text(app), "the first page again")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("slash", *"zzzz")
        await until(pilot, lambda: "No key matches" in screen_text(app), "the no-match line")
        await pilot.press("escape", "escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_quitting_closes_the_client(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await logged(emu, is_first_page, 1)
        await pilot.press("q")
    # The app owns the client: quitting closed its connection pool.
    assert app.main.session.client.is_closed
