"""A bulk run in the task panel: delete, archive-then-delete, or transcripts requested, over many
recordings (rectui.triage's runners do the work; this shows it and answers esc and R).

- Progress counts what is done and what failed; rows a delete removed leave the table as each
  result arrives, so a cancel midway leaves the table showing exactly what is on the server.
- esc is a soft stop, said at once: no new request starts, those already sent finish, and the
  end counts what never started as cancelled, not failed.
- The last run stays for R ("Retry failed"), which runs again over what it left.

`Triage` holds one of these beside its own row jobs: one job at a time runs in the panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rectui.formatting import plural
from rectui.plivo.models import Recording
from rectui.triage import ArchiveDelete, BulkDelete, BulkReport, ItemResult, Outcome
from rectui.triage.results import ending_line
from rectui.triage.runner import BulkRunner

from .screens.confirm_delete import ConfirmDeleteScreen, DeleteChoice
from .session import Session
from .widgets.recording_table import RecordingTable
from .widgets.status_header import StatusHeader
from .widgets.task_panel import TaskPanel
from .workers import start_worker


@dataclass(frozen=True, slots=True)
class BulkKind:
    job: str
    """The job's name as the panel, the header and "wait for the … under way" say it."""
    doing: str
    """The header's word while it runs."""
    done: str
    """What the progress line counts."""
    title: str
    """The panel's title: `{title} 40 recordings`."""
    ended: str
    """The finished panel's title before the report's summary."""
    leaves_table: bool
    """Whether a done recording leaves the table (it was deleted)."""


DELETE = BulkKind("bulk delete", "deleting", "deleted", "Deleting", "Delete", True)
TRANSCRIBE = BulkKind(
    "transcription", "requesting", "requested", "Requesting transcripts for", "Transcripts", False
)


DELETE_CONCURRENCY = 4
"""Deletes in flight at once: quick for a marked batch, well inside Plivo's 300 requests / 5 s
(the client's shared rate limiter paces them with the table's page loads)."""
ARCHIVE_CONCURRENCY = 16
"""Recordings archived at once in the app: their media streams share the client's connections
and rate limiter with the table's page loads, which must not queue behind a full pool (the
CLI, with no table to feed, takes one per connection)."""


def archive_kind(runner: ArchiveDelete) -> BulkKind:
    return BulkKind(
        "archive-then-delete",
        "archiving",
        "deleted",
        f"Archiving to {runner.archive_dir}, then deleting",
        "Archive and delete",
        True,
    )


