"""Archive-then-delete: keep a verified copy of each recording, and only then delete it.

    runner = ArchiveDelete(client, recordings_or_ids, Path("archive"), progress=on_progress)
    report = await runner.run()      # runner.cancel() stops cleanly; retry() redoes failures

For each recording, in this order, each step journaled (fsynced) before the next one:

1. download its media to `<dir>/<id>.<fmt>.part` (resumable; the byte count must equal the
   server's Content-Length), decode all of it with ffmpeg and compare the decoded length with
   the recording's duration, hash it (sha256), rename it to `<dir>/<id>.<fmt>`;
2. journal `archived` with the server's full recording object, path, sha256 and size;
3. journal `delete_sent`, send the DELETE, journal `deleted`.

A recording whose archive is not verified is never deleted. Running the same action again over
the same directory resumes from the manifest (see journal.py): deleted ones are skipped without
a request, archived ones are re-hashed instead of re-downloaded, and a DELETE whose answer was
lost is sent again (a 404 then means the earlier one worked). Nothing is deleted twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..error_text import one_line
from ..media.cache import id_stem, safe_format
from ..media.download import (
    CredentialsSource,
    download_file,
    media_format,
    media_url,
    resolve_credentials,
)
from ..media.errors import DownloadIncompleteError, MediaError
from ..plivo.client import PlivoClient, recording_id_problem
from ..plivo.errors import (
    AuthenticationError,
    NetworkError,
    NotFoundError,
    PlivoError,
    RateLimitedError,
    ServerError,
)
from ..plivo.models import MalformedRecord, Recording
from .journal import ARCHIVED, DELETE_SENT, DELETED, FAILED, MANIFEST_NAME, Journal, fsync_dir
from .results import (
    BulkReport,
    ItemResult,
    Outcome,
    ProgressCallback,
    error_kind,
    failed,
)
from .runner import BulkRunner
from .verify import DecodeVerifier

MEDIA_ATTEMPTS = 4
"""Media downloads are tried this often on transient failures (429, 5xx, a dropped or cut
connection); each retry resumes the partial file with a Range request. The client retries
JSON requests itself but cannot retry a stream, so archiving does it here."""
_TRANSIENT = (RateLimitedError, ServerError, NetworkError, DownloadIncompleteError)


@dataclass(frozen=True, slots=True)
class Archived:
    path: Path
    sha256: str
    size: int


class _NotArchived(Exception):
    """This recording could not be archived (the message says why); it will not be deleted."""

    def __init__(self, message: str, kind: str = "archive"):
        super().__init__(message)
        self.kind = kind


def sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def archive_name(recording: Recording, *, original: bool = False) -> str:
    """`<id>.<fmt>`; an id that is not a plain file name is sanitised and made unique with a
    hash (ids come from a server and are never trusted as paths)."""
    variant = ".original" if original else ""
    return f"{id_stem(recording.recording_id)}{variant}.{safe_format(media_format(recording))}"


class ArchiveDelete(BulkRunner):
    def __init__(
        self,
        client: PlivoClient,
        items: Iterable[Recording | str],
        archive_dir: Path,
        *,
        manifest: Path | None = None,
        concurrency: int | None = None,
        progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
        original: bool = False,
        credentials_for: CredentialsSource | None = None,
        verifier: DecodeVerifier | None = None,
    ):
        """`items` are Recordings (as listed: no extra request) or ids (looked up with a GET
        unless the manifest already knows them). `credentials_for` picks media credentials per
        recording (a subaccount's media needs the subaccount's token).

        `concurrency` (default: one per connection of the client) bounds the recordings in
        flight. Each spends most of its time waiting (media GET, ffmpeg, DELETE) and the rate
        limiter, not this, paces the requests; one per connection lets a run spend the limit's
        first full window (300 requests at once), not only its steady 60/s (bench/triage.py:
        1.21 × the rate bound with 16, 1.15 × with 64)."""
        items = list(items)
        self._recordings = {r.recording_id: r for r in items if isinstance(r, Recording)}
        ids = [r.recording_id if isinstance(r, Recording) else r for r in items]
        super().__init__(
            ids, concurrency=concurrency or client.max_concurrency, progress=progress, cancel=cancel
        )
        self.client = client
        self.archive_dir = Path(archive_dir)
        self.manifest = manifest or self.archive_dir / MANIFEST_NAME
        self.original = original
        self.credentials_for = credentials_for
        self.verifier = verifier or DecodeVerifier()
        self._journal: Journal | None = None

    async def _run(self, ids: list[str]) -> BulkReport:
        self.archive_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Off the loop: taking its lock may wait (file_lock.LOCK_WAIT_S), and it reads the file.
        self._journal = await asyncio.to_thread(Journal.open, self.manifest)
        try:
            await self._settle_sent_deletes()
            return await super()._run(ids)
        finally:
            self._journal.close()

    async def _settle_sent_deletes(self) -> None:
        """A DELETE an interrupted run sent without seeing the answer (`delete_sent` is the last
        line): if the recording is gone now, that DELETE worked, and the manifest says so from
        here on, whether or not this run was asked about it. Any other answer leaves it."""
        for entry in self.journal.with_status(DELETE_SENT):
            rid = entry.recording_id
            if recording_id_problem(rid) is not None:
                continue
            try:
                await self.client.get_recording(rid)
            except NotFoundError:
                await self.journal.append(rid, DELETED, http=404, confirmed="next run")
            except PlivoError:
                continue  # still unknown: the next run asks again

    @property
    def journal(self) -> Journal:
        assert self._journal is not None, "the journal is open only while running"
        return self._journal

    # -- one recording ----------------------------------------------------------------------------

    async def _process(self, rid: str) -> ItemResult:
        entry = self.journal.state(rid)
        if entry is not None and entry.status == DELETED:
            where = str(self.manifest.parent / entry.path) if entry.path else None
            return ItemResult(
                rid, Outcome.ALREADY_GONE, "deleted in an earlier run (manifest)", where
            )
        delete_was_sent = entry is not None and entry.status == DELETE_SENT
        archived = await self._trusted_archive(rid)
        if archived is None:
            try:
                recording = await self._recording(rid)
                if recording is None:  # not listed, not in the manifest: nothing says it existed
                    return ItemResult(rid, Outcome.NOT_FOUND, "no such recording", kind="not_found")
                archived = await self._archive(recording)
            except _NotArchived as exc:
                await self.journal.append(rid, FAILED, reason=str(exc), **_no_archive())
                reason = f"not archived, not deleted: {exc}"
                return ItemResult(rid, Outcome.FAILED, reason, kind=exc.kind)
            except AuthenticationError as exc:  # the API refused us: so it will for the rest
                self.abort(str(exc))
                return failed(rid, exc)
        shown = str(archived.path)
        if self.stopping:
            return ItemResult(rid, Outcome.ARCHIVED, "stopped before its DELETE", shown)
        try:
            deleted = await self.finish_despite_cancel(self._delete(rid))
        except asyncio.CancelledError:
            self.report.record(ItemResult(rid, Outcome.UNKNOWN, "interrupted", shown))
            raise
        except Exception as exc:
            if isinstance(exc, AuthenticationError):
                self.abort(str(exc))
            await self.journal.append(rid, FAILED, reason=f"delete: {one_line(exc)}")
            return failed(rid, exc, "archived, delete failed: ", archive_path=shown)
        if deleted:
            return ItemResult(rid, Outcome.DELETED, "", shown)
        note = "deleted by an earlier run" if delete_was_sent else "already deleted on the server"
        return ItemResult(rid, Outcome.ALREADY_GONE, note, shown)

    async def _delete(self, rid: str) -> bool:
        await self.journal.append(rid, DELETE_SENT)
        deleted = await self.client.delete_recording(rid)
        await self.journal.append(rid, DELETED, http=204 if deleted else 404)
        return deleted

    async def _trusted_archive(self, rid: str) -> Archived | None:
        """The archive an earlier run made, if the file is still exactly what it hashed."""
        entry = self.journal.state(rid)
        if entry is None or not entry.has_archive:
            return None
        path = self.manifest.parent / str(entry.path)
        try:
            digest, size = await asyncio.to_thread(sha256_file, path)
        except OSError:
            return None
        if digest != entry.sha256 or size != entry.size:
            return None
        return Archived(path, digest, size)

    async def _recording(self, rid: str) -> Recording | None:
        """The recording's metadata: as given, from the manifest, or from the API (None: 404)."""
        if rid in self._recordings:
            return self._recordings[rid]
        entry = self.journal.state(rid)
        if entry is not None and entry.recording is not None:
            try:
                return Recording.from_api(entry.recording)
            except MalformedRecord:
                pass
        try:
            return await self.client.get_recording(rid)
        except NotFoundError:
            return None
        except AuthenticationError:
            raise
        except PlivoError as exc:
            raise _NotArchived(f"cannot read its metadata: {exc}", error_kind(exc)) from None

    async def _archive(self, recording: Recording) -> Archived:
        final = self.archive_dir / archive_name(recording, original=self.original)
        part = final.with_name(final.name + ".part")
        announced: list[int | None] = [None]

        def remember_total(_done: int, total: int | None) -> None:
            announced[0] = total

        try:
            url = media_url(recording, original=self.original)
            credentials = resolve_credentials(self.credentials_for, recording)
            for attempt in range(MEDIA_ATTEMPTS):
                try:
                    await download_file(
                        self.client, url, part, credentials=credentials, progress=remember_total
                    )
                    break
                except _TRANSIENT:
                    if attempt == MEDIA_ATTEMPTS - 1 or self.stopping:
                        raise
                # Full jitter, as the client does: spread the retries of parallel workers.
                await asyncio.sleep(random.uniform(0, min(8.0, 0.5 * 2**attempt)))
        except DownloadIncompleteError as exc:
            # The .part stays: the retry resumes it.
            raise _NotArchived(str(exc), "network") from None
        except NotFoundError:
            raise _NotArchived("the server has no media for it (HTTP 404)", "not_found") from None
        except (PlivoError, MediaError, OSError) as exc:
            raise _NotArchived(one_line(exc), error_kind(exc)) from None

        if announced[0] is None and recording.duration_s is None:
            # Neither a Content-Length nor a duration to hold the copy against: a body cut at a
            # frame boundary would still decode cleanly, so this copy cannot be verified.
            part.unlink(missing_ok=True)
            raise _NotArchived("cannot verify the copy: no Content-Length and no duration")
        check, (digest, size) = await asyncio.gather(
            self.verifier.check(part, recording.duration_s),
            asyncio.to_thread(sha256_file, part),
        )
        if not check.ok:
            part.unlink(missing_ok=True)  # a bad copy must not be mistaken for an archive
            raise _NotArchived(check.reason)
        os.replace(part, final)
        await asyncio.to_thread(fsync_dir, self.archive_dir)
        await self.journal.append(
            recording.recording_id,
            ARCHIVED,
            recording=recording.raw,
            path=os.path.relpath(final, self.manifest.parent),
            sha256=digest,
            size=size,
            content_length=announced[0],
            decoded_s=round(check.decoded_s or 0.0, 3),
            original=self.original or None,
        )
        return Archived(final, digest, size)


def _no_archive() -> dict[str, None]:
    """Journal fields that drop what an earlier line said about an archive (it is gone)."""
    return {"path": None, "sha256": None, "size": None}
