"""Dialogs that never trap: in the delete dialog y/a/n always act and ← → only move between the
buttons; the export dialog starts on the format and forgets a stale error; no text field selects
all its text when it takes focus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_helpers import SIZE, make_app, requests, screen_text, serve, set_field, settle, until
from textual.widgets import Button, Input, Select

from rectui.ui.screens import ConfirmDeleteScreen
from rectui.ui.screens.export import ExportScreen

ROW = re.compile(r"│  (\d{4}-)?\d\d-\d\d \d\d:\d\d")
"""A recording's row in the table: its Added time ([YYYY-]MM-DD HH:MM) at the left edge."""


@pytest.fixture(scope="module")
def running():
    with serve(seed=8, count=300) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


@pytest.mark.parametrize("size", [SIZE, (80, 24), (60, 16)])
async def test_delete_dialog_arrows_stay_on_the_buttons_and_the_path_is_edited_by_choice(
    emu, size: tuple[int, int]
) -> None:
    app = make_app(emu)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        rows = [line for line in screen_text(app).splitlines() if ROW.search(line)]
        assert len(rows) >= 5, (size, "recordings on screen")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen), "the dialog")
        dialog = app.screen
        assert dialog.focused is dialog.query_one("#confirm-no")
        visited = set()
        for key in ["right"] * 4 + ["left"] * 4:
            await pilot.press(key)
            assert isinstance(dialog.focused, Button), (key, dialog.focused)
            visited.add(dialog.focused.id)
        assert visited == {"confirm-yes", "confirm-archive", "confirm-no"}
        # Every button and the path are on screen, however small the terminal.
        shown = screen_text(app)
        for text in ("Delete (y)", "(a)", "Cancel (n)", "Archive to", "e edits"):
            assert text in shown, (size, text)

        field = dialog.query_one("#confirm-archive-dir", Input)
        default = field.value
        await pilot.press("e")  # the user chooses to edit: now y/a/n are letters
        assert dialog.focused is field
        await pilot.press("y", "a", "n")
        assert field.value == default + "yan"  # appended: focus did not select it all
        await pilot.press("escape")  # ends the edit, keeps the dialog
        assert app.screen is dialog and dialog.focused is dialog.query_one("#confirm-archive")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        assert requests(emu, "DELETE") == []


async def test_export_starts_on_the_format_and_a_stale_error_goes(emu, tmp_path: Path) -> None:
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen), "the export dialog")
        dialog = app.screen
        assert isinstance(dialog.focused, Select) and dialog.focused.id == "export-format"
        field = dialog.query_one("#export-path", Input)
        default = field.value
        await pilot.press("tab")
        assert dialog.focused is field
        await pilot.press("x")
        assert field.value == default + "x"  # not selected for overwrite
        # A path that cannot be written: one line; fixing the text takes the line away.
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        field.value = str(blocker / "out.csv")
        await pilot.press("ctrl+s")
        error = dialog.query_one("#export-error")
        assert error.has_class("-visible") and "is not a directory" in str(error.render())
        field.value = str(tmp_path / "out.csv")
        await pilot.pause()
        assert not error.has_class("-visible")
        await pilot.press("ctrl+s")
        await until(pilot, (tmp_path / "out.csv").exists, "the export file")


async def test_a_field_that_takes_focus_keeps_its_text(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await set_field(pilot, "conference_name", "standup")
        await pilot.press("up", "down")  # away and back, as a user arrows through the form
        assert app.focused is app.query_one("#f-conference_name")
        await pilot.press("-", "3")
        assert app.query_one("#f-conference_name", Input).value == "standup-3"
        assert all(not field.select_on_focus for field in app.query(Input))
