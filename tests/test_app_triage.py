"""Triage at scale in the app: range marks, mark all, bulk delete with failures / retry / cancel,
archive-then-delete, export, the storage-cost view, sorting, presets and profile switching.

Everything runs against the emulator over loopback with a frozen clock; what the server did is
read back from its request log and store.
"""

from __future__ import annotations

import csv
import json
import tomllib
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from app_helpers import (
    NOW,
    SIZE,
    help_pages,
    make_app,
    no_sleep,
    notes,
    requests,
    screen_text,
    serve,
    settle,
    until,
)
from textual.pilot import Pilot
from textual.widgets import Input

from rectui.config import load_config
from rectui.formatting import format_minutes, format_money
from rectui.listing import SortedListing, quick_range
from rectui.plivo import pricing
from rectui.plivo.client import PlivoClient
from rectui.triage import Outcome
from rectui.ui.app import RectuiApp
from rectui.ui.commands import palette
from rectui.ui.screens import ConfirmDeleteScreen
from rectui.ui.screens.costs import CostScreen
from rectui.ui.screens.dialogs import ConfirmScreen, PromptScreen
from rectui.ui.screens.export import ExportScreen
from rectui.ui.widgets.task_panel import TaskPanel


@pytest.fixture(scope="module")
def running():
    with serve(seed=11, count=400) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


# -- helpers -------------------------------------------------------------------------------------


async def opened(pilot: Pilot, quick: str | None = None) -> RectuiApp:
    app = pilot.app
    await settle(pilot)
    if quick is not None:
        app.main.action_quick_range(quick)
        await settle(pilot)
    assert app.main.table.total > 5
    return app


def ids_in_table(app: RectuiApp) -> list[str]:
    listing = app.main.table.listing
    return [listing.get(i).recording_id for i in range(listing.total)]


def header(app: RectuiApp) -> str:
    return screen_text(app).splitlines()[0]


def panel(app: RectuiApp) -> TaskPanel:
    return app.query_one("#task", TaskPanel)


def stored_in_range(emu, key: str):
    start, end = quick_range(key, NOW)
    return [r for r in emu.emulator.store.snapshot() if start <= r.add_time < end]


def is_listing_path(path: str) -> bool:
    return path.endswith("/Recording/")


def in_store(emu, rid: str) -> bool:
    return emu.emulator.store.get(rid) is not None


# -- marking -------------------------------------------------------------------------------------


async def test_v_marks_a_range_that_follows_the_cursor_and_esc_undoes_it(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "30d")
        ids = ids_in_table(app)
        await pilot.press("space")  # row 0 marked, cursor on row 1
        await pilot.press("v", "j", "j")
        assert app.main.table.range_marking
        assert app.main.table.marked == set(ids[0:4])
        assert "range" in header(app)
        await pilot.press("k")  # moving back shrinks it, as in vim
        assert app.main.table.marked == set(ids[0:3])
        await pilot.press("escape")  # undo the range: back to the marks from before v
        assert not app.main.table.range_marking
        assert app.main.table.marked == {ids[0]}

        assert app.main.table.cursor_index == 2
        await pilot.press("v", "j", "j", "v")  # v again ends it; moving no longer extends it
        assert app.main.table.marked == {ids[0], *ids[2:5]}
        await pilot.press("j", "j")
        assert app.main.table.marked == {ids[0], *ids[2:5]}
        await pilot.press("v", "j", "space")  # space ends a range too (and marks nothing more)
        assert not app.main.table.range_marking
        assert app.main.table.marked == {ids[0], *ids[2:5], *ids[6:8]}
        assert "range" not in header(app)


