"""The Transcript view in the detail pane, against the emulator: request → in progress →
success, the charge stated before a request, 404 as "no transcript yet", hostile text literal."""

from __future__ import annotations

import csv
from dataclasses import replace
from decimal import Decimal

from app_helpers import SIZE, make_app, notes, serve, settle, until
from clocks import SteppedClock
from textual.widgets import Checkbox, Input

from rectui.index import index_path
from rectui.index.transcripts import TranscriptIndex
from rectui.plivo import pricing
from rectui.plivo.models import Recording
from rectui.plivo.transcription import Transcript
from rectui.ui.screens.dialogs import ConfirmScreen
from rectui.ui.screens.export import ExportScreen
from rectui.ui.screens.transcript_search import TranscriptSearchScreen, hit_text


def app_for(running, tmp_path):
    app = make_app(running)
    app.main.session.config = replace(
        app.main.session.config,
        settings=replace(app.main.session.config.settings, cache_dir=tmp_path),
    )
    app.main.transcript_poll_s = 0.05
    return app


def shown(app) -> str:
    return app.main.detail.transcript.shown.plain


async def test_request_confirms_the_charge_then_follows_progress_until_it_arrives(tmp_path):
    clock = SteppedClock()
    with serve(
        count=200, seed=5, monotonic=clock, transcription_delay=60,
        transcription_rate=Decimal("0.07"), pretranscribed_percent=0,
    ) as running:  # fmt: skip
        app = app_for(running, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await until(pilot, lambda: app.main.table.current is not None, "a highlighted row")
            rec = app.main.table.current
            assert rec is not None and rec.recording_duration_ms is not None
            minutes = pricing.transcription_minutes(rec.recording_duration_ms)

            await pilot.press("t")
            await until(pilot, lambda: "No transcript yet" in shown(app), "'no transcript yet'")
            assert not [n for n in notes(app) if n[1] == "error"]  # a 404 is not an error

            await pilot.press("T")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
            body = app.screen.body
            # No transcript seen yet: Plivo's published rate.
            assert f"$0.0500/min × {minutes} min = " in body
            assert pricing.format_money(Decimal("0.05") * minutes) in body
            await pilot.press("y")
            await until(pilot, lambda: "in progress" in shown(app), "the progress line")
            posts = [r for r in running.emulator.request_log if r.method == "POST"]
            assert len(posts) == 1 and rec.recording_id in posts[0].path

            clock.now += 60
            await until(pilot, lambda: "Speaker 0: " in shown(app), "the transcript")
            assert "Speaker 1: " in shown(app)
            assert app.main.detail.has_class("-transcript")

            stored = TranscriptIndex(index_path(tmp_path, running.auth_id))
            kept = stored.get(rec.recording_id)
            assert kept is not None and kept.rate == Decimal("0.07")
            stored.close()
            # Once the server's rate is known, the next confirmation states it.
            await pilot.press("down")
            await settle(pilot)
            await pilot.press("T")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "a confirmation")
            assert "$0.0700/min × " in app.screen.body
            await pilot.press("n")

            await pilot.press("t")
            await settle(pilot)
            assert not app.main.detail.has_class("-transcript")