class BulkRun:
    def __init__(
        self,
        table: RecordingTable,
        panel: TaskPanel,
        header: StatusHeader,
        *,
        session: Callable[[], Session],
        busy: Callable[[], bool],
    ) -> None:
        self.table = table
        self.panel = panel
        self.header = header
        self._current_session = session
        self._busy = busy
        """Says so and returns True when a job runs (Triage's: one job at a time)."""
        self.runner: BulkRunner | None = None
        """The last run (kept after it ends, for R)."""
        self.kind = DELETE
        self.running = False
        self._session: Session | None = None
        """The session the run started in: its notes and redaction, even after a switch."""
        self._ok = 0

    @property
    def report(self) -> BulkReport | None:
        return self.runner.report if self.runner is not None else None

    @property
    def can_retry(self) -> bool:
        return not self.running and self.runner is not None and bool(self.runner.report.failures)

    def delete(self, targets: Sequence[Recording]) -> None:
        """The `d` flow: confirm (delete, or archive then delete), then run in the background."""
        session = self._current_session()
        if not targets:
            session.note("Nothing to delete: highlight or mark (space) recordings first", "warning")
            return
        if self._busy():
            return
        archive_dir = session.config.settings.download_dir / "archive"

        def answered(choice: DeleteChoice | None) -> None:
            if choice is not None:
                self.start_delete(targets, choice.archive_dir)

        self.panel.app.push_screen(
            ConfirmDeleteScreen(targets, session.clock(), archive_dir), answered
        )

    def start_delete(self, recordings: Sequence[Recording], archive_dir: Path | None) -> None:
        session = self._current_session()
        client = session.client
        if archive_dir is None:
            ids = [r.recording_id for r in recordings]
            self.start(BulkDelete(client, ids, concurrency=DELETE_CONCURRENCY), DELETE)
            return
        profile = session.config.profile
        runner = ArchiveDelete(
            client,
            recordings,
            archive_dir,
            credentials_for=lambda rec: profile.credentials_for(rec.owner_auth_id),
            concurrency=ARCHIVE_CONCURRENCY,
        )
        self.start(runner, archive_kind(runner))

    def start(self, runner: BulkRunner, kind: BulkKind) -> None:
        if self._busy():
            return
        self._session = self._current_session()
        self.runner = runner
        self.kind = kind
        self._run(retry=False)

    def retry(self) -> None:
        self._run(retry=True)

    def forget(self) -> None:
        """Another account is in use: the last run's failures are not retryable here."""
        self.runner = None

    def cancel(self) -> None:
        """Soft stop: say so at once; requests already sent finish."""
        if self.runner is not None and not self.runner.stopping:
            self.runner.cancel()
            self.panel.set_status("Cancelling: no new requests; finishing those already sent…")
            self.header.set_busy("cancelling…")

    # -- the run ----------------------------------------------------------------------------------

    def _run(self, *, retry: bool) -> None:
        runner = self.runner
        assert runner is not None
        count = len(runner.report.failures) if retry else len(runner.report.ids)
        self.running = True
        self._ok = 0
        title = f"{self.kind.title} {plural(count, 'recording')}"
        if retry:
            title = "Retrying: " + title[0].lower() + title[1:]
        self.panel.start(title, count)
        self.header.set_busy(f"{self.kind.doing} 0/{count}")
        runner.progress = self._progress
        start_worker(
            self.panel, partial(self._work, runner, retry), group="triage", description=title
        )

    async def _work(self, runner: BulkRunner, retry: bool) -> None:
        error: Exception | None = None
        try:
            await (runner.retry() if retry else runner.run())
        except Exception as exc:  # a bug: the report still says what happened
            error = exc
        finally:
            self.running = False
            if self.panel.is_attached:
                self.header.set_busy("")
                self.header.set_total(self.table.total)
        self._finished(runner.report, error)

    def _progress(self, done: int, total: int, result: ItemResult) -> None:
        if result.ok:
            self._ok += 1
            if self.kind.leaves_table:
                self.table.remove_recording(result.recording_id)
        status = f"{done:,}/{total:,} · {self._ok:,} {self.kind.done}"
        if done > self._ok:
            status += f" · {done - self._ok:,} failed"
        stopping = self.runner is not None and self.runner.stopping
        status += " · cancelling…" if stopping else " · esc cancels"
        self.panel.progress(done, total, status)
        self.header.set_busy("cancelling…" if stopping else f"{self.kind.doing} {done}/{total}")

    def _finished(self, report: BulkReport, error: Exception | None) -> None:
        if not self.panel.is_attached or self._session is None:
            return
        session = self._session
        manifest = self.runner.manifest if isinstance(self.runner, ArchiveDelete) else None
        if report.ok and error is None:
            self.panel.close()
            session.note(ending_line(report, manifest)[0])
            return
        failures = [r for r in report.failures if r.outcome != Outcome.NOT_ATTEMPTED]
        self.panel.show_failures(
            [
                (r.recording_id, session.redact(r.reason or r.outcome.value.replace("_", " ")))
                for r in failures
            ],
            len(report.failures) - len(failures),
        )
        status = "R retries what is left · esc closes"
        title = f"{self.kind.ended}: {report.summary()}"
        self.panel.finish(title, status, can_retry=bool(report.failures))
        if error is not None:
            session.note(f"The {self.kind.job} stopped: {session.error_text(error)}", "error")
        else:
            session.note(*ending_line(report, manifest))
