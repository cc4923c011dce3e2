"""The table as a triager uses it: who talked in one column, columns chosen and moved, the header
naming the filter, the detail pane naming the owner, find with n / N, sort by any column."""

from __future__ import annotations

import asyncio
import gc
import re
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from app_helpers import (
    NOW,
    days_ago,
    iso_z,
    list_requests,
    make_app,
    notes,
    screen_text,
    serve,
    settle,
    until,
)
from textual import events
from textual._styles_cache import StylesCache
from textual.geometry import Region

from rectui.config import load_config
from rectui.listing import Listing, SortedListing
from rectui.listing.filter_spec import FilterSpec
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.ui.commands import palette
from rectui.ui.screens.main import MainScreen
from rectui.ui.widgets.filter_sidebar import FieldSelect, FilterSidebar

SIP = "sip:dave.from.support@phone.plivo.com"


def _call(n: int, **fields: str) -> dict[str, str]:
    return {
        "recording_id": f"0000{n:04d}-aaaa-bbbb-cccc-{n:012d}",
        "add_time": iso_z(days_ago((n + 1) / 10)),
        "recording_type": "call",
        "recording_format": "mp3",
        "recording_duration_ms": str(1000 * (10 + (n * 37) % 300)),
        "call_uuid": f"c{n:07d}-0000-0000-0000-000000000000",
        "from_number": f"+1415555{n:04d}",
        "to_number": "+14155550199",
        **fields,
    }


DATA = [
    _call(0, to_number=SIP),
    _call(1, recording_type="conference", conference_name="support-31"),
    _call(2, recording_type="normal", mpc_name="mpc-retro-7"),
    *(_call(n) for n in range(3, 60)),
]


def table_lines(app) -> list[str]:
    table = app.main.table
    return [table.render_line(y).text for y in range(table.size.height)]


def commands(app) -> dict[str, object]:
    return {c.title: c.callback for c in palette(app.main)}


async def test_who_says_who_talked_at_every_width() -> None:
    with serve(data=DATA) as emu:
        app = make_app(emu)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            lines = table_lines(app)
            assert "Who" in lines[0]
            # Cut where it says least: a SIP URI keeps its user when its domain cannot fit.
            assert "+14155550000 → sip:dave.fro…" in lines[1]
            assert "support-31" in lines[2] and "mpc-retro-7" in lines[3]
            assert "+14155550003 → +14155550199" in lines[4]

            await pilot.resize_terminal(120, 40)  # filters and details beside a narrow table
            await settle(pilot)
            lines = table_lines(app)
            assert "Who" in lines[0] and "$/mo" in lines[0] and "Dur" in lines[0]
            # Both ends of a number stay readable.
            assert "+141…003 → +141…199" in lines[4], lines[4]
            assert "support-31" in lines[2]

            await pilot.resize_terminal(200, 50)
            await settle(pilot)
            lines = table_lines(app)
            assert "+14155550000 → sip:dave.from.sup…@phone.plivo.com" in lines[1]
            assert "Type" in lines[0] and "Days" in lines[0] and "conference" in lines[2]


@pytest.mark.parametrize(
    ("rows", "theme"),
    [(len(DATA), None), (5, "ansi-dark")],
    ids=["rows-that-scroll", "blank-rows-in-an-ansi-theme"],
)
async def test_the_table_draws_what_textual_styles_afresh_after_scrolls_focus_and_theme(
    rows: int, theme: str | None
) -> None:
    # The table keeps the lines Textual styled across scrolls (TableView.render_lines): what it
    # draws must stay what Textual makes of the same rows with nothing kept (a new styles cache).
    # Blank rows below a short listing are the same strip whatever the focus; in an ANSI theme
    # the focus changes their border's colour and nothing else.
    with serve(data=DATA[:rows]) as emu:
        app = make_app(emu)
        async with app.run_test(size=(120, 24)) as pilot:
            if theme is not None:
                app.theme = theme
            await settle(pilot)
            table = app.main.table

            async def drawn_afresh(step: str) -> None:
                await until(pilot, lambda: not table.highlight_pending, "the cursor to rest")
                await settle(pilot)
                whole = Region(0, 0, *table.outer_size)
                drawn = [list(strip) for strip in table.render_lines(whole)]
                afresh = [list(strip) for strip in StylesCache().render_widget(table, whole)]
                assert drawn == afresh, f"the table draws stale lines after {step}"

            for _ in range(25):  # past the bottom: one-row scrolls
                await pilot.press("j")
            await drawn_afresh("scrolling down")
            for _ in range(22):
                await pilot.press("k")
            await drawn_afresh("scrolling up")

            app.main.detail.focus()  # the table's border and cursor row lose the focus colour
            await pilot.pause()
            table.scroll_to_index(40)
            await drawn_afresh("a scroll without the focus")
            table.focus()
            await pilot.pause()
            table.scroll_to_index(10)
            await drawn_afresh("a scroll with the focus back")

            app.theme = "textual-light"
            await pilot.pause()
            table.scroll_to_index(45)
            await drawn_afresh("a theme change")