async def test_hostile_transcript_text_is_shown_literally(tmp_path):
    with serve(count=50, seed=5, pretranscribed_percent=0) as running:
        app = app_for(running, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await until(pilot, lambda: app.main.table.current is not None, "a highlighted row")
            rid = app.main.table.current.recording_id
            running.emulator.transcripts.put(
                rid, "\nSpeaker 0: [bold red]refund[/] \x1b[31mred\x1b]0;PWNED\x07\nSpeaker 1: ok"
            )
            await pilot.press("t")
            await until(pilot, lambda: "Speaker 1" in shown(app), "the transcript")
            text = shown(app)
            assert "[bold red]refund[/] ␛[31mred␛]0;PWNED␇" in text
            assert "\x1b" not in text and "\x07" not in text
            spans = {str(span.style) for span in app.main.detail.transcript.shown.spans}
            assert "bold red" not in spans  # the speaker labels' styles only


async def test_search_lists_the_matching_recording_enter_selects_and_p_plays(tmp_path):
    with serve(count=200, seed=5, pretranscribed_percent=0) as running:
        app = app_for(running, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            listing = app.main.table.listing
            await until(pilot, lambda: listing.get(2) is not None, "three rows")
            first, second = listing.get(1), listing.get(2)
            assert isinstance(first, Recording) and isinstance(second, Recording)
            stored = TranscriptIndex(index_path(tmp_path, running.auth_id))
            for rec, words in ((first, "I want a refund for the headset"), (second, "router")):
                stored.put(Transcript(rec.recording_id, "success", f"\nSpeaker 1: {words}"))
            stored.close()
            played: list[str] = []
            app.main.playback.play_pause = lambda rec: played.append(rec.recording_id)

            await pilot.press("ctrl+f")
            await until(pilot, lambda: isinstance(app.screen, TranscriptSearchScreen), "search")
            await pilot.press(*"refunds", "enter")
            await settle(pilot)
            assert [h.recording_id for h in app.screen.hits] == [first.recording_id]
            assert "Speaker 1: I want a refund" in hit_text(app.screen.hits[0]).plain
            await pilot.press("enter")
            await until(pilot, lambda: app.main.table.cursor_index == 1, "the hit selected")
            assert app.main.detail.recording.recording_id == first.recording_id

            await pilot.press("ctrl+f")
            await until(pilot, lambda: isinstance(app.screen, TranscriptSearchScreen), "search")
            await pilot.press(*"router", "enter")
            await settle(pilot)
            await pilot.press("p")
            await until(pilot, lambda: played == [second.recording_id], "playback of the hit")


async def test_export_adds_the_stored_transcripts_as_a_last_column(tmp_path):
    with serve(count=60, seed=5, pretranscribed_percent=0) as running:
        app = app_for(running, tmp_path)
        out = tmp_path / "with-transcripts.csv"
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await until(pilot, lambda: app.main.table.current is not None, "a highlighted row")
            rid = app.main.table.current.recording_id
            stored = TranscriptIndex(index_path(tmp_path, running.auth_id))
            stored.put(Transcript(rid, "success", "\nSpeaker 0: =cmd|refund\nSpeaker 1: \x1b[2J"))
            stored.close()
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, ExportScreen), "the export dialog")
            app.screen.query_one("#export-path", Input).value = str(out)
            app.screen.query_one("#export-transcripts", Checkbox).value = True
            app.screen.action_export()
            await until(pilot, out.exists, "the export file")
        with out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0])[-1] == "transcript"
        by_id = {r["recording_id"]: r["transcript"] for r in rows}
        assert by_id[rid] == "Speaker 0: =cmd|refund | Speaker 1: ␛[2J"
        assert sum(1 for text in by_id.values() if text) == 1


async def test_t_on_marked_recordings_requests_them_as_a_bulk_run_with_one_charge(tmp_path):
    with serve(count=200, seed=5, transcription_delay=60, pretranscribed_percent=0) as running:
        app = app_for(running, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await until(pilot, lambda: app.main.table.current is not None, "a highlighted row")
            await pilot.press("space", "space", "space")  # marks three, moving down each time
            marked = app.main.table.marked_recordings
            assert len(marked) == 3
            done_on_server = marked[1].recording_id
            running.emulator.transcripts.put(done_on_server, "\nSpeaker 0: done before")
            running.emulator.request_log.clear()

            await pilot.press("T")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
            assert "Transcribe 3 marked recordings?" in app.screen.question
            durations = [r.recording_duration_ms for r in marked]
            assert pricing.bulk_transcription_charge_text(durations) in app.screen.body
            await pilot.press("y")
            await until(
                pilot,
                lambda: any(m.startswith("Transcripts requested for") for m, _ in notes(app)),
                "the run's ending line",
            )
            assert not app.main.triage.running

            ending = [m for m, _ in notes(app) if m.startswith("Transcripts requested for")]
            assert ending == ["Transcripts requested for 3 recordings (1 already transcribed)"]
            posts = [r.path for r in running.emulator.request_log if r.method == "POST"]
            assert len(posts) == 2 and not any(done_on_server in p for p in posts)
            stored = TranscriptIndex(index_path(tmp_path, running.auth_id))
            assert stored.get(done_on_server) is not None  # the finished one is kept
            stored.close()
            assert len(app.main.table.marked_recordings) == 3  # nothing left the table

            # Again: the one kept locally costs no request, the two requested are in progress.
            running.emulator.request_log.clear()
            await pilot.press("T")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "a confirmation")
            assert (
                "Transcribe 2 marked recordings (1 already has one: skipped)?"
                in app.screen.question
            )
            await pilot.press("n")
