"""The filter sidebar end to end: what the user types is what reaches the emulator, problems show
under the field they concern, and a server 400 lands next to the field it names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_helpers import (
    NOW,
    SIZE,
    choose,
    field_error,
    first_pages,
    is_first_page,
    logged,
    make_app,
    notes,
    screen_text,
    serve,
    set_field,
    settle,
    type_into,
    until,
)
from textual.widgets import Select, Static

from rectui.plivo.filters import TIME_FIELDS
from rectui.plivo.rules import format_filter_time
from rectui.ui.commands import palette


@pytest.fixture(scope="module")
def running():
    with serve(seed=5, count=600) as served:
        yield served


@pytest.fixture
def emu(running):
    running.emulator.reset()
    return running


def in_span(emu, start, end) -> int:
    return sum(1 for r in emu.emulator.store.snapshot() if start <= r.add_time < end)


async def test_opens_on_the_last_seven_days_with_the_count_in_the_header(emu) -> None:
    app = make_app(emu, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (first, *others) = await logged(emu, is_first_page, 1)
        assert others == [], "the default range is opened once, not again when the form mounts"
        assert first.query["add_time__gte"] == format_filter_time(NOW - timedelta(days=7))
        assert first.query["add_time__lt"] == format_filter_time(NOW)
        expected = in_span(emu, NOW - timedelta(days=7), NOW)
        assert expected > 0
        assert app.main.table.total == expected
        header = screen_text(app).splitlines()[0]
        assert f"{expected:,} recordings" in header
        assert "DEMO" in header
        assert emu.auth_id in header


async def test_every_text_field_reaches_the_server_as_its_query_param(emu) -> None:
    sub = emu.subaccounts[0].auth_id
    typed = {
        "from_number": "+1 415 555-0100",
        "to_number": "sip:alice@phone.plivo.com",
        "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "conference_name": "standup",
        "conference_uuid": "0b9c8d4e-1c8c-41e4-9bff-1db8a9db0432",
        "mpc_name": "sales-mpc",
        "mpc_uuid": "5d1f0000-1c8c-41e4-9bff-1db8a9db0432",
        "subaccount": sub.lower(),
    }
    # Numbers go out in E.164 and a subaccount id in capitals, as the CLI sends them.
    expected = {**typed, "from_number": "+14155550100", "subaccount": sub}
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(first_pages(emu))
        await choose(pilot, "range", "24h")  # a quick range applies at once
        await settle(pilot)
        await type_into(pilot, "from_number", typed["from_number"])
        for key, value in typed.items():
            if key != "from_number":
                await set_field(pilot, key, value)
        await pilot.press("enter")
        await settle(pilot)
        sent = (await logged(emu, is_first_page, before + 2))[-1]
        assert {k: sent.query[k] for k in typed} == expected
        assert sent.query["add_time__gte"] == format_filter_time(NOW - timedelta(hours=24))
        assert sent.query["add_time__lt"] == format_filter_time(NOW)
        assert "last 24 hours" in screen_text(app).splitlines()[0]
        assert f"sub {sub}" in screen_text(app).splitlines()[0]


async def test_custom_range_is_sent_as_typed_and_switches_the_range_to_custom(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "since", "2026-02-01 00:00")
        assert app.query_one("#f-range", Select).value == "custom"
        await set_field(pilot, "until", "2026-02-15 12:30")
        await pilot.press("enter")
        await settle(pilot)
        sent = (await logged(emu, is_first_page, 2))[-1]
        # The engine sends the bounds in Plivo's full form (seconds included).
        assert sent.query["add_time__gte"] == "2026-02-01 00:00:00"
        assert sent.query["add_time__lt"] == "2026-02-15 12:30:00"
        assert not {"add_time__gt", "add_time__lte"} & set(sent.query)


@pytest.mark.parametrize(
    ("op", "param"),
    [
        ("=", "recording_storage_duration"),
        (">", "recording_storage_duration__gt"),
        ("≥", "recording_storage_duration__gte"),
        ("<", "recording_storage_duration__lt"),
        ("≤", "recording_storage_duration__lte"),
    ],
)
async def test_storage_duration_and_its_comparison_reach_the_server_without_a_time_range(
    emu, op: str, param: str
) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(pilot, "storage_op", op)
        await set_field(pilot, "storage_days", "3")
        # The form explains why the time range went away rather than refusing later.
        assert app.query_one("#f-range", Select).value == "none"
        note = str(app.query_one("#range-note", Static).render())
        assert "cannot combine a storage duration with a time range" in note
        await pilot.press("enter")
        await settle(pilot)
        sent = (await logged(emu, is_first_page, 2))[-1]
        assert sent.query[param] == "3"
        assert not set(TIME_FIELDS) & set(sent.query)
        assert sent.status == 200
        # Clearing the storage field brings the time range back.
        await set_field(pilot, "storage_days", "")
        assert app.query_one("#f-range", Select).value == "7d"


async def test_a_year_is_served_in_thirty_day_windows(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(first_pages(emu))
        await choose(pilot, "range", "90d")
        await settle(pilot)
        sent = first_pages(emu)[before:]
        spans = {(r.query["add_time__gte"], r.query["add_time__lt"]) for r in sent}
        assert len(spans) == 3  # 90 days = three windows of at most 30
        assert all(r.status == 200 for r in sent)
        assert app.main.table.total == in_span(emu, NOW - timedelta(days=90), NOW)
        assert "searched in 30-day windows" in str(app.query_one("#range-note", Static).render())


async def test_validation_messages_sit_under_their_fields_and_nothing_is_sent(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sent_before = len(await logged(emu, is_first_page, 1))

        await set_field(pilot, "from_number", "+1 415 CALL-ME")
        assert "E.164" in field_error(app, "from_number")
        await set_field(pilot, "to_number", "0800-FLOWERS")
        assert "E.164" in field_error(app, "to_number")

        await set_field(pilot, "since", "yesterday")
        assert "YYYY-MM-DD HH:MM" in field_error(app, "since")
        await set_field(pilot, "since", "2026-02-30 10:00")
        assert "not a real date" in field_error(app, "since")
        await set_field(pilot, "since", "2026-02-20 10:00")
        assert field_error(app, "since") == ""
        await set_field(pilot, "until", "2026-02-10 10:00")
        assert "before the start" in field_error(app, "until")

        # Enter with problems: nothing is sent and the cursor goes to the first bad field
        # (in form order: the time range comes first).
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.query_one("#f-until")
        assert len(first_pages(emu)) == sent_before

        await set_field(pilot, "from_number", "+1 (415) 555-0100")
        assert field_error(app, "from_number") == ""

        # Ids are checked as ids: Plivo would only find nothing.
        await set_field(pilot, "call_uuid", "c2c128e2")
        assert "not a UUID" in field_error(app, "call_uuid")
        await set_field(pilot, "subaccount", "SA123")
        assert "SA and 18 letters or digits" in field_error(app, "subaccount")
        await pilot.press("enter")
        await settle(pilot)
        assert len(first_pages(emu)) == sent_before


async def test_a_bare_date_is_midnight_utc_as_on_the_command_line(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(await logged(emu, is_first_page, 1))
        await type_into(pilot, "since", "2026-02-01")
        assert field_error(app, "since") == ""
        await set_field(pilot, "until", "2026-02-15")
        await pilot.press("enter")
        await settle(pilot)
        sent = (await logged(emu, is_first_page, before + 1))[-1]
        assert sent.query["add_time__gte"] == "2026-02-01 00:00:00"
        assert sent.query["add_time__lt"] == "2026-02-15 00:00:00"


async def test_storage_with_a_time_range_is_refused_under_the_storage_field(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sent_before = len(await logged(emu, is_first_page, 1))
        await set_field(pilot, "storage_days", "abc")
        assert "whole number of days" in field_error(app, "storage_days")
        await set_field(pilot, "storage_days", "90")
        await choose(pilot, "range", "30d")  # the user insists on a time range too
        assert "cannot be combined with add_time" in field_error(app, "storage_days")
        await settle(pilot)
        # The range applies by itself; the storage edit stays pending, marked, never sent.
        sent = (await logged(emu, is_first_page, sent_before + 1))[-1]
        assert sent.query["add_time__gte"] == format_filter_time(NOW - timedelta(days=30))
        assert not any(k.startswith("recording_storage") for k in sent.query)
        assert app.main.sidebar.pending == {"storage_days"}
        await pilot.press("enter")  # and Enter refuses it
        await settle(pilot)
        assert len(first_pages(emu)) == sent_before + 1


async def test_a_server_400_is_shown_next_to_the_field_it_names(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        total = app.main.table.total
        emu.emulator.fail_next(
            lambda path: path.endswith("/Recording/"),
            status=400,
            method="GET",
            error="to_number: this SIP domain is not allowed",
        )
        await set_field(pilot, "to_number", "sip:bob@example.com")
        await pilot.press("enter")
        await settle(pilot)
        assert "SIP domain is not allowed" in field_error(app, "to_number")
        assert field_error(app, "from_number") == ""
        assert any("SIP domain" in m and s == "error" for m, s in notes(app))
        # The table keeps what it had.
        assert app.main.table.total == total
        # Editing the field clears the server's complaint.
        await set_field(pilot, "to_number", "sip:bob@phone.plivo.com")
        assert field_error(app, "to_number") == ""


async def test_a_server_400_with_markup_in_its_text_is_shown_literally(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        emu.emulator.fail_next(
            lambda path: path.endswith("/Recording/"),
            status=400,
            method="GET",
            error="to_number: bad [/red] value [b]here[/b]",
        )
        await set_field(pilot, "to_number", "sip:bob@example.com")
        await pilot.press("enter")
        await settle(pilot)
        assert "bad [/red] value [b]here[/b]" in field_error(app, "to_number")
        assert not any("MarkupError" in m for m, _ in notes(app))


async def test_a_server_400_naming_no_field_is_a_notification(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        emu.emulator.fail_next(
            lambda path: path.endswith("/Recording/"),
            status=400,
            method="GET",
            error="too many filters at once",
        )
        await pilot.press("r")
        await settle(pilot)
        assert any("too many filters at once" in m and s == "error" for m, s in notes(app))
        assert not any(field_error(app, key) for key in ("range", "since", "from_number"))


async def test_clear_filters_resets_the_form_and_reloads_the_default(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await set_field(pilot, "conference_name", "standup")
        await pilot.press("enter")
        await choose(pilot, "range", "30d")
        await settle(pilot)
        assert (await logged(emu, is_first_page, 3))[-1].query["conference_name"] == "standup"
        count = len(first_pages(emu))
        await pilot.press("ctrl+l")  # from inside the sidebar
        await settle(pilot)
        sent = (await logged(emu, is_first_page, count + 1))[-1]
        assert "conference_name" not in sent.query
        assert sent.query["add_time__gte"] == format_filter_time(NOW - timedelta(days=7))
        assert app.query_one("#f-conference_name").value == ""
        assert app.query_one("#f-range", Select).value == "7d"
        # And `C` does the same from the table.
        await pilot.press("escape")
        assert app.focused is app.main.table
        await pilot.press("C")
        await settle(pilot)
        assert len(await logged(emu, is_first_page, count + 2)) == count + 2


async def test_slash_jumps_to_the_filters_and_escape_returns_to_the_table(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is app.main.table
        await pilot.press("slash")
        assert app.focused is app.query_one("#f-range")
        await pilot.press("down", "down")  # arrows move between fields, menus stay shut
        assert app.focused is app.query_one("#f-until")
        await pilot.press("escape")
        assert app.focused is app.main.table


async def test_palette_quick_ranges_and_presets(emu) -> None:
    app = make_app(emu, presets={"long-stored": {"recording_storage_duration__gt": "90"}})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in palette(app.main)}
        for title in ("Refresh", "Clear filters", "Toggle detail pane", "Help"):
            assert title in commands
        commands["Range: last 30 days"].callback()
        await settle(pilot)
        sent = (await logged(emu, is_first_page, 2))[-1]
        assert sent.query["add_time__gte"] == format_filter_time(NOW - timedelta(days=30))
        assert app.query_one("#f-range", Select).value == "30d"
        commands["Preset: long-stored"].callback()
        await settle(pilot)
        sent = (await logged(emu, is_first_page, 3))[-1]
        assert sent.query["recording_storage_duration__gt"] == "90"
        assert not set(TIME_FIELDS) & set(sent.query)


async def test_refresh_reloads_the_same_filter_and_keeps_the_cursor(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")
        first = (await logged(emu, is_first_page, 1))[0]
        count = len(first_pages(emu))
        await pilot.press("r")
        await settle(pilot)
        again = (await logged(emu, is_first_page, count + 1))[count]
        assert again.query == first.query
        assert app.main.table.cursor_index == 3


def footer(app) -> str:
    return screen_text(app).rstrip().splitlines()[-1]


async def test_an_edit_not_applied_is_marked_and_esc_reverts_it(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sent_before = len(await logged(emu, is_first_page, 1))
        await pilot.press("slash", "down", "down", "down")
        assert app.focused is app.query_one("#f-from_number")
        await pilot.press(*"+1 415")
        shown = screen_text(app)
        assert "From ●" in shown
        assert "● Enter applies" in shown and "Esc reverts" in shown
        assert "esc Revert" in footer(app)
        await settle(pilot)
        assert len(first_pages(emu)) == sent_before  # typing sends nothing
        await pilot.press("escape")
        assert app.query_one("#f-from_number").value == ""
        shown = screen_text(app)
        assert "From ●" not in shown and "Esc reverts" not in shown
        assert app.focused is app.query_one("#f-from_number")  # reverted, still here
        assert "esc Back" in footer(app)
        await pilot.press("escape")
        assert app.focused is app.main.table
        assert len(first_pages(emu)) == sent_before


async def test_no_other_action_applies_a_pending_edit(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        count = len(await logged(emu, is_first_page, 1))
        await set_field(pilot, "from_number", "+1 415 555-0100")
        app.main.table.focus()  # left the form another way than Esc: the edit stays pending
        await pilot.press("r")
        await settle(pilot)
        sent = (await logged(emu, is_first_page, count + 1))[-1]
        assert "from_number" not in sent.query
        count = len(first_pages(emu))
        {c.title: c for c in palette(app.main)}["Range: last 30 days"].callback()
        await settle(pilot)
        sent = (await logged(emu, is_first_page, count + 1))[-1]
        assert sent.query["add_time__gte"] == format_filter_time(NOW - timedelta(days=30))
        assert "from_number" not in sent.query
        assert app.main.sidebar.pending == {"from_number"}
        assert "From ●" in screen_text(app)
        # Enter applies it, and the field shows what was sent.
        count = len(first_pages(emu))
        app.query_one("#f-from_number").focus()
        await pilot.press("enter")
        await settle(pilot)
        sent = (await logged(emu, is_first_page, count + 1))[-1]
        assert sent.query["from_number"] == "+14155550100"
        assert sent.query["add_time__gte"] == format_filter_time(NOW - timedelta(days=30))
        assert app.query_one("#f-from_number").value == "+14155550100"
        assert app.main.sidebar.pending == set()


async def test_in_a_field_the_footer_offers_only_keys_that_work_there(emu) -> None:
    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        on_table = footer(app)
        assert "/ Filters" in on_table and "? Help" in on_table and "r Refresh" in on_table
        await set_field(pilot, "conference_name", "")
        in_field = footer(app)
        for typed in ("/ Filters", "? Help", "r Refresh", "d Delete", "q Quit"):
            assert typed not in in_field, typed
        assert "f1 Help" in in_field and "esc Back" in in_field and "^l Clear all" in in_field
        await pilot.press("f1")  # and it does open the help
        assert app.screen.id == "help-screen"


async def test_the_palette_finds_commands_by_their_description_too(emu) -> None:
    from textual.command import CommandPalette

    from rectui.ui.commands import SessionCommands

    app = make_app(emu)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sorts = SessionCommands.commands(app.main)
        next(
            c for c in sorts if c.title.startswith("Sort by") and "Added" not in c.title
        ).callback()
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"newest")
        await until(pilot, lambda: "Server order" in screen_text(app), "Server order listed")
        count = len(first_pages(emu))
        await pilot.press("enter")
        await settle(pilot)
        assert len(await logged(emu, is_first_page, count + 1)) == count + 1  # back to the server