async def test_columns_come_from_the_config_and_the_palette(tmp_path: Path) -> None:
    with serve(data=DATA) as emu:
        app = make_app(emu)
        session = app.main.session
        settings = replace(session.config.settings, columns=("who", "added", "id"))
        config = replace(session.config, settings=settings)  # as `columns = [...]` gives it
        app.main.session = session.with_account(config, session.client)
        async with app.run_test(size=(200, 40)) as pilot:
            await settle(pilot)
            header = table_lines(app)[0]
            assert header.index("Who") < header.index("Added") < header.index("ID")
            assert "00000000-aaaa-bbbb-cccc-000000000000" in table_lines(app)[1]

            commands(app)["Hide column: ID"]()
            await settle(pilot)
            assert " ID" not in table_lines(app)[0]
            commands(app)["Show column: Owner"]()
            await settle(pilot)
            assert "Owner" in table_lines(app)[0]
            assert app.main.table.columns == ("who", "added", "owner")
            commands(app)["Move column left: Added"]()
            await settle(pilot)
            header = table_lines(app)[0]
            assert header.index("Added") < header.index("Who") < header.index("Owner")


def test_config_columns_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    base = '[profiles.main]\nauth_id = "MA1"\nauth_token = "t"\n[settings]\n'
    path.write_text(base + 'columns = ["who", "money"]\n')
    assert load_config(path, env={}).settings.columns == ("who", "money")
    path.write_text(base + 'columns = ["who", "cost"]\n')
    with pytest.raises(Exception, match="no column 'cost'; columns: added, type, who"):
        load_config(path, env={})


async def test_the_header_names_the_filters_and_the_detail_pane_the_owner() -> None:
    with serve(seed=4, count=300, now=NOW) as emu:
        sub = emu.emulator.subaccounts[0][0]
        app = make_app(emu)
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(pilot)
            spec = FilterSpec(range="30d", from_number="+14155550123", conference_name="support-31")
            app.main.load(spec)
            await settle(pilot)
            first = screen_text(app).splitlines()[0]
            assert "last 30 days · from +14155550123 · conf support-31" in first
            app.main.load(FilterSpec(range="none", storage_op=">", storage_days="90"))
            await settle(pilot)
            assert "storage > 90 d" in screen_text(app).splitlines()[0]

            app.main.load(FilterSpec(range="1y", subaccount=sub))
            await settle(pilot)
            assert screen_text(app).splitlines()[0].count(f"sub {sub}") == 1
            assert app.main.table.current is not None
            assert f"Owner         {sub}  subaccount" in screen_text(app)


async def test_find_moves_through_the_loaded_rows_with_n_and_N() -> None:
    with serve(data=DATA) as emu:
        app = make_app(emu)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            table = app.main.table
            await pilot.press("j", "j", "j", "j", "j")  # from row 5
            await pilot.press("f", *"555001")  # numbers +1415555001x: rows 10 to 19
            assert table.cursor_index == 10
            assert "find: 555001" in table_lines(app)[-1]
            assert "1 of 10 loaded rows" in table_lines(app)[-1]
            await pilot.press("enter")
            await pilot.press("n", "n")
            assert table.cursor_index == 12
            assert "find: 555001  3/10 · n N · Esc" in table_lines(app)[-1]  # narrow: short
            await pilot.press("N", "N", "N")  # wraps to the last match
            assert table.cursor_index == 19

            # Case does not matter, and names and ids are searched too.
            await pilot.press("escape")
            assert "find:" not in table_lines(app)[-1]
            await pilot.press("g", "f", *"SUPPORT-31", "enter")
            assert table.cursor_index == 1
            await pilot.press("f", *"cccc-000000000042", "enter")
            assert table.cursor_index == 42

            # Esc while typing goes back to where the find started; n is text there.
            await pilot.press("f", *"no such n")
            assert "no match" in table_lines(app)[-1]
            await pilot.press("escape")
            assert table.cursor_index == 42 and "find:" not in table_lines(app)[-1]
            assert app.main.sidebar.spec == FilterSpec()  # the server filters were not touched

            # Keys arriving together (a quick typist, a slow SSH link) all go into the find:
            # s, u and p are not taken for save, unmark and play.
            for key in "fsupport-31":
                app.post_message(events.Key(key, key))
            await until(pilot, lambda: "find: support-31▏" in table_lines(app)[-1], "the text")
            assert table.cursor_index == 1
            assert not notes(app)  # no "Saved …", no playing


