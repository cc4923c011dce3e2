"""What happened to each recording in a bulk action, and the report a UI or script reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

from ..error_text import one_line
from ..formatting import plural
from ..media.errors import DownloadIncompleteError, MediaUnavailableError
from ..plivo.errors import (
    AuthenticationError,
    BadResponseError,
    InvalidIdError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)


class Outcome(StrEnum):
    DELETED = "deleted"
    """This run's DELETE removed it."""
    ALREADY_GONE = "already_gone"
    """Deleted before this run touched it: an earlier run's journal says so, or the server
    answered 404 for a recording that was listed (so it existed: deleted elsewhere)."""
    NOT_FOUND = "not_found"
    """The server has no such recording and nothing says it ever had one (an id given by hand:
    a typo, another account's). Nothing to retry, but not done either."""
    FAILED = "failed"
    """Not deleted; `reason` says why. Retryable."""
    ARCHIVED = "archived"
    """Archived and verified, but the run stopped before its DELETE was sent."""
    NOT_ATTEMPTED = "not_attempted"
    """The run stopped (cancel, auth failure) before touching it."""
    UNKNOWN = "unknown"
    """Its DELETE (or transcription request) was sent but the run was stopped hard before the
    answer came. A retry finds out (a 404 then means it was deleted; a GET shows a transcript)."""
    REQUESTED = "requested"
    """A transcript was asked for (by this run, or one was already in progress)."""
    TRANSCRIBED = "transcribed"
    """It already had a finished transcript: nothing was asked, nothing charged."""


DONE = frozenset({Outcome.DELETED, Outcome.ALREADY_GONE, Outcome.REQUESTED, Outcome.TRANSCRIBED})
RETRYABLE = frozenset({Outcome.FAILED, Outcome.ARCHIVED, Outcome.NOT_ATTEMPTED, Outcome.UNKNOWN})


@dataclass(frozen=True, slots=True)
class ItemResult:
    recording_id: str
    outcome: Outcome
    reason: str = ""
    """One line: why it failed, or a note such as "deleted in an earlier run"."""
    archive_path: str | None = None
    kind: str | None = None
    """For failures, what kind (see `error_kind`): lets a script's exit code say "network"."""

    @property
    def ok(self) -> bool:
        return self.outcome in DONE


Severity = Literal["information", "warning", "error"]
"""As Textual names notification levels (the triage package does not import Textual)."""

ProgressCallback = Callable[[int, int, ItemResult], None]
"""progress(done, total, last_result): called once per finished item, on the event loop."""


def error_kind(exc: BaseException) -> str:
    """auth | invalid_id | not_found | network | server | other: the classes a caller reacts to."""
    if isinstance(exc, AuthenticationError):
        return "auth"
    if isinstance(exc, InvalidIdError):
        return "invalid_id"
    if isinstance(exc, NotFoundError | MediaUnavailableError):
        return "not_found"
    if isinstance(exc, NetworkError | DownloadIncompleteError):
        return "network"
    if isinstance(exc, ServerError | RateLimitedError | BadResponseError):
        return "server"
    return "other"


def failed(recording_id: str, exc: BaseException, prefix: str = "", **extra: str) -> ItemResult:
    return ItemResult(
        recording_id, Outcome.FAILED, prefix + one_line(exc), kind=error_kind(exc), **extra
    )


