"""Transcripts in the TUI: `t` shows the highlighted recording's transcript in the detail pane,
`T` requests one (after a confirmation that states the charge) and follows it until it arrives,
ctrl+f searches the stored ones.

Transcripts fetched are kept in the local index (rectui/index/transcripts.py), so reopening one
needs no request and `rectui search` finds its words. The main screen binds the keys
(rectui/ui/actions, section "transcript") to this controller, which takes only the session,
the detail pane and the table (to go to a search hit).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial

from rectui.formatting import plural
from rectui.index import index_path
from rectui.index.transcripts import TranscriptIndex
from rectui.plivo import pricing
from rectui.plivo.errors import PlivoError
from rectui.plivo.models import Recording
from rectui.plivo.transcription import Transcript
from rectui.triage import BulkTranscribe

from .screens.dialogs import ConfirmScreen
from .screens.transcript_search import SearchChoice, TranscriptSearchScreen
from .session import Session
from .widgets import DetailPane, RecordingTable
from .workers import Work, start_worker

POLL_S = 2.0
"""How often a transcript in progress is asked for again."""


class Transcripts:
    """See the module docstring. Workers run on the detail pane (group "transcript")."""

    def __init__(
        self,
        session: Session,
        detail: DetailPane,
        table: RecordingTable,
        *,
        reveal: Callable[[], None],
        play: Callable[[Recording], None],
        run_bulk: Callable[[BulkTranscribe], None],
        poll_s: float = POLL_S,
    ) -> None:
        self.session = session
        self.detail = detail
        self.table = table
        self._reveal = reveal
        """Shows the detail pane if it is hidden."""
        self._play = play
        self._run_bulk = run_bulk
        """Runs a bulk request in the task panel (rectui/ui/bulk_run.py)."""
        self.poll_s = poll_s
        self._store: TranscriptIndex | None = None
        self.shown = False
        """The detail pane shows the transcript (it follows the cursor)."""

    def use_session(self, session: Session) -> None:
        """Another account: its transcripts are in another index file."""
        if session.client is not self.session.client:
            self.close()
        self.session = session

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _stored(self) -> TranscriptIndex | None:
        if self._store is None:
            session = self.session
            path = index_path(session.config.settings.cache_dir, session.client.credentials.auth_id)
            try:
                self._store = TranscriptIndex(path)
            except (sqlite3.Error, OSError) as exc:
                session.note(f"Transcripts are not kept: the local index failed ({exc})", "warning")
        return self._store

    def text(self, recording_id: str) -> str | None:
        """The stored transcript of a recording (export's optional column)."""
        stored = self._stored()
        kept = stored.get(recording_id) if stored is not None else None
        return None if kept is None else kept.text

    def _run(self, work: Work, group: str = "transcript") -> None:
        start_worker(self.detail, work, group=group, exclusive=True)

    def _cancel(self) -> None:
        self.detail.workers.cancel_group(self.detail, "transcript")

    # -- showing --------------------------------------------------------------------------------

    def toggle(self, recording: Recording | None) -> None:
        if self.shown:
            self.shown = False
            self.detail.show_transcript(False)
            self._cancel()
            return
        if recording is None:
            return
        self._open()
        self._show(recording)

    def _open(self) -> None:
        self.shown = True
        self._reveal()
        self.detail.show_transcript(True)

    def follow(self, recording: Recording | None) -> None:
        """The highlight moved: show the new recording's transcript if the view is open."""
        if self.shown:
            self._cancel()
            if recording is None:
                self.detail.transcript.show_message("No recording selected")
            else:
                self._show(recording)

    def _show(self, recording: Recording) -> None:
        stored = self._stored()
        kept = stored.get(recording.recording_id) if stored is not None else None
        if kept is not None:
            self.detail.transcript.show_lines(kept.lines())
            return
        self.detail.transcript.show_message("Loading the transcript…")
        self._run(partial(self._follow, recording, requested_at=None))

    async def _follow(self, recording: Recording, requested_at: float | None) -> None:
        """Fetch the transcript, asking again while it is in progress, until it is there."""
        session = self.session
        view = self.detail.transcript
        rid = recording.recording_id
        try:
            transcript = await session.client.get_transcription(rid)
            while transcript is not None and not transcript.ready:
                since = time.monotonic() - requested_at if requested_at is not None else None
                waited = f", requested {since:.0f} s ago" if since is not None else ""
                view.show_message(f"Transcription in progress{waited}… (t hides it)")
                await asyncio.sleep(self.poll_s)
                transcript = await session.client.get_transcription(rid)
        except PlivoError as exc:
            view.show_message(f"The transcript could not be loaded: {session.error_text(exc)}")
            return
        if transcript is None:
            view.show_message(f"No transcript yet · T requests one ({self._charge(recording)})")
            return
        self._keep(transcript)
        view.show_lines(transcript.lines())
        if requested_at is not None:
            session.note(f"Transcript of {rid} arrived")

    def _keep(self, transcript: Transcript) -> None:
        stored = self._stored()
        if stored is None:
            return
        try:
            stored.put(transcript)
        except sqlite3.Error as exc:
            self.session.note(f"The transcript was not kept in the local index ({exc})", "warning")

    # -- requesting -----------------------------------------------------------------------------

    def _rate(self) -> Decimal:
        # The rate the server last charged, once one transcript has been seen; Plivo's until then.
        stored = self._stored()
        return (stored.last_rate() if stored is not None else None) or pricing.TRANSCRIPTION_RATE

    def _charge(self, recording: Recording) -> str:
        return pricing.transcription_charge_text(recording.recording_duration_ms, self._rate())

    def request(self, target: Recording | Sequence[Recording] | None) -> None:
        """T: the highlighted recording (then followed until it arrives), or the marked ones
        as a bulk run (progress, cancel, report and retry in the task panel)."""
        if target is None:
            return
        if not isinstance(target, Recording):
            self._request_many(target)
            return
        recording = target
        stored = self._stored()
        if stored is not None and stored.get(recording.recording_id) is not None:
            self.session.note("This recording already has a transcript · t shows it")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(partial(self._request, recording))

        self.detail.app.push_screen(
            ConfirmScreen(
                "Request a transcript",
                f"Transcribe recording {recording.recording_id}?",
                f"Plivo charges {self._charge(recording)}.",
                yes="Request",
            ),
            answered,
        )

    def _request_many(self, recordings: Sequence[Recording]) -> None:
        stored = self._stored()
        wanted = [r for r in recordings if stored is None or stored.get(r.recording_id) is None]
        have = len(recordings) - len(wanted)
        if not wanted:
            self.session.note("Every marked recording already has a transcript · t shows one")
            return
        charge = pricing.bulk_transcription_charge_text(
            [r.recording_duration_ms for r in wanted], self._rate()
        )
        skipped = (
            f" ({have:,} already {'has' if have == 1 else 'have'} one: skipped)" if have else ""
        )

        def answered(yes: bool | None) -> None:
            if yes:
                runner = BulkTranscribe(
                    self.session.client,
                    [r.recording_id for r in wanted],
                    known=stored.get if stored is not None else lambda _rid: None,
                    keep=self._keep,
                )
                self._run_bulk(runner)

        self.detail.app.push_screen(
            ConfirmScreen(
                "Request transcripts",
                f"Transcribe {plural(len(wanted), 'marked recording')}{skipped}?",
                f"Plivo charges {charge}. Recordings the server has already transcribed are"
                " not asked again.",
                yes="Request",
            ),
            answered,
        )

    async def _request(self, recording: Recording) -> None:
        session = self.session
        try:
            message = await session.client.request_transcription(recording.recording_id)
        except PlivoError as exc:
            session.note(f"Transcript not requested: {session.error_text(exc)}", "error")
            return
        session.note(f"{recording.recording_id}: {message}")
        self._open()
        await self._follow(recording, requested_at=time.monotonic())

    # -- searching ------------------------------------------------------------------------------

    def search(self) -> None:
        if (stored := self._stored()) is None:
            return

        def chosen(choice: SearchChoice | None) -> None:
            if choice is not None:
                self._run(partial(self._go_to_hit, choice), group="transcript-hit")

        self.detail.app.push_screen(TranscriptSearchScreen(stored.search, stored.count()), chosen)

    async def _go_to_hit(self, choice: SearchChoice) -> None:
        listing = self.table.listing
        index = listing.index_of(choice.recording_id) if listing is not None else None
        recording: Recording | None
        if index is not None:
            self.table.cursor_index = index
            self.table.focus()
            recording = self.table.current
        else:
            # Not among the rows loaded for this filter: show it in the details all the same.
            session = self.session
            try:
                recording = await session.client.get_recording(choice.recording_id)
            except PlivoError as exc:
                session.note(f"{choice.recording_id}: {session.error_text(exc)}", "error")
                return
            self.detail.show(recording)
            session.note(
                f"{choice.recording_id} is not in this filter's rows: shown in the details"
            )
        if recording is not None and choice.then == "play":
            self._play(recording)