async def test_sort_by_a_column_loads_every_row_then_orders_them() -> None:
    with serve(seed=7, count=3000, now=NOW) as emu:
        app = make_app(emu)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            app.main.action_quick_range("1y")
            await settle(pilot)
            table = app.main.table
            total = table.total
            assert not table.listing.is_loaded(0, total)
            assert "Added ▼" in table_lines(app)[0]  # the server's order: newest first

            # O: the next column (Type); every row loads first, said on the table's last
            # line; esc stops it and nothing changes.
            gate = emu.emulator.hold("/Recording/", method="GET")
            await pilot.press("O")
            await gate.until_held(1)
            await until(pilot, lambda: "sort by Type ▲" in table_lines(app)[-1], "progress")
            assert re.search(rf"loading rows [\d,]+/{total:,} · esc cancels", table_lines(app)[-1])
            await pilot.press("escape")
            await until(pilot, lambda: "sort by" not in table_lines(app)[-1], "the cancel")
            gate.release()
            await settle(pilot)
            assert isinstance(table.listing, Listing) and "Added ▼" in table_lines(app)[0]

            # A click on the Duration header: longest first, ▼ in the header.
            header = table_lines(app)[0]
            await pilot.click("#table", offset=(1 + header.index("Dur"), 1))
            await settle(pilot)
            assert isinstance(table.listing, SortedListing) and table.listing.total == total
            assert re.search("Dur(ation)? ▼", table_lines(app)[0])
            durations = [table.listing.get(i).duration_s for i in range(total)]
            assert durations == sorted(durations, reverse=True)

            # Every row is in memory now: ctrl+r reverses without a request.
            before = len(list_requests(emu))
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert re.search("Dur(ation)? ▲", table_lines(app)[0])
            durations = [table.listing.get(i).duration_s for i in range(total)]
            assert durations == sorted(durations)
            assert len(list_requests(emu)) == before


async def test_the_example_preset_returns_rows_against_the_demo() -> None:
    from rectui.cli import DEMO_COUNT, DEMO_HISTORY_DAYS, DEMO_SEED

    example = Path(__file__).parent.parent / "config.example.toml"
    presets = load_config(example, env={}).presets
    # The demo keeps its history up to DEMO_HISTORY_DAYS: the presets hold for its oldest too.
    for age in (0, DEMO_HISTORY_DAYS):
        history_end = NOW - timedelta(days=age)
        with serve(seed=DEMO_SEED, count=DEMO_COUNT, generated_at=history_end) as emu:
            async with PlivoClient(Credentials(*emu.auth), base_url=emu.base_url) as client:
                for name, preset in presets.items():
                    flt = FilterSpec.from_preset(preset).to_filter(NOW)
                    listing = Listing(client, flt, now=NOW)
                    assert await listing.open() > 0, (name, age)
                    listing.close()


async def test_the_first_frame_waits_for_a_slow_server_only_so_long() -> None:
    # The first frame waits for the first listing (its rows are what the user came for), but
    # against a server that does not answer, the screen paints its placeholder after
    # FIRST_PAINT_WAIT_S and then builds the filter fields.
    with serve(seed=7, count=300, now=NOW) as emu:
        gate = emu.emulator.hold("/Recording/", method="GET")
        app = make_app(emu)
        async with app.run_test(size=(160, 40)) as pilot:
            await gate.until_held(1)
            await until(pilot, lambda: app.main.sidebar.built, "the filter fields")
            screen = screen_text(app)
            assert "Loading recordings…" in screen and "Time range" in screen
            gate.release()
            await settle(pilot)
            assert app.main.table.current is not None


