"""The rectui application: filters on the left, recordings in the middle, details on the right.

Network work happens only in workers, so no handler ever waits on the server; every failure becomes
a one-line notification (with the token redacted) and the table keeps what it already shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from rectui.config import AppConfig
from rectui.error_text import is_expected, one_line
from rectui.formatting import format_time
from rectui.index import IndexStore, Opened, open_listing
from rectui.plivo.client import PlivoClient, RetryNotice
from rectui.plivo.errors import ValidationError
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.models import Recording
from rectui.server_text import safe_text

from .playback import PLAYBACK_BINDINGS, Playback, PlaybackActions
from .screens import ConfirmDeleteScreen, HelpScreen
from .screens.costs import CostScreen
from .transcripts import TRANSCRIPT_BINDINGS, TranscriptActions
from .triage import TRIAGE_BINDINGS, Triage, TriageActions
from .widgets import (
    DetailPane,
    FilterSidebar,
    FilterSpec,
    PlayerBar,
    RecordingTable,
    StatusHeader,
)
from .widgets.filter_sidebar import QUICK_RANGES
from .widgets.task_panel import TaskPanel

Clock = Callable[[], datetime]

REPEAT_QUIET_S = 5.0
"""The same error is not notified again within this many seconds (one per failing page is noise)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class RectuiApp(TranscriptActions, TriageActions, PlaybackActions, App[None]):
    AUTO_SYNC_ROWS = 1000
    """A filter opened from the server with at most this many rows is synced into the local
    index at once (a few dozen requests), so that it opens from there next time."""
    CSS_PATH = "app.tcss"
    TITLE = "rectui"
    # Below 120 columns the detail pane stacks under the table; below 100 the filters fold away
    # too (`/` opens them), so 80×24 still shows a usable table. See app.tcss.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (100, "-medium"),
        (120, "-wide"),
        (160, "-xwide"),
    ]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("slash", "focus_filters", "Filters", key_display="/"),
        Binding("r", "refresh", "Refresh"),
        *PLAYBACK_BINDINGS,  # p in the footer, the rest in help (rectui/ui/playback.py)
        Binding("d", "delete", "Delete"),
        Binding("i", "toggle_detail", "Details", show=False),
        Binding("y", "copy_id", "Copy id", show=False),
        Binding("Y", "copy_url", "Copy URL", show=False),
        Binding("C,ctrl+l", "clear_filters", "Clear filters", show=False),
        Binding(
            "escape",
            "back",
            "Back to the table; on it: stop waiting, cancel the task, or clear marks",
            show=False,
        ),
        *TRIAGE_BINDINGS,  # all in help, none in the footer (rectui/ui/triage.py)
        *TRANSCRIPT_BINDINGS,  # t, T in help (rectui/ui/transcripts.py)
    ]

    def __init__(
        self,
        config: AppConfig,
        client: PlivoClient,
        *,
        demo: bool = False,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.client = client
        self.demo = demo
        self.clock: Clock = clock or utc_now
        self.offline = False
        """The table shows the local index only: the server could not be reached."""
        self.spec = FilterSpec()
        """What the user last asked for; `r` reloads it (re-anchoring quick ranges to now)."""
        self._recent_notes: dict[str, float] = {}
        self._problems_seen: tuple[int, int] = (0, 0)
        """(id of the listing, problems already reported) for the malformed-rows warning."""
        self.playback = Playback(self)
        """In-app playback (rectui/ui/playback.py); the player bar shows it."""
        self.triage = Triage(self)
        """Marking, bulk delete, export, costs, profiles (rectui/ui/triage.py)."""

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        utc = self.config.settings.utc
        yield StatusHeader(
            auth_id=self.client.credentials.auth_id,
            profile=self.config.profile.name,
            demo=self.demo,
            id="header",
        )
        with Horizontal(id="body"):
            yield FilterSidebar(self.clock, id="filters")
            with Container(id="content"):
                yield RecordingTable(utc=utc, clock=self.clock, id="table")
                yield DetailPane(self.clock, utc=utc, id="detail")
        yield TaskPanel(id="task")
        yield PlayerBar(id="player")
        yield Footer(id="footer")

    @property
    def table(self) -> RecordingTable:
        return self.query_one("#table", RecordingTable)

    @property
    def sidebar(self) -> FilterSidebar:
        return self.query_one("#filters", FilterSidebar)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def header(self) -> StatusHeader:
        return self.query_one("#header", StatusHeader)

    def on_mount(self) -> None:
        for warning in self.config.warnings:
            self.notify(warning, severity="warning", markup=False, timeout=10)
        self.table.border_title = "Recordings"
        self.table.focus()
        self.client.on_retry = self._server_retrying
        self.load(self.spec)
        # Pages load in the table's own workers; malformed rows they bring are reported here.
        self.set_interval(1.0, self.check_problems)
        self.playback.start()

    def on_resize(self, event: events.Resize) -> None:
        # The full footer does not fit 80 columns; the compact one shows the keys that matter.
        self.query_one("#footer", Footer).compact = event.size.width < 100

    async def on_unmount(self) -> None:
        # The app owns the client: nothing else closes its connection pool. (The table closes
        # its listing itself when it unmounts.)
        self.playback.close()  # stops playing and joins the player's thread
        self.workers.cancel_all()
        self.close_transcripts()
        await self.client.aclose()

    # -- loading --------------------------------------------------------------------------------

    def load(self, spec: FilterSpec, *, keep_cursor: bool = False) -> None:
        """Ask for `spec`; the newest request wins and an older one still loading is cancelled."""
        self.spec = spec
        self.header.set_filter(spec.summary(), spec.subaccount.strip() or None)
        self._load(spec, keep_cursor)

    @work(exclusive=True, group="listing", exit_on_error=False)
    async def _load(self, spec: FilterSpec, keep_cursor: bool) -> None:
        # The app opens the listing itself (rather than leaving it to the table) so that a 400
        # can be put under the field it concerns, and so that a failed refresh leaves the table
        # showing what it had.
        now = self.clock()
        flt = spec.to_filter(now)
        problems = flt.errors(now=now, check_window=False)
        if problems:
            self.sidebar.validate()
            self.note(f"Filter not applied: {problems[0]}", "warning")
            return
        previous = self.table.listing
        previous_total = previous.total if previous is not None and previous.is_open else None
        self.header.set_total(previous_total, loading=True)
        index = self.index
        if index is not None and index.notice:
            self.note(index.notice, "warning")
            index.notice = None
        try:
            opened = await open_listing(
                self.client, index, flt, now, margin=self.config.settings.index_margin
            )
        except BaseException as exc:
            if isinstance(exc, ValidationError):
                text = self.redact(str(exc))
                if self.sidebar.show_server_error(text):
                    text += " (see the filters)"
                self._open_failed(text, previous_total)
            elif isinstance(exc, Exception):
                self._open_failed(self.error_text(exc) + " · press r to retry", previous_total)
            else:
                raise  # cancelled: a newer filter took over
            return
        # The table owns the listing from here on (it closes the previous one).
        listing = opened.listing
        self.offline = opened.offline
        self.table.set_listing(listing, keep_cursor=keep_cursor)
        self.table.border_subtitle = self._source_line(opened, flt, now)
        self.header.set_total(listing.total)
        small = 0 < listing.total <= self.AUTO_SYNC_ROWS and not flt.has_storage_filter
        if opened.source == "server" and index is not None and small:
            self.triage.sync_filter(quiet=True)  # cheap: next time it opens from the index
        if listing.total == 0:
            self.detail.show(None)
        self.check_problems()

    def _server_retrying(self, notice: RetryNotice) -> None:
        self.note(f"{notice} · esc stops waiting", "warning")

    def stop_waiting(self) -> bool:
        """esc while the server is being retried: stop the loads (r starts them again)."""
        if not self.client.retrying:
            return False
        self.workers.cancel_group(self, "listing")
        self.table.cancel_loads()
        listing = self.table.listing
        self._open_failed(
            "Stopped waiting for the server · r retries",
            listing.total if listing is not None and listing.is_open else None,
        )
        return True

    @property
    def index(self) -> IndexStore | None:
        """The account's local index, when the client writes through to one."""
        return getattr(self.client, "index", None)

    def _source_line(self, opened: Opened, flt: RecordingFilter, now: datetime) -> str:
        """Where the rows come from, on the table's border: nothing when all is well."""
        when = format_time(opened.as_of, utc=self.config.settings.utc, seconds=False)
        if opened.offline:
            return f"offline · as of {when} · delete disabled · r retries"
        if self.index is not None and opened.source == "server":
            return "not fully synced · S syncs the filter into the local index"
        return ""

    def _open_failed(self, message: str, previous_total: int | None) -> None:
        """Say why, and leave the table showing what it had (marked as such on its border)."""
        self.header.set_total(previous_total)
        if previous_total is None:
            self.table.border_subtitle = "nothing loaded · r retries"
        else:
            self.table.border_subtitle = "previous results · r retries"
        self.note(message, "error")

    def check_problems(self) -> None:
        """Warn (once per new batch) about objects the server sent that cannot be shown."""
        # A timer calls this, possibly while the app is shutting down and the table is gone.
        table = self.query_one_optional("#table", RecordingTable)
        listing = table.listing if table is not None else None
        problems = getattr(listing, "problems", None)
        if listing is None or not problems:
            return
        seen_listing, seen = self._problems_seen
        if seen_listing != id(listing):
            seen = 0
        if len(problems) > seen:
            count = len(problems) - seen
            rows = "recording" if count == 1 else "recordings"
            self.note(
                f"{count} {rows} from the server could not be read and show as unavailable "
                f"(first: {problems[seen]})",
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
        self.transcript_follow(event.recording)
        # The server's count can move while pages load (recordings added or deleted elsewhere).
        self.header.set_total(self.table.total)
        self.check_problems()

    @on(RecordingTable.Selected)
    def _selected(self, event: RecordingTable.Selected) -> None:
        self.detail.show(event.recording)
        self.query_one("#content").remove_class("-detail-hidden")
        self.detail.focus()

    @on(RecordingTable.LoadFailed)
    def _rows_failed(self, event: RecordingTable.LoadFailed) -> None:
        self.note(self.error_text(event.error) + " · press r to retry", "error")

    @on(RecordingTable.MarksChanged)
    def _marks_changed(self, event: RecordingTable.MarksChanged) -> None:
        self.triage.marks_changed(event.count)  # the header: count, minutes, $/month

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # On narrow terminals the filters are an overlay that folds away once focus leaves it.
        if self.sidebar not in event.widget.ancestors_with_self:
            self.screen.remove_class("-filters-open")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch what they expect; anything else is a bug, reported instead of crashing.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.note(self.error_text(event.worker.error), "error")

    # -- errors ---------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        profile = self.config.profile
        for credentials in (
            self.client.credentials,
            profile.credentials,
            *profile.subaccount_credentials.values(),
        ):
            text = credentials.redact(text)
        return text

    def error_text(self, error: BaseException) -> str:
        text = one_line(error)
        return self.redact(text if is_expected(error) else f"Unexpected error: {text}")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (the widgets' too) shows its text with controls made visible: messages
        quote server text, and a raw ESC in one would reach the terminal."""
        super().notify(
            safe_text(message), title=title, severity=severity, timeout=timeout, markup=markup
        )

    def note(self, message: str, severity: SeverityLevel = "information") -> None:
        """Notify, literally (server text is never markup), once per REPEAT_QUIET_S."""
        message = self.redact(message)
        now = time.monotonic()
        last = self._recent_notes.get(message)
        if last is not None and now - last < REPEAT_QUIET_S:
            return
        self._recent_notes[message] = now
        timeout = 8 if severity == "error" else None
        self.notify(message, severity=severity, markup=False, timeout=timeout)

    # -- actions --------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        # A fresh listing (new data, quick ranges re-anchored to now), cursor kept in place.
        self.load(self.spec, keep_cursor=True)

    def action_focus_filters(self) -> None:
        self.screen.add_class("-filters-open")
        self.query_one("#f-range").focus()

    def action_back(self) -> None:
        focused = self.focused
        if focused is not None and focused is not self.table:
            self.screen.remove_class("-filters-open")
            self.table.focus()
        elif self.triage.running or not self.stop_waiting():  # a running job is cancelled first
            self.triage.escape()

    def action_clear_filters(self) -> None:
        spec = FilterSpec()
        self.sidebar.load_spec(spec)
        self.load(spec)
        self.note("Filters cleared: last 7 days")

    def action_quick_range(self, key: str) -> None:
        spec = replace(self.sidebar.spec, range=key, since="", until="", storage_days="")
        self.sidebar.load_spec(spec)
        self.load(spec)

    def action_preset(self, name: str) -> None:
        spec = FilterSpec.from_preset(self.config.presets.get(name, {}))
        self.sidebar.load_spec(spec)
        if not self.sidebar.validate():
            self.load(spec)

    def action_toggle_detail(self) -> None:
        content = self.query_one("#content")
        content.toggle_class("-detail-hidden")
        if content.has_class("-detail-hidden") and self.detail.has_focus:
            self.table.focus()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(
            HelpScreen(
                [
                    ("Everywhere", self),
                    ("Recording table", self.table),
                    ("Filters", self.sidebar),
                    ("Delete dialog", ConfirmDeleteScreen),
                    ("Task panel (bulk delete, export)", TaskPanel),
                    ("Storage costs ($)", CostScreen),
                    ("Moving around", self.screen),
                ]
            )
        )

    def _current(self) -> Recording | None:
        recording = self.table.current
        if recording is None:
            self.note("No recording selected", "warning")
        return recording

    def action_copy_id(self) -> None:
        if (recording := self._current()) is not None:
            self.copy_to_clipboard(recording.recording_id)
            self.note(f"Copied recording id {recording.recording_id}")

    def action_copy_url(self) -> None:
        if (recording := self._current()) is None:
            return
        if not recording.recording_url:
            self.note("This recording has no URL", "warning")
            return
        self.copy_to_clipboard(recording.recording_url)
        self.note(f"Copied URL {recording.recording_url}")

    # -- delete ---------------------------------------------------------------------------------

    def _delete_targets(self) -> list[Recording]:
        marked = self.table.marked_recordings
        if marked:
            return marked
        current = self.table.current
        return [current] if current is not None else []

    def action_delete(self) -> None:
        if self.offline:
            self.note("Offline: deleting waits until the server answers (r retries)", "warning")
            return
        # Confirm (delete, or archive then delete), then run in the background with progress,
        # cancel and retry in the task panel: rectui/ui/triage.py.
        self.triage.delete(self._delete_targets())

    # -- command palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Refresh", "Reload the recordings with the same filter", self.action_refresh
        )
        yield SystemCommand(
            "Clear filters", "Back to the last 7 days, no other filter", self.action_clear_filters
        )
        yield SystemCommand(
            "Toggle detail pane", "Show or hide the recording details", self.action_toggle_detail
        )
        yield SystemCommand("Help", "Every key, by where it works", self.action_help)
        yield SystemCommand("Filters", "Jump to the filter sidebar", self.action_focus_filters)
        yield SystemCommand(
            "Delete", "Delete the highlighted or marked recordings", self.action_delete
        )
        yield SystemCommand(
            "Copy recording id", "Copy the highlighted recording's id", self.action_copy_id
        )
        yield SystemCommand(
            "Copy recording URL", "Copy the highlighted recording's URL", self.action_copy_url
        )
        yield from self.playback_commands()
        yield from self.triage_commands()
        for key, label in QUICK_RANGES.items():
            yield SystemCommand(
                f"Range: {label.lower()}",
                f"Show recordings added in the {label.lower()}",
                partial(self.action_quick_range, key),
            )
        for name in self.config.presets:
            yield SystemCommand(
                f"Preset: {name}",
                "Apply this filter preset from the configuration",
                partial(self.action_preset, name),
            )
        yield from super().get_system_commands(screen)
