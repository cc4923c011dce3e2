"""Deleting: the confirmation names what goes, 204 and 404 remove the row without a reload, any
other failure keeps the row and says why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from app_helpers import (
    SIZE,
    first_pages,
    is_delete,
    logged,
    make_app,
    notes,
    requests,
    screen_text,
    serve,
    settle,
)

from rectui.formatting import format_minutes
from rectui.ui.screens import ConfirmDeleteScreen


@pytest.fixture(scope="module")
def running():
    with serve(seed=8, count=400) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


def deletes(running):
    return requests(running, "DELETE")


async def started(pilot) -> int:
    await settle(pilot)
    total = pilot.app.main.table.total
    assert total > 5
    return total


async def test_delete_204_removes_the_row_and_updates_the_count_without_a_reload(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        total = await started(pilot)
        await pilot.press("j")
        target = app.main.table.current
        opens = len(first_pages(emu))

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        shown = screen_text(app)
        assert "Delete 1 recording?" in shown
        assert target.recording_id in shown
        minutes = Decimal(target.rounded_recording_duration) / 60
        assert f"{format_minutes(minutes)} billed" in shown

        await pilot.press("y")
        (sent,) = await logged(emu, is_delete, 1)
        await settle(pilot)  # the app has handled the answer
        assert sent.path.endswith(f"/{target.recording_id}/")
        assert sent.status == 204
        assert emu.emulator.store.get(target.recording_id) is None
        assert app.main.table.total == total - 1
        assert app.main.table.listing.index_of(target.recording_id) is None
        assert f"{total - 1:,} recordings" in screen_text(app).splitlines()[0]
        assert len(first_pages(emu)) == opens  # no new listing: the row was removed in place
        assert any("Deleted 1 recording" in m for m, _ in notes(app))
        assert app.main.table.cursor_index == 1  # the cursor stays where it was


async def test_delete_404_counts_as_already_gone(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        total = await started(pilot)
        target = app.main.table.current
        emu.emulator.fail_next(target.recording_id, status=404, method="DELETE", error="not found")
        await pilot.press("d", "y")
        (sent,) = await logged(emu, is_delete, 1)
        await settle(pilot)  # the app has handled the answer
        assert sent.status == 404
        assert app.main.table.total == total - 1
        assert app.main.table.listing.index_of(target.recording_id) is None
        assert any("already gone" in m and s == "information" for m, s in notes(app))


async def test_delete_500_keeps_the_row_and_says_why(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        total = await started(pilot)
        target = app.main.table.current
        emu.emulator.fail_next(target.recording_id, status=500, method="DELETE", times=None)
        await pilot.press("d", "y")
        await logged(emu, is_delete, 2)  # the client retried once, then gave up
        await settle(pilot)
        assert app.main.table.total == total
        assert app.main.table.listing.index_of(target.recording_id) == 0
        assert emu.emulator.store.get(target.recording_id) is not None
        errors = [m for m, s in notes(app) if s == "error"]
        assert len(errors) == 1
        assert target.recording_id in errors[0] and "HTTP 500" in errors[0]
        assert "\n" not in errors[0]
        # The app is still usable: move on and open help.
        await pilot.press("j", "question_mark")
        assert app.screen.id == "help-screen"


async def test_marked_recordings_are_deleted_together(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        total = await started(pilot)
        await pilot.press("space", "space", "space")
        marked = app.main.table.marked_recordings
        assert len(marked) == 3
        assert "3 marked" in screen_text(app).splitlines()[0]

        await pilot.press("d")
        shown = screen_text(app)
        assert "Delete 3 recordings?" in shown
        for rec in marked:
            assert rec.recording_id in shown
        minutes = sum(Decimal(r.rounded_recording_duration) / 60 for r in marked)
        assert f"{format_minutes(minutes)} billed" in shown

        await pilot.press("y")
        sent = await logged(emu, is_delete, 3)
        await settle(pilot)
        assert {s.path.rstrip("/").rsplit("/", 1)[1] for s in sent} == {
            r.recording_id for r in marked
        }
        assert app.main.table.total == total - 3
        assert app.main.table.marked == set()
        assert "marked" not in screen_text(app).splitlines()[0]
        assert any("Deleted 3 recordings" in m for m, _ in notes(app))


async def test_a_partly_failed_batch_keeps_the_failures_marked(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        total = await started(pilot)
        await pilot.press("space", "space", "space")
        stuck = app.main.table.marked_recordings[1]
        emu.emulator.fail_next(stuck.recording_id, status=503, method="DELETE", times=None)
        await pilot.press("d", "y")
        await logged(emu, is_delete, 4)  # two, and the failing one with its retry
        await settle(pilot)
        assert app.main.table.total == total - 2
        assert app.main.table.marked == {stuck.recording_id}
        errors = [m for m, s in notes(app) if s == "error"]
        assert errors and "Deleted 2 of 3" in errors[0] and "1 failed" in errors[0]


async def test_cancel_deletes_nothing(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        total = await started(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert app.screen.focused.id == "confirm-no"  # Enter alone never deletes
        await pilot.press("enter")
        await pilot.press("d", "escape")
        await pilot.press("d", "n")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDeleteScreen)
        assert deletes(emu) == []
        assert app.main.table.total == total