@dataclass(slots=True)
class BulkReport:
    """Live while a run goes on (the UI may read it at any time), final when it returns."""

    ids: list[str]
    """Every requested id, in the order given (duplicates removed)."""
    results: dict[str, ItemResult] = field(default_factory=dict)
    cancelled: bool = False
    aborted: str | None = None
    """Set when the run stopped on its own because going on was pointless (e.g. the token was
    rejected): the one-line reason."""
    lead: Outcome = Outcome.DELETED
    """What the action does, counted first in the summary even when none were."""

    def __post_init__(self) -> None:
        for rid in self.ids:
            self.results.setdefault(rid, ItemResult(rid, Outcome.NOT_ATTEMPTED))

    def record(self, result: ItemResult) -> None:
        self.results[result.recording_id] = result

    def ids_with(self, outcomes: Iterable[Outcome]) -> list[str]:
        wanted = set(outcomes)
        return [rid for rid in self.ids if self.results[rid].outcome in wanted]

    @property
    def deleted(self) -> list[str]:
        """Deleted by this action (not the ones that were already gone)."""
        return self.ids_with([Outcome.DELETED])

    @property
    def already_gone(self) -> list[str]:
        return self.ids_with([Outcome.ALREADY_GONE])

    @property
    def failures(self) -> list[ItemResult]:
        """Everything that is not done, with its reason, in the order requested."""
        return [self.results[rid] for rid in self.ids_with(RETRYABLE)]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        counts = {o: 0 for o in Outcome}
        for result in self.results.values():
            counts[result.outcome] += 1
        sent = "request" if self.lead is Outcome.REQUESTED else "delete"
        labels = {
            Outcome.DELETED: "deleted",
            Outcome.REQUESTED: "requested",
            Outcome.ALREADY_GONE: "already gone",
            Outcome.TRANSCRIBED: "already transcribed",
            Outcome.NOT_FOUND: "not found",
            Outcome.FAILED: "failed",
            Outcome.ARCHIVED: "archived, not deleted",
            Outcome.UNKNOWN: f"unknown ({sent} sent, no answer)",
            Outcome.NOT_ATTEMPTED: "not attempted",
        }
        parts = [
            f"{counts[o]} {label}" for o, label in labels.items() if counts[o] or o is self.lead
        ]
        text = ", ".join(parts)
        if self.aborted:
            text += f" (stopped: {self.aborted})"
        elif self.cancelled:
            text += " (cancelled)"
        return text


_ENDINGS = {
    # lead: (what was done, what was found done already)
    Outcome.DELETED: ("deleted", Outcome.ALREADY_GONE, "already gone"),
    Outcome.REQUESTED: ("transcripts requested for", Outcome.TRANSCRIBED, "already transcribed"),
}


def ending_line(report: BulkReport, manifest: Path | None = None) -> tuple[str, Severity]:
    """The one line that says how a bulk run ended, and how loud to say it (`manifest`: where
    an archive-then-delete wrote its manifest). Items a cancel kept from starting are counted
    as cancelled, never as failed."""
    verb, aside_outcome, aside = _ENDINGS[report.lead]
    total = len(report.ids)
    done = len(report.ids_with(DONE))
    already = len(report.ids_with([aside_outcome]))
    note = f" ({already:,} {aside})" if already else ""
    failures = [r for r in report.failures if r.outcome != Outcome.NOT_ATTEMPTED]
    not_attempted = len(report.failures) - len(failures)
    if report.ok:
        if manifest is not None:
            done_text = f"Archived and deleted {plural(done, 'recording')}{note}"
            return f"{done_text}; manifest: {manifest}", "information"
        return f"{verb.capitalize()} {plural(done, 'recording')}{note}", "information"
    if total == 1 and failures:
        first = failures[0]
        action = "delete" if report.lead is Outcome.DELETED else "request a transcript for"
        return f"Could not {action} {first.recording_id}: {first.reason}", "error"
    parts = [f"{verb} {done:,} of {total:,}{note}"]
    if failures:
        parts.append(f"{len(failures):,} failed: {failures[0].reason}")
    if not_attempted:
        left = "cancelled" if report.cancelled else "not attempted"
        parts.append(f"{not_attempted:,} {left} (R resumes)")
    if report.aborted:
        parts.append(f"stopped: {report.aborted}")
    text = "; ".join(parts)
    text = f"Cancelled: {text}" if report.cancelled else text[0].upper() + text[1:]
    return text, "error" if failures or report.aborted else "warning"