async def test_the_first_frame_is_written_as_the_first_listing_opens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not at the screen's update timer's first tick, 1/60 s later (that timer first starts as
    # the held first paint ends).
    monkeypatch.setattr(MainScreen, "FIRST_PAINT_WAIT_S", 3600)  # only the listing releases it
    with serve(seed=7, count=300, now=NOW) as emu:
        gate = emu.emulator.hold("/Recording/", method="GET")
        app = make_app(emu)
        frames: list[object] = []
        written_by_release: list[int] = []
        async with app.run_test(size=(160, 40)) as pilot:
            display = app._display

            def counting(screen: object, update: object) -> None:
                frames.append(update)
                display(screen, update)

            monkeypatch.setattr(app, "_display", counting)
            release = app.main._release_first_paint

            def counted_release() -> None:
                release()
                written_by_release.append(len(frames))

            monkeypatch.setattr(app.main, "_release_first_paint", counted_release)
            await gate.until_held(1)
            await until(pilot, lambda: bool(app.main.outer_size), "the screen shown")
            assert frames == []  # held back until the listing opens
            gate.release()
            await until(pilot, lambda: bool(written_by_release), "the first paint released")
            assert written_by_release[0] >= 1
            assert app.main.table.current is not None


@pytest.mark.parametrize("opens", [True, False], ids=["listing opens", "quit while held"])
async def test_the_garbage_collector_is_off_only_until_the_first_frame(
    monkeypatch: pytest.MonkeyPatch, opens: bool
) -> None:
    # Off while the app starts (its collections were 30-45 ms of the first rows' time), and on
    # again however the start ends: left off, memory would grow for the whole session.
    monkeypatch.setattr(MainScreen, "FIRST_PAINT_WAIT_S", 3600)  # only the listing releases it
    assert gc.isenabled()
    with serve(seed=7, count=300, now=NOW) as emu:
        gate = emu.emulator.hold("/Recording/", method="GET")
        app = make_app(emu)
        async with app.run_test(size=(160, 40)) as pilot:
            await gate.until_held(1)
            assert not gc.isenabled(), "the collector was on while the first listing was opening"
            if opens:
                gate.release()
                await until(pilot, lambda: app.main.table.current is not None, "the first rows")
                assert gc.isenabled(), "the collector stayed off after the first frame"
            else:
                await app.run_action("quit")
                gate.release()
    assert gc.isenabled(), "the collector stayed off after the app closed"


async def test_the_filters_take_keys_at_once_even_before_their_fields_are_built() -> None:
    with serve(seed=7, count=300, now=NOW) as emu:
        gate = emu.emulator.hold("/Recording/", method="GET")
        app = make_app(emu)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("slash", "down", "down")  # the fields are built for the first
            assert app.focused is app.query_one("#f-until")
            gate.release()
            await pilot.press("escape")
            await settle(pilot)
            assert app.focused is app.main.table and app.main.table.current is not None


async def test_closing_the_app_as_the_filter_fields_mount_leaves_no_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not through q (which waits for the fields): the app closed otherwise (as a closed terminal
    # closes it) just as the fields start mounting after the first rows. Their mount came back
    # with the fields already torn down, and showing the filter in them raised.
    build = FilterSidebar.build
    started: list[bool] = []

    async def closing_as_it_builds(sidebar: FilterSidebar) -> None:
        started.append(True)
        sidebar.app.exit()
        await build(sidebar)

    monkeypatch.setattr(FilterSidebar, "build", closing_as_it_builds)
    with serve(seed=7, count=300, now=NOW) as emu:
        app = make_app(emu)
        async with app.run_test(size=(160, 40)):
            deadline = time.monotonic() + 30
            while not started or app.is_running:
                assert time.monotonic() < deadline, "the app never closed as its fields mounted"
                await asyncio.sleep(0.01)
    assert app.return_code == 0


async def test_quitting_while_the_filter_fields_are_built_leaves_no_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fields are mounted after the first frame, so a quick q can close the app midway;
    # a traceback on the way out is still a crash to the user.
    monkeypatch.setattr(MainScreen, "FIRST_PAINT_WAIT_S", 3600)  # this test's build is the only one
    with serve(seed=7, count=300, now=NOW) as emu:
        gate = emu.emulator.hold("/Recording/", method="GET")
        app = make_app(emu)
        async with app.run_test(size=(160, 40)):
            await gate.until_held(1)
            building = asyncio.ensure_future(app.main.sidebar.build())
            for _ in range(100):  # bounded: a few turns of the loop start the mount
                if app.query(FieldSelect):
                    break
                await asyncio.sleep(0)
            else:
                raise AssertionError("the filter fields never entered the DOM")
            assert not app.main.sidebar.built  # in the DOM, their Mount still to come
            await app.run_action("quit")
            gate.release()
        assert building.done() and app.return_code == 0
