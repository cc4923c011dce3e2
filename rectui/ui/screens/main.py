"""The main screen: filters on the left, recordings in the middle, details on the right, the task
panel and the player bar below. It owns the layout, the keys that work here and their actions;
the work is done by narrow controllers (`Triage`, `Playback`) that share a `Session`.

Data flows one way: the sidebar's `FilterSpec` → a `Listing` opened here → the table (which pages
rows in itself) → `Highlighted` → the detail pane; `p` hands the table's current recording to
the player. Network work happens only in workers, so no handler waits on the server; every
failure becomes one notification line (with the token redacted) and the table keeps what it has.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import datetime
from typing import ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from rectui.config import AppConfig
from rectui.formatting import format_time, plural
from rectui.index import Opened, open_listing
from rectui.listing.filter_spec import FilterSpec
from rectui.plivo.client import PlivoClient, RetryNotice
from rectui.plivo.errors import ValidationError
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.models import Recording

from .. import profiles
from ..actions import bindings, types_text
from ..audio_devices import AudioDevices
from ..bulk_run import TRANSCRIBE
from ..commands import FilterCommands, MainCommands, SessionCommands
from ..playback import Playback, PlayerFactory
from ..session import Session
from ..transcripts import POLL_S, Transcripts
from ..triage import Triage
from ..widgets import DetailPane, FilterSidebar, PlayerBar, RecordingTable, StatusHeader
from ..widgets.key_footer import KeyFooter
from ..widgets.task_panel import TaskPanel

ClientFactory = Callable[[AppConfig], PlivoClient]
COMPACT_FOOTER_BELOW = 100
"""Columns under which the footer is compact (the full one does not fit 80)."""


def breakpoint_classes(app: App[object]) -> dict[str, bool]:
    """The screen classes of the app's breakpoints at its size, as Textual sets them on Resize
    (for each axis, the class of the largest breakpoint that fits)."""
    classes: dict[str, bool] = {}
    width, height = app.size
    for dimension, breakpoints in (
        (width, app.HORIZONTAL_BREAKPOINTS or []),
        (height, app.VERTICAL_BREAKPOINTS or []),
    ):
        fitting = [(bound, name) for bound, name in breakpoints if dimension >= bound]
        chosen = max(fitting)[1] if fitting else None
        classes.update({name: name == chosen for _, name in breakpoints})
    return classes


def _discard(opening: asyncio.Task[Opened]) -> None:
    """Stop an open nobody will take up; close its listing if it opened already."""

    def close(task: asyncio.Task[Opened]) -> None:
        if not task.cancelled() and task.exception() is None:
            task.result().listing.close()

    opening.add_done_callback(close)
    opening.cancel()


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("main", "player", "triage", "transcript")
    COMMANDS: ClassVar = {MainCommands, FilterCommands, SessionCommands}
    AUTO_FOCUS = "#table"
    """Textual would focus the first field of the filters, then on_mount the table: two restyles
    of the whole sidebar for nothing."""
    AUTO_SYNC_ROWS = 1000
    """A filter opened from the server with at most this many rows is synced into the local
    index at once (a few dozen requests), so that it opens from there next time."""
    transcript_poll_s = POLL_S
    """How often a transcript in progress is asked for again (tests make it quick)."""
    FIRST_PAINT_WAIT_S: ClassVar[float] = 0.3
    """How long the first frame may wait for the first listing (a slower server gets the
    loading placeholder after this)."""

    def __init__(
        self, session: Session, *, client_factory: ClientFactory, make_player: PlayerFactory
    ) -> None:
        super().__init__(id="main")
        self.session = session
        self.client_factory = client_factory
        """How a profile switch builds its client (tests pass one with quick retries)."""
        self._make_player = make_player
        self.offline = False
        """The table shows the local index only: the server could not be reached."""
        self._resumed = False
        self._paint_hold: ExitStack | None = ExitStack()
        """Holds the first frame back until the first listing is open (`_release_first_paint`)."""
        self._collector_paused = False
        """The garbage collector is off until the first frame is out (`pause_collector`)."""
        self._first_open: tuple[Session, FilterSpec, asyncio.Task[Opened]] | None = None
        """The first listing, opening since the app loaded (`start_first_open`, `_open`)."""
        self._problems_seen: tuple[int, int] = (0, 0)
        """(id of the listing, problems already reported) for the malformed-rows warning."""

    def compose(self) -> ComposeResult:
        # Textual sets the breakpoint classes on the first Resize, after styling and laying out
        # the screen without them; with them set now, that is done once.
        self.update_classes(breakpoint_classes(self.app))
        # Frames of a screen still being built would only delay its first rows (each one costs
        # as much as the rows' own); the first frame shows the listing, or the placeholder once
        # FIRST_PAINT_WAIT_S has passed.
        if self._paint_hold is not None:
            self._paint_hold.enter_context(self.app.batch_update())
        session = self.session
        utc = session.config.settings.utc
        yield StatusHeader(
            auth_id=session.client.credentials.auth_id,
            profile=session.config.profile.name,
            demo=session.demo,
            id="header",
        )
        with Horizontal(id="body"):
            yield FilterSidebar(session.clock, id="filters")
            with Container(id="content"):
                columns = session.config.settings.columns
                yield RecordingTable(columns=columns, utc=utc, clock=session.clock, id="table")
                yield DetailPane(session.clock, utc=utc, id="detail")
        yield TaskPanel(id="task")
        yield PlayerBar(id="player")
        yield KeyFooter(id="footer", compact=self.app.size.width < COMPACT_FOOTER_BELOW)

    def on_mount(self) -> None:
        self.table = self.query_one("#table", RecordingTable)
        self.sidebar = self.query_one("#filters", FilterSidebar)
        self.detail = self.query_one("#detail", DetailPane)
        self.header = self.query_one("#header", StatusHeader)
        self.playback = Playback(
            self.session, self.query_one(PlayerBar), make_player=self._make_player
        )
        """In-app playback (rectui/ui/playback.py); the player bar shows it."""
        self.audio_devices = AudioDevices(self.playback)
        """The palette's output device choice (rectui/ui/audio_devices.py)."""
        self.transcripts = Transcripts(
            self.session,
            self.detail,
            self.table,
            reveal=self._reveal_detail,
            play=lambda recording: self.playback.play_pause(recording),
            run_bulk=lambda runner: self.triage.bulk.start(runner, TRANSCRIBE),
            poll_s=self.transcript_poll_s,
        )
        """t, T and ctrl+f (rectui/ui/transcripts.py)."""
        self.triage = Triage(
            self.session,
            self.table,
            self.query_one(TaskPanel),
            self.header,
            reload=self._reopen,
            transcript_text=self.transcripts.text,
        )
        """Marking, bulk delete, export, costs, sorting, syncing (rectui/ui/triage.py)."""
        self.table.border_title = "Recordings"
        self.table.focus()
        # What is built by now (Textual, the stylesheet, this screen) lives as long as the
        # screen: out of the collector's way, a full collection no longer rescans it (each was a
        # pause of 50 ms or more, also while keys were held). The first listing, opening since
        # the app loaded, is frozen with it; that costs nothing once a new filter replaces it, as an
        # opened listing holds no reference cycles and goes by reference counting.
        gc.freeze()
        self.set_timer(self.FIRST_PAINT_WAIT_S, self._release_first_paint)
        self.load(self.session.spec)
        # Pages load in the table's own workers; malformed rows they bring are reported here.
        self.set_interval(1.0, self.check_problems)
        self.playback.start()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """What the footer shows: in a text field, keys that type a character (`?`, `/`, `r`)
        are text there, so only the keys that still work are offered (esc, ^l, f1)."""
        active = super().active_bindings
        if not isinstance(self.focused, Input):
            return active
        return {key: bound for key, bound in active.items() if not types_text(key)}

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual's own handler (run after this one) restyles the whole screen on every resume;
        # on the first, every widget was styled a moment ago as it mounted (~70 ms of start).
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_resize(self, event: events.Resize) -> None:
        # The full footer does not fit 80 columns; the compact one shows the keys that matter.
        self.query_one(KeyFooter).compact = event.size.width < COMPACT_FOOTER_BELOW

    def pause_collector(self) -> None:
        """No garbage collection from the app's load until its first frame is out: starting,
        Textual and the first listing add some 30,000 objects to the 60,000 the imports made,
        most of them to stay, and the collector scanned them again and again: 30-45 ms of the
        first rows' time. (on_mount then freezes what the screen is built of;
        `_release_first_paint` turns the collector on again.)"""
        if gc.isenabled():
            gc.disable()
            self._collector_paused = True

    def resume_collector(self) -> None:
        """(Also from the app's on_unmount, however the start ended.) Turns the collector on
        if `pause_collector` turned it off, whoever else may have turned it off meanwhile."""
        if self._collector_paused:
            self._collector_paused = False
            gc.enable()

    def _release_first_paint(self) -> None:
        """Let frames paint again (once); the filter fields, the task panel's parts and the
        audio device check come after the first frame."""
        if self._end_paint_hold():
            # Painted now: Textual's update timer would wait its first period (1/60 s) from
            # the first time it is started, which is now. (Before the screen is shown it has no
            # size yet, and showing it paints it.)
            if self.outer_size:
                self._on_timer_update()
            self.call_after_refresh(self.sidebar.build)
            self.call_after_refresh(self.triage.panel.build)
            self.call_after_refresh(self.playback.prepare)
        self.resume_collector()  # after the frame, which a collection would have delayed

    def _compositor_refresh(self) -> None:
        # Textual renders the frame of a screen being shown even inside `batch_update`, only to
        # drop it: 20-30 ms of the first listing's time. Held back, the whole screen is painted
        # once the hold ends (`_end_paint_hold`; tests/test_app_terminal.py sees it happen).
        if self._paint_hold is None:
            super()._compositor_refresh()

    def _end_paint_hold(self) -> bool:
        hold, self._paint_hold = self._paint_hold, None
        if hold is not None:
            hold.close()
            self.refresh()  # the frames skipped meanwhile: the first paint is a full one anyway
        return hold is not None

    def on_unmount(self) -> None:
        self._end_paint_hold()
        gc.unfreeze()  # what was frozen can go with the screen (tests run many apps in one process)
        # The app closes the session's client and an untaken first listing
        # (`RectuiApp.on_unmount`); the table closes its listing itself when it unmounts.
        self.playback.close()  # stops playing and joins the player's thread
        self.workers.cancel_all()
        self.transcripts.close()

    def use_session(self, session: Session) -> None:
        """Hand every controller the new session (another profile, a new preset)."""
        self.session = self.triage.session = session
        self.playback.use_session(session)
        self.transcripts.use_session(session)

    # -- loading --------------------------------------------------------------------------------

    def load(self, spec: FilterSpec, *, keep_cursor: bool = False, auto_sync: bool = True) -> None:
        """Ask for `spec`; the newest request wins and an older one still loading is cancelled.
        `auto_sync`: a small filter that opens from the server is synced into the index."""
        self.session.spec = spec
        self.header.set_filter(spec.summary(), spec.subaccount.strip() or None)
        self._load(spec, keep_cursor, auto_sync)

    @work(exclusive=True, group="listing", exit_on_error=False)
    async def _load(self, spec: FilterSpec, keep_cursor: bool, auto_sync: bool) -> None:
        try:
            await self._open_and_show(spec, keep_cursor, auto_sync)
        finally:
            self._release_first_paint()

    def _reopen(self, synced: FilterSpec | None) -> None:
        # From the index now, if the sync proved the filter whole. If it could not (a row the
        # server sends unreadable, a total that keeps changing), the filter opens from the
        # server again and must not be synced again by itself: that looped, with no end. A
        # filter chosen while the sync ran was not synced yet, and may be.
        spec = self.session.spec
        self.load(spec, keep_cursor=True, auto_sync=spec != synced)

    async def _open_and_show(self, spec: FilterSpec, keep_cursor: bool, auto_sync: bool) -> None:
        # The screen opens the listing itself (rather than leaving it to the table) so that a
        # 400 can be put under the field it concerns, and so that a failed refresh leaves the
        # table showing what it had.
        session = self.session
        now = session.clock()
        flt = spec.to_filter(now)
        problems = spec.problems(now)
        if problems:
            self.sidebar.validate()
            session.note(f"Filter not applied: {problems[0]}", "warning")
            return
        previous = self.table.listing
        previous_total = previous.total if previous is not None and previous.is_open else None
        self.header.set_total(previous_total, loading=True)
        if previous is None:
            self.table.show_open_failure(None)  # loading again
        index = session.index
        if index is not None and index.notice:
            session.note(index.notice, "warning")
            index.notice = None
        opening = self._open(spec, flt, now)
        try:
            opened = await opening
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and isinstance(opening, asyncio.Task):
                _discard(opening)  # it may have opened just before this worker was cancelled
            if isinstance(exc, ValidationError):
                text = session.redact(str(exc))
                if self.sidebar.show_server_error(text):
                    text += " (see the filters)"
                self._open_failed(text, previous_total)
            elif isinstance(exc, Exception):
                self._open_failed(session.error_text(exc) + " · press r to retry", previous_total)
            else:
                raise  # cancelled: a newer filter took over
            return
        # The table owns the listing from here on (it closes the previous one).
        listing = opened.listing
        self.offline = opened.offline
        self.table.set_listing(listing, keep_cursor=keep_cursor)
        self.table.border_subtitle = self._source_line(opened)
        self.header.set_total(listing.total)
        small = 0 < listing.total <= self.AUTO_SYNC_ROWS and not flt.has_storage_filter
        if auto_sync and opened.source == "server" and index is not None and small:
            self.triage.sync_filter(quiet=True)  # cheap: next time it opens from the index
        if listing.total == 0:
            self.detail.show(None)
        self.check_problems()

    def start_first_open(self) -> None:
        """Send the first listing's requests now, as the app loads (`RectuiApp.on_load`): the
        server answers while Textual starts the terminal and builds the screen (tens of ms),
        and the first load (in on_mount) takes the listing up."""
        session = self.session
        session.client.on_retry = self._server_retrying  # before the first request goes out
        now = session.clock()
        if not session.spec.problems(now):
            opening = self._open_listing(session.spec.to_filter(now), now)
            self._first_open = (session, session.spec, asyncio.create_task(opening))

    def discard_first_open(self) -> None:
        """Stop the first listing if nothing took it up (the app is closing)."""
        first, self._first_open = self._first_open, None
        if first is not None:
            _discard(first[2])

    def _open(self, spec: FilterSpec, flt: RecordingFilter, now: datetime) -> Awaitable[Opened]:
        first, self._first_open = self._first_open, None
        if first is not None:
            first_session, first_spec, opening = first
            if first_session is self.session and first_spec == spec:
                return opening
            _discard(opening)
        return self._open_listing(flt, now)

    async def _open_listing(self, flt: RecordingFilter, now: datetime) -> Opened:
        session = self.session
        margin = session.config.settings.index_margin
        # The table shows at most a screen's height of rows. (Asked once the first page is back:
        # the first listing starts before the terminal's size is known.)
        return await open_listing(
            session.client,
            session.index,
            flt,
            now,
            margin=margin,
            first_rows=lambda: self.app.size.height,
        )

    def _source_line(self, opened: Opened) -> str:
        """Where the rows come from, on the table's border: nothing when all is well."""
        utc = self.session.config.settings.utc
        when = format_time(opened.as_of, utc=utc, seconds=False)
        if opened.offline:
            return f"offline · as of {when} · delete disabled · r retries"
        if self.session.index is not None and opened.source == "server":
            return "not fully synced · S syncs the filter into the local index"
        return ""

    def _server_retrying(self, notice: RetryNotice) -> None:
        self.session.note(f"{notice} · esc stops waiting", "warning")

    def stop_waiting(self) -> bool:
        """esc while the server is being retried: stop the loads (r starts them again)."""
        if not self.session.client.retrying:
            return False
        self.workers.cancel_group(self, "listing")
        self.table.cancel_loads()
        listing = self.table.listing
        self._open_failed(
            "Stopped waiting for the server · r retries",
            listing.total if listing is not None and listing.is_open else None,
        )
        return True

    def _open_failed(self, message: str, previous_total: int | None) -> None:
        """Say why, and leave the table showing what it had (marked as such on its border)."""
        self.header.set_total(previous_total)
        if previous_total is None:
            self.table.border_subtitle = "nothing loaded · r retries"
            self.table.show_open_failure(message)
        else:
            self.table.border_subtitle = "previous results · r retries"
        self.session.note(message, "error")

    def check_problems(self) -> None:
        """Warn (once per new batch) about objects the server sent that cannot be shown."""
        # A timer calls this, possibly while the app is shutting down and the table is gone.
        if not self.table.is_attached or (listing := self.table.listing) is None:
            return
        problems = listing.problems
        if not problems:
            return
        seen_listing, seen = self._problems_seen
        if seen_listing != id(listing):
            seen = 0
        if len(problems) > seen:
            count = len(problems) - seen
            self.session.note(
                f"{plural(count, 'recording')} from the server could not be read and show as "
                f"unavailable (first: {problems[seen]})",
                "warning",
            )
        self._problems_seen = (id(listing), len(problems))

    # -- messages from the widgets --------------------------------------------------------------

    @on(FilterSidebar.Applied)
    def _filters_applied(self, event: FilterSidebar.Applied) -> None:
        self.load(event.spec)

    @on(RecordingTable.Highlighted)
    def _highlighted(self, event: RecordingTable.Highlighted) -> None:
        self.detail.show(event.recording)
        self.transcripts.follow(event.recording)
        # The server's count can move while pages load (recordings added or deleted elsewhere).
        self.header.set_total(self.table.total)
        self.check_problems()

    @on(RecordingTable.Selected)
    def _selected(self, event: RecordingTable.Selected) -> None:
        self.detail.show(event.recording)
        self._reveal_detail()
        self.detail.focus()

    @on(RecordingTable.SortRequested)
    def _sort_requested(self, event: RecordingTable.SortRequested) -> None:
        self.triage.sort(event.column, event.descending)

    @on(RecordingTable.LoadFailed)
    def _rows_failed(self, event: RecordingTable.LoadFailed) -> None:
        self.session.note(self.session.error_text(event.error) + " · press r to retry", "error")

    @on(RecordingTable.MarksChanged)
    def _marks_changed(self, event: RecordingTable.MarksChanged) -> None:
        self.triage.marks_changed(event.count)  # the header: count, minutes, $/month

    @on(TaskPanel.CancelRequested)
    def _task_cancel(self) -> None:
        self.triage.cancel()

    @on(TaskPanel.RetryRequested)
    def _task_retry(self) -> None:
        self.triage.retry_failed()

    @on(TaskPanel.Closed)
    def _task_closed(self) -> None:
        if self.focused is None or self.triage.panel in self.focused.ancestors_with_self:
            self.table.focus()

    def watch_focused(self, focused: Widget | None) -> None:
        # The filters' accent border is a class set as focus enters or leaves them, restyling
        # the sidebar alone (no rule below it reads the class): for `:focus-within`, or a class
        # changed the usual way, Textual restyles all its widgets (about 200), the former on
        # each focus move inside it.
        sidebar = self.query_one("#filters", FilterSidebar)
        inside = focused is not None and sidebar in focused.ancestors_with_self
        if inside != sidebar.has_class("-focus-within"):
            sidebar.set_class(inside, "-focus-within", update=False)
            self.app.stylesheet.update_nodes([sidebar], animate=True)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # On narrow terminals the filters are an overlay that folds away once focus leaves it.
        if self.sidebar not in event.widget.ancestors_with_self:
            self.remove_class("-filters-open")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch what they expect; anything else is a bug, reported instead of crashing.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.session.note(self.session.error_text(event.worker.error), "error")

    # -- actions (keys: rectui/ui/actions) ---------------------------------------------------

    def action_refresh(self) -> None:
        # A fresh listing (new data, quick ranges re-anchored to now), cursor kept in place.
        self.load(self.session.spec, keep_cursor=True)

    async def action_focus_filters(self) -> None:
        self.add_class("-filters-open")
        await self.sidebar.focus_first_field()

    def action_escape(self) -> None:
        focused = self.focused
        if focused is not None and focused is not self.table:
            self.remove_class("-filters-open")
            self.table.focus()
        elif self.triage.running or not self.stop_waiting():  # a running job is cancelled first
            self.triage.escape()

    def action_clear_filters(self) -> None:
        spec = FilterSpec()
        self.sidebar.load_spec(spec)
        self.load(spec)
        self.session.note("Filters cleared: last 7 days")

    def action_quick_range(self, key: str) -> None:
        self.sidebar.apply_range(key)  # the range alone: edits still pending stay pending

    def action_preset(self, name: str) -> None:
        spec = FilterSpec.from_preset(self.session.config.presets.get(name, {})).normalised()
        self.sidebar.load_spec(spec)
        if not self.sidebar.validate():
            self.load(spec)

    def _reveal_detail(self) -> None:
        self.query_one("#content").remove_class("-detail-hidden")

    def action_toggle_detail(self) -> None:
        content = self.query_one("#content")
        content.toggle_class("-detail-hidden")
        if content.has_class("-detail-hidden") and self.detail.has_focus:
            self.table.focus()

    def _current(self) -> Recording | None:
        recording = self.table.current
        if recording is None:
            self.session.note("No recording selected", "warning")
        return recording

    def action_copy_id(self) -> None:
        if (recording := self._current()) is not None:
            self.app.copy_to_clipboard(recording.recording_id)
            self.session.note(f"Copied recording id {recording.recording_id}")

    def action_copy_url(self) -> None:
        if (recording := self._current()) is None:
            return
        if not recording.recording_url:
            self.session.note("This recording has no URL", "warning")
            return
        self.app.copy_to_clipboard(recording.recording_url)
        self.session.note(f"Copied URL {recording.recording_url}")

    def action_delete(self) -> None:
        if self.offline:
            self.session.note(
                "Offline: deleting waits until the server answers (r retries)", "warning"
            )
            return
        # Confirm (delete, or archive then delete), then run in the background with progress,
        # cancel and retry in the task panel: rectui/ui/bulk_run.py.
        marked = self.table.marked_recordings
        current = self.table.current
        self.triage.bulk.delete(marked or ([current] if current is not None else []))

    def action_play_pause(self) -> None:
        self.playback.play_pause(self.table.current)

    def action_stop_playback(self) -> None:
        self.playback.stop()

    def action_seek(self, seconds: float) -> None:
        self.playback.seek(seconds)

    def action_seek_start(self) -> None:
        self.playback.seek_start()

    def action_volume(self, delta: int) -> None:
        self.playback.volume(delta)

    def action_toggle_original(self) -> None:
        self.playback.toggle_original()

    def action_speed(self, steps: int) -> None:
        self.playback.speed(steps)

    def action_save_audio(self) -> None:
        self.playback.save(self.table.current)

    def action_mark_all(self) -> None:
        self.triage.mark_all()

    def action_unmark_all(self) -> None:
        self.triage.unmark_all()

    def action_export(self) -> None:
        self.triage.export()

    def action_costs(self) -> None:
        self.triage.costs()

    def action_retry_failed(self) -> None:
        self.triage.retry_failed()

    def action_sync_filter(self) -> None:
        self.triage.sync_filter()

    def action_toggle_transcript(self) -> None:
        self.transcripts.toggle(None if self.transcripts.shown else self._current())

    def action_request_transcript(self) -> None:
        self.transcripts.request(self.table.marked_recordings or self._current())

    def action_search_transcripts(self) -> None:
        self.transcripts.search()

    def action_range_mark(self) -> None:
        """From the palette: `v` on the table."""
        self.table.focus()
        self.table.action_range_mark()

    # -- profiles and presets (rectui/ui/profiles.py) -------------------------------------------

    def switch_profile(self, name: str) -> None:
        profiles.switch_profile(self, name)

    def save_preset(self) -> None:
        profiles.save_preset(self)