async def test_a_range_over_rows_not_loaded_yet_loads_them_first(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        total = app.main.table.total
        assert not app.main.table.listing.is_loaded(0, total)  # only the first pages so far
        await pilot.press("v", "G")
        await settle(pilot)
        assert app.main.table.listing.is_loaded(0, total)
        assert app.main.table.marked == set(ids_in_table(app))
        assert len(app.main.table.marked) == total
        await pilot.press("v")
        assert f"{total:,} marked" in header(app)


async def test_mark_all_asks_with_the_count_then_marks_every_matching_recording(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        total = app.main.table.listing.total
        expected = {r.recording_id for r in stored_in_range(emu, "1y")}
        assert total == len(expected)  # the server's total_count over every window

        await pilot.press("ctrl+a")
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Mark all {total:,} recordings matching the filter?" in screen_text(app)
        await pilot.press("n")  # no: nothing marked, nothing loaded for it
        assert app.main.table.marked == set()

        await pilot.press("ctrl+a", "y")
        await settle(pilot)
        assert app.main.table.marked == expected
        assert any(f"Marked all {total:,} recordings" in m for m, _ in notes(app))
        assert f"{total:,} marked" in header(app)

        await pilot.press("u")  # clears the marks
        assert app.main.table.marked == set()


async def test_mark_all_can_be_cancelled_while_it_loads(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        gate = emu.emulator.hold(is_listing_path)  # reading every row stops at the server
        await pilot.press("ctrl+a")
        assert "Every row is loaded first" in screen_text(app)
        await pilot.press("y")
        await gate.until_held(1)
        await until(pilot, lambda: panel(app).active, "the task panel")
        assert "Marking all" in screen_text(app)
        await pilot.press("escape")
        gate.release()
        await settle(pilot)
        assert app.main.table.marked == set()
        assert not panel(app).active and not app.main.triage.running
        assert any("cancelled" in m for m, s in notes(app) if s == "warning")


async def test_the_header_adds_up_the_marked_minutes_and_monthly_cost(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        await pilot.press("G")  # the oldest rows: past their free 90 days, so they cost money
        await settle(pilot)
        await pilot.press("k", "k", "k", "space", "space", "space")
        marked = app.main.table.marked_recordings
        assert len(marked) == 3
        minutes = Decimal(0)
        cost = Decimal(0)
        for rec in marked:
            stored = emu.emulator.store.get(rec.recording_id)
            rounded = pricing.rounded_duration_seconds(stored.duration_ms)
            days = pricing.storage_days(stored.add_time, NOW)
            minutes += pricing.billable_minutes(rounded)
            cost += pricing.expected_monthly_amount(pricing.STORAGE_RATE, rounded, days)
        assert cost > 0
        assert f"3 marked ({format_minutes(minutes)} · {format_money(cost)}/mo)" in header(app)

        # Unmarking one takes exactly its share off again.
        await pilot.press("k", "space")
        (first, second) = app.main.table.marked_recordings
        assert app.main.table.marked == {marked[0].recording_id, marked[1].recording_id}
        minutes = cost = Decimal(0)
        for rec in (first, second):
            stored = emu.emulator.store.get(rec.recording_id)
            rounded = pricing.rounded_duration_seconds(stored.duration_ms)
            days = pricing.storage_days(stored.add_time, NOW)
            minutes += pricing.billable_minutes(rounded)
            cost += pricing.expected_monthly_amount(pricing.STORAGE_RATE, rounded, days)
        assert f"2 marked ({format_minutes(minutes)} · {format_money(cost)}/mo)" in header(app)
        await pilot.press("u")
        assert "marked" not in header(app)


# -- bulk delete ---------------------------------------------------------------------------------


async def test_bulk_delete_lists_failures_with_reasons_and_retries_them(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "30d")
        total = app.main.table.total
        for _ in range(6):
            await pilot.press("space")
        marked = [r.recording_id for r in app.main.table.marked_recordings]
        stuck = {marked[1], marked[4]}
        for rid in stuck:
            emu.emulator.fail_next(rid, status=500, method="DELETE", times=None)

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert "Delete 6 recordings?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)

        for rid in marked:
            assert in_store(emu, rid) == (rid in stuck)
            assert (app.main.table.listing.index_of(rid) is not None) == (rid in stuck)
        assert app.main.table.total == total - 4
        assert app.main.table.marked == stuck  # the failures stay marked
        shown = screen_text(app)
        assert panel(app).active and panel(app).can_retry
        for rid in stuck:
            line = next(line for line in shown.splitlines() if rid in line)
            assert "HTTP 500" in line
        errors = [m for m, s in notes(app) if s == "error"]
        assert errors and "Deleted 4 of 6" in errors[0] and "2 failed" in errors[0]
        assert all("\n" not in m for m in errors)

        emu.emulator.clear_faults()
        await pilot.press("R")
        await settle(pilot)
        assert not any(in_store(emu, rid) for rid in marked)
        assert app.main.table.total == total - 6
        assert app.main.table.marked == set()
        assert not panel(app).active
        assert any("Deleted 6 recordings" in m for m, _ in notes(app))


async def test_cancel_midway_leaves_the_table_as_the_server_is(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        total = app.main.table.total
        await pilot.press("v")
        app.main.table.cursor_index = 39  # the range follows the cursor (key by key: test above)
        await pilot.press("v")
        marked = [r.recording_id for r in app.main.table.marked_recordings]
        assert len(marked) == 40
        gate = emu.emulator.hold(method="DELETE", after=4)  # four go through, then the server waits

        await pilot.press("d", "y")
        report = app.main.triage.report
        await gate.until_held(1)
        await until(pilot, lambda: len(report.deleted) == 4, "the first four deletes")
        assert app.main.triage.running
        await pilot.press("escape")  # cancels the run (the table has focus)
        await until(
            pilot,
            lambda: (
                "Cancelling: no new requests" in screen_text(app)
                and "cancelling…" in screen_text(app)
            ),
            "the panel and the header to say it is cancelling while the deletes are held",
        )
        gate.release()  # the deletes already sent finish; nothing new is sent
        await settle(pilot)

        assert report.cancelled
        deleted = set(report.deleted)
        not_attempted = set(report.ids_with([Outcome.NOT_ATTEMPTED]))
        assert len(deleted) == gate.seen  # the four, and every one the server held at the cancel
        assert 4 < len(deleted) < 40 and not_attempted
        assert deleted | not_attempted == set(marked)  # nothing left in doubt
        for rid in marked:
            assert in_store(emu, rid) == (app.main.table.listing.index_of(rid) is not None), rid
        assert app.main.table.total == total - len(deleted)
        assert set(requests_deleted(emu)) == deleted
        assert "not attempted" in screen_text(app)
        ending = f"Cancelled: deleted {len(deleted)} of 40; {len(not_attempted)} cancelled"
        assert [(m, s) for m, s in notes(app) if m.startswith("Cancelled")] == [
            (f"{ending} (R resumes)", "warning")
        ]


def requests_deleted(emu) -> list[str]:
    return [r.path.rstrip("/").rsplit("/", 1)[1] for r in requests(emu, "DELETE")]


async def test_archive_then_delete_keeps_files_and_never_deletes_an_unverified_copy(
    emu, tmp_path: Path
) -> None:
    app = make_app(emu)
    archive = tmp_path / "archive"
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "30d")
        await pilot.press("space", "space", "space")
        marked = [r.recording_id for r in app.main.table.marked_recordings]
        bad = marked[1]
        emu.emulator.truncate_media_for(bad, times=None)

        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDeleteScreen)
        assert "Archive to" in screen_text(app)
        field = dialog.query_one("#confirm-archive-dir", Input)
        assert (
            Path(field.value).expanduser()
            == app.main.session.config.settings.download_dir / "archive"
        )
        field.value = str(archive)
        await pilot.pause()
        await pilot.press("a")  # focus is on Cancel, so the key is the dialog's
        await settle(pilot)

        good = [rid for rid in marked if rid != bad]
        lines = (archive / "manifest.jsonl").read_text().splitlines()
        last = {}  # the last line of an id is its state
        for entry in map(json.loads, lines):
            last[entry["recording_id"]] = entry
        for rid in good:
            assert not in_store(emu, rid)
            assert app.main.table.listing.index_of(rid) is None
            assert last[rid]["status"] == "deleted"
            assert (archive / last[rid]["path"]).stat().st_size == last[rid]["size"]
        assert last[bad]["status"] == "failed"
        assert in_store(emu, bad)  # its copy was cut short: never deleted
        assert app.main.table.listing.index_of(bad) is not None
        assert app.main.table.marked == {bad}
        assert not list(archive.glob(f"{bad}.mp3")) and not list(archive.glob(f"{bad}.wav"))
        line = next(line for line in screen_text(app).splitlines() if bad in line)
        assert "not archived, not deleted" in line
        assert bad not in requests_deleted(emu)


# -- export, costs, sorting ----------------------------------------------------------------------


async def test_export_writes_every_row_of_the_filter(emu, tmp_path: Path) -> None:
    app = make_app(emu)
    out = tmp_path / "sub" / "all.csv"
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        total = app.main.table.listing.total
        assert not app.main.table.listing.is_loaded(0, total)  # not only what is loaded
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        field = dialog.query_one("#export-path", Input)
        proposed = Path(field.value).expanduser()
        assert proposed.parent == app.main.session.config.settings.download_dir
        assert proposed.name == "rectui-export-20260302-093000.csv"  # the app's clock
        field.value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)

        with out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == total
        assert {r["recording_id"] for r in rows} == {
            r.recording_id for r in stored_in_range(emu, "1y")
        }
        assert any(f"Exported {total:,} recordings to {out}" in m for m, _ in notes(app))
        assert not panel(app).active

        # A path that cannot be a file is refused in the dialog, in one line.
        await pilot.press("e")
        dialog = app.screen
        dialog.query_one("#export-path", Input).value = str(out / "inside-a-file.csv")
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        error = dialog.query_one("#export-error")
        assert error.has_class("-visible")
        assert str(error.render()) == f"{out} is not a directory"
        await pilot.press("escape")

        # JSON lines: choosing the format changes the extension of the proposed file.
        await pilot.press("e")
        dialog = app.screen
        dialog.query_one("#export-format").value = "jsonl"
        await pilot.pause()
        field = dialog.query_one("#export-path", Input)
        assert field.value.endswith(".jsonl")
        field.value = str(tmp_path / "all.jsonl")
        await pilot.press("ctrl+s")
        await settle(pilot)
        lines = (tmp_path / "all.jsonl").read_text().splitlines()
        assert len(lines) == total
        assert all("monthly_cost" in json.loads(line) for line in lines)


async def test_the_cost_view_matches_a_direct_computation(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        await pilot.press("dollar_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CostScreen)
        summary = screen.summary
        assert summary is not None

        rows = stored_in_range(emu, "1y")
        billable = Decimal(0)
        monthly = Decimal(0)
        past_free = 0
        costs = []
        for rec in rows:
            rounded = pricing.rounded_duration_seconds(rec.duration_ms)
            days = pricing.storage_days(rec.add_time, NOW)
            billable += pricing.billable_minutes(rounded)
            cost = pricing.expected_monthly_amount(pricing.STORAGE_RATE, rounded, days)
            monthly += cost
            past_free += days > pricing.FREE_STORAGE_DAYS
            costs.append((cost, rec.recording_id))
        total_minutes = sum(Decimal(str(r.duration_ms)) for r in rows) / 60000

        assert summary.count == len(rows)
        assert summary.billable_minutes == billable
        assert summary.past_free_count == past_free > 0
        assert summary.monthly_cost == monthly
        top = sorted(costs, reverse=True)[:10]
        assert [c.monthly_cost for c in summary.costliest] == [c for c, _ in top]

        shown = screen_text(app)
        assert f"Recordings{' ' * 5}" in shown or "Recordings" in shown
        assert f"{len(rows):,}" in shown
        assert f"{total_minutes:,.1f}" in shown
        assert f"{int(billable):,}" in shown
        assert format_money(monthly) in shown
        assert "Recordings per week" in shown and "week starting (UTC)" in shown
        assert summary.costliest[0].recording.recording_id in shown

        # Sort the main table from here: every row is loaded, so no request is needed.
        before = len(requests(emu))
        await pilot.press("c")
        await settle(pilot)
        assert not isinstance(app.screen, CostScreen)
        listing = app.main.table.listing
        assert isinstance(listing, SortedListing)
        assert listing.total == len(rows)
        assert app.main.table.current.recording_id == summary.costliest[0].recording.recording_id
        assert "sorted by $/month ▼" in header(app)
        assert "$/month ▼" in screen_text(app)  # the table's own header
        assert len(requests(emu)) == before


async def test_an_empty_costliest_10_says_why(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "30d")  # every one still in its free 90 days
        await pilot.press("dollar_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CostScreen) and screen.summary is not None
        assert screen.summary.costliest == []
        first = min(r.add_time for r in stored_in_range(emu, "30d")) + timedelta(days=90)
        why = "nothing is billed yet: every recording is in its free 90 days; the first is "
        assert why in screen_text(app)
        assert f"billed from {first.astimezone(UTC):%Y-%m-%d}" in screen_text(app)


async def test_escape_stops_the_cost_view_while_it_loads(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        gate = emu.emulator.hold(is_listing_path)  # reading every row stops at the server
        await pilot.press("dollar_sign")
        assert isinstance(app.screen, CostScreen)
        await gate.until_held(1)
        assert "Reading" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, CostScreen)  # at once, with the reads still held
        gate.release()
        await settle(pilot)
        assert not isinstance(app.screen, CostScreen)
        await pilot.press("j")  # still usable
        assert app.main.table.cursor_index == 1


# -- presets and profiles ------------------------------------------------------------------------


def write_config(path: Path, emu, *, with_sub: bool = False) -> None:
    auth_id, token = emu.emulator.account
    text = f"""\
default_profile = "main"

[settings]
timezone = "utc"
rate_limit = "300/5"

[profiles.main]
auth_id = "{auth_id}"
auth_token = "{token}"
api_url = "{emu.base_url}"

[presets.billed]
recording_storage_duration__gt = "90"
"""
    if with_sub:
        sub_id, sub_token = emu.emulator.subaccounts[0]
        text += f"""
[profiles.sub]
auth_id = "{sub_id}"
auth_token = "{sub_token}"
api_url = "{emu.base_url}"
"""
    path.write_text(text)
    path.chmod(0o600)


def quick_client(config) -> PlivoClient:
    return PlivoClient(
        config.profile.credentials, base_url=config.profile.api_url, max_retries=1, sleep=no_sleep
    )


def app_from(path: Path, profile: str | None = None) -> RectuiApp:
    config = load_config(path, profile=profile, env={})
    return RectuiApp(config, quick_client(config), clock=lambda: NOW, client_factory=quick_client)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "RECTUI_API_URL"):
        monkeypatch.delenv(name, raising=False)


async def test_save_filter_as_preset_round_trips_and_keeps_the_rest(
    emu, tmp_path: Path, clean_env
) -> None:
    path = tmp_path / "config.toml"
    write_config(path, emu)
    before = tomllib.loads(path.read_text())
    app = app_from(path)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "30d")
        titles = [c.title for c in palette(app.main)]
        assert "Save filter as preset…" in titles
        assert "Preset: billed" in titles

        app.main.save_preset()
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert str(path) in app.screen.note  # (shown wrapped)
        assert "[presets.NAME]" in screen_text(app)
        app.screen.query_one("#prompt-input", Input).value = "last month"
        await pilot.press("enter")
        await settle(pilot)

        after = tomllib.loads(path.read_text())
        assert after["presets"]["last month"] == {"range": "30d"}
        assert after["presets"]["billed"] == before["presets"]["billed"]
        assert {k: v for k, v in after.items() if k != "presets"} == {
            k: v for k, v in before.items() if k != "presets"
        }
        assert load_config(path, env={}).presets["last month"] == {"range": "30d"}
        assert any("Saved preset" in m and str(path) in m for m, _ in notes(app))

        # The palette offers it at once, and recalling it applies the same filter.
        titles = [c.title for c in palette(app.main)]
        assert "Preset: last month" in titles
        app.main.action_quick_range("7d")
        await settle(pilot)
        app.main.action_preset("last month")
        await settle(pilot)
        assert app.main.session.spec.range == "30d"


async def test_demo_mode_says_where_presets_would_go(emu) -> None:
    app = make_app(emu, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        app.main.save_preset()
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        # (A loaded machine may also have seen a request retried: that notice is not this one.)
        (message,) = [m for m, s in notes(app) if s == "warning" and "retrying" not in m]
        assert "Demo mode" in message and "config.toml" in message


async def test_switching_profile_changes_the_account_shown_and_used(
    emu, tmp_path: Path, clean_env
) -> None:
    path = tmp_path / "config.toml"
    write_config(path, emu, with_sub=True)
    main_id, main_token = emu.emulator.account
    sub_id, sub_token = emu.emulator.subaccounts[0]
    app = app_from(path)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "1y")
        assert f"account {main_id}" in header(app) and "profile main" in header(app)
        titles = [c.title for c in palette(app.main)]
        assert "Switch profile: sub" in titles and "Switch profile: main" in titles
        old_client = app.main.session.client
        seen = len(emu.emulator.request_log)

        app.main.switch_profile("sub")
        await settle(pilot)
        assert f"subaccount {sub_id}" in header(app) and "profile sub" in header(app)
        assert (
            app.main.session.client is not old_client
            and app.main.session.client.credentials.auth_id == sub_id
        )
        later = [r for r in emu.emulator.request_log[seen:] if "/Recording/" in r.path]
        assert later and all(f"/Account/{sub_id}/" in r.path for r in later)
        assert all(r.status == 200 for r in later)
        owned = [r for r in stored_in_range(emu, "1y") if r.owner == sub_id]
        assert app.main.table.total == len(owned)
        assert main_token not in screen_text(app) and sub_token not in screen_text(app)


# -- help ----------------------------------------------------------------------------------------


async def test_help_lists_the_triage_keys(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:  # every page fits 80×24
        await opened(pilot)
        pages = await help_pages(pilot)
        for page, text in [
            ("Triage", "Triage"),
            ("Triage", "^a"),
            ("Triage", "Mark all recordings matching the filter"),
            ("Table", "Range mark: moving the cursor extends it"),
            ("Triage", "Clear marks"),
            ("Triage", "Export every row of the filter"),
            ("Triage", "Costs: what storing the filter's recordings costs"),
            ("Triage", "Retry failed: what the last bulk delete left"),
            ("Dialogs", "Archive, then delete"),
            ("Triage", "Task panel"),
            ("Costs", "Sort table by cost"),
        ]:
            assert text in pages[page], (page, text)
