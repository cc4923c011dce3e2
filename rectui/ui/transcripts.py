"""Transcripts in the TUI: `t` shows the highlighted recording's transcript in the detail pane,
`T` requests one (after a confirmation that states the charge) and follows it until it arrives.

Transcripts fetched are kept in the local index (rectui/index/transcripts.py), so reopening one
needs no request and `rectui search` finds its words. The app mixes in `TranscriptActions` and
adds `TRANSCRIPT_BINDINGS` to its own (like playback.py and triage.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding, BindingType

from rectui.index import index_path
from rectui.index.transcripts import TranscriptIndex
from rectui.plivo import pricing
from rectui.plivo.errors import PlivoError
from rectui.plivo.models import Recording
from rectui.plivo.transcription import Transcript

from .screens.dialogs import ConfirmScreen
from .screens.transcript_search import SearchChoice, TranscriptSearchScreen

if TYPE_CHECKING:
    from .app import RectuiApp

TRANSCRIPT_KEYS = Binding.Group("Transcript")

TRANSCRIPT_BINDINGS: list[BindingType] = [
    Binding("t", "toggle_transcript", "Transcript", group=TRANSCRIPT_KEYS, show=False),
    Binding(
        "T", "request_transcript", "Request a transcript (charged)", group=TRANSCRIPT_KEYS,
        show=False,
    ),
    Binding(
        "ctrl+f", "search_transcripts", "Search stored transcripts", group=TRANSCRIPT_KEYS,
        show=False,
    ),
]  # fmt: skip


class TranscriptActions:
    """Mixed into RectuiApp."""

    transcript_poll_s: float = 2.0
    """How often a transcript in progress is asked for again."""
    _transcripts: TranscriptIndex | None = None
    _transcript_shown: bool = False

    def _stored_transcripts(self: RectuiApp) -> TranscriptIndex | None:
        if self._transcripts is None:
            path = index_path(self.config.settings.cache_dir, self.client.credentials.auth_id)
            try:
                self._transcripts = TranscriptIndex(path)
            except (sqlite3.Error, OSError) as exc:
                self.note(f"Transcripts are not kept: the local index failed ({exc})", "warning")
        return self._transcripts

    def transcript_text(self: RectuiApp, recording_id: str) -> str | None:
        """The stored transcript of a recording (export's optional column)."""
        stored = self._stored_transcripts()
        kept = stored.get(recording_id) if stored is not None else None
        return None if kept is None else kept.text

    def close_transcripts(self) -> None:
        if self._transcripts is not None:
            self._transcripts.close()
            self._transcripts = None

    # -- showing ----------------------------------------------------------------------------

    def action_toggle_transcript(self: RectuiApp) -> None:
        if self._transcript_shown:
            self._transcript_shown = False
            self.detail.show_transcript(False)
            self.workers.cancel_group(self, "transcript")
            return
        if (recording := self._current()) is None:
            return
        self._transcript_shown = True
        self.query_one("#content").remove_class("-detail-hidden")
        self.detail.show_transcript(True)
        self._show_transcript(recording)

    def transcript_follow(self: RectuiApp, recording: Recording | None) -> None:
        """The highlight moved: show the new recording's transcript if the view is open."""
        if self._transcript_shown:
            self.workers.cancel_group(self, "transcript")
            if recording is None:
                self.detail.transcript.show_message("No recording selected")
            else:
                self._show_transcript(recording)

    def _show_transcript(self: RectuiApp, recording: Recording) -> None:
        stored = self._stored_transcripts()
        kept = stored.get(recording.recording_id) if stored is not None else None
        if kept is not None:
            self.detail.transcript.show_lines(kept.lines())
            return
        self.detail.transcript.show_message("Loading the transcript…")
        self._follow_transcript(recording, requested_at=None)

    @work(exclusive=True, group="transcript", exit_on_error=False)
    async def _follow_transcript(
        self: RectuiApp, recording: Recording, requested_at: float | None
    ) -> None:
        """Fetch the transcript, asking again while it is in progress, until it is there."""
        view = self.detail.transcript
        rid = recording.recording_id
        try:
            transcript = await self.client.get_transcription(rid)
            while transcript is not None and not transcript.ready:
                since = time.monotonic() - requested_at if requested_at is not None else None
                waited = f", requested {since:.0f} s ago" if since is not None else ""
                view.show_message(f"Transcription in progress{waited}… (t hides it)")
                await asyncio.sleep(self.transcript_poll_s)
                transcript = await self.client.get_transcription(rid)
        except PlivoError as exc:
            view.show_message(f"The transcript could not be loaded: {self.error_text(exc)}")
            return
        if transcript is None:
            charge = self._transcription_charge(recording)
            view.show_message(f"No transcript yet · T requests one ({charge})")
            return
        self._keep(transcript)
        view.show_lines(transcript.lines())
        if requested_at is not None:
            self.note(f"Transcript of {rid} arrived")

    def _keep(self: RectuiApp, transcript: Transcript) -> None:
        stored = self._stored_transcripts()
        if stored is None:
            return
        try:
            stored.put(transcript)
        except sqlite3.Error as exc:
            self.note(f"The transcript was not kept in the local index ({exc})", "warning")

    # -- requesting -------------------------------------------------------------------------

    def _transcription_charge(self: RectuiApp, recording: Recording) -> str:
        # The rate the server last charged, once one transcript has been seen; Plivo's until then.
        stored = self._stored_transcripts()
        rate = (stored.last_rate() if stored is not None else None) or pricing.TRANSCRIPTION_RATE
        return pricing.transcription_charge_text(recording.recording_duration_ms, rate)

    def action_request_transcript(self: RectuiApp) -> None:
        if (recording := self._current()) is None:
            return
        stored = self._stored_transcripts()
        if stored is not None and stored.get(recording.recording_id) is not None:
            self.note("This recording already has a transcript · t shows it")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._request_transcript(recording)

        self.push_screen(
            ConfirmScreen(
                "Request a transcript",
                f"Transcribe recording {recording.recording_id}?",
                f"Plivo charges {self._transcription_charge(recording)}.",
                yes="Request",
            ),
            answered,
        )

    @work(exclusive=True, group="transcript", exit_on_error=False)
    async def _request_transcript(self: RectuiApp, recording: Recording) -> None:
        try:
            message = await self.client.request_transcription(recording.recording_id)
        except PlivoError as exc:
            self.note(f"Transcript not requested: {self.error_text(exc)}", "error")
            return
        self.note(f"{recording.recording_id}: {message}")
        self._transcript_shown = True
        self.query_one("#content").remove_class("-detail-hidden")
        self.detail.show_transcript(True)
        self._follow_transcript(recording, requested_at=time.monotonic())

    # -- searching --------------------------------------------------------------------------

    def action_search_transcripts(self: RectuiApp) -> None:
        if (stored := self._stored_transcripts()) is None:
            return

        def chosen(choice: SearchChoice | None) -> None:
            if choice is not None:
                self._go_to_hit(choice)

        self.push_screen(TranscriptSearchScreen(stored.search, stored.count()), chosen)

    @work(exclusive=True, group="transcript-hit", exit_on_error=False)
    async def _go_to_hit(self: RectuiApp, choice: SearchChoice) -> None:
        listing = self.table.listing
        index = listing.index_of(choice.recording_id) if listing is not None else None
        if index is not None:
            self.table.cursor_index = index
            self.table.focus()
            recording = self.table.current
        else:
            # Not among the rows loaded for this filter: show it in the details all the same.
            try:
                recording = await self.client.get_recording(choice.recording_id)
            except PlivoError as exc:
                self.note(f"{choice.recording_id}: {self.error_text(exc)}", "error")
                return
            self.detail.show(recording)
            self.note(f"{choice.recording_id} is not in this filter's rows: shown in the details")
        if recording is not None and choice.then == "play":
            self.playback.play_pause(recording)
