"""The footer as a user meets it: the keys of where the focus is, a click presses one, a hover
says what it does, a greyed key does nothing, and a narrow terminal leaves keys out whole."""

from __future__ import annotations

import pytest
from app_helpers import SIZE, make_app, screen_text, serve, settle, until
from textual.pilot import Pilot

from rectui.ui.app import RectuiApp
from rectui.ui.screens.costs import CostScreen
from rectui.ui.widgets.key_footer import KeyFooter


@pytest.fixture(scope="module")
def running():
    with serve(seed=5, count=400) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


def footer(app: RectuiApp) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


async def click_key(pilot: Pilot, label: str) -> None:
    """Click the middle of `label` where the footer shows it."""
    app = pilot.app
    line = footer(app)
    assert label in line, f"{label!r} is not in the footer: {line!r}"
    column = line.index(label) + len(label) // 2
    await pilot.click(app.screen.query_one(KeyFooter), offset=(column, 0))


async def test_a_click_on_a_key_presses_it(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await click_key(pilot, "? Help")
        await until(pilot, lambda: app.screen.id == "help-screen", "the help opened by a click")


async def test_hovering_a_key_shows_what_it_does(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE, tooltips=True) as pilot:
        await settle(pilot)
        line = footer(app)
        column = line.index("? Help")
        await pilot.hover(app.main.query_one(KeyFooter), offset=(column + 1, 0))
        tip = "rectui's keys by page"  # the tooltip wraps after this
        await until(pilot, lambda: tip in screen_text(app), "the Help key's tooltip")
        # Beside the key, on the footer's empty part: no tooltip (it is not any key's).
        await pilot.hover(app.main.query_one(KeyFooter), offset=(len(line.rstrip()) - 20, 0))
        await until(pilot, lambda: tip not in screen_text(app), "the tooltip gone")


async def test_a_greyed_key_rings_the_bell_and_does_nothing(emu) -> None:
    app = make_app(emu)
    rang: list[None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.action_quick_range("1y")  # more rows than one screen loads
        await settle(pilot)
        app.bell = lambda: rang.append(None)  # type: ignore[method-assign]
        # The costs screen reads every row; held at the server, it never finishes.
        gate = emu.emulator.hold(lambda path: path.endswith("/Recording/"))
        await pilot.press("dollar_sign")
        await until(pilot, lambda: isinstance(app.screen, CostScreen), "the costs screen")
        await gate.until_held(1)
        await pilot.pause()
        footer_widget = app.screen.query_one(KeyFooter)
        strip = footer_widget.render_line(0)
        greyed = [s.text for s in strip if s.style is not None and s.style.dim]
        assert "Sort table by cost" in "".join(greyed)  # shown, greyed, until every row is in
        assert "Back" not in "".join(greyed)
        await click_key(pilot, "c Sort table by cost")
        await pilot.pause()
        assert rang and isinstance(app.screen, CostScreen)
        await click_key(pilot, "esc Back")
        await until(pilot, lambda: not isinstance(app.screen, CostScreen), "the costs closed")
        gate.release()


async def test_a_narrow_footer_leaves_keys_out_whole_and_keeps_the_palette_key(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        wide = footer(app)
        keys_part, palette = wide.split("▏")
        labels = keys_part.strip().split("  ")  # the full footer puts two spaces between keys
        assert labels[:3] == ["␣ Mark", "/ Filters", "r Refresh"] and len(labels) >= 6
        for width in (79, 60, 40):
            await pilot.resize_terminal(width, 30)
            await until(pilot, lambda w=width: len(footer(app)) == w, f"the footer at {width}")
            narrow = footer(app)
            left, right = narrow.split("▏")
            assert right == palette.strip() + " ", narrow  # flush right, the same key
            shown = left.rstrip()
            fitting = [n for n in range(1, len(labels) + 1) if " ".join(labels[:n]) == shown]
            assert fitting, f"at {width}, a key is cut or out of order: {narrow!r}"
            if width < 79:
                assert fitting[0] < len(labels), f"at {width}, no key was left out: {narrow!r}"
