"""Archive-then-delete against the emulator over loopback.

The rules under test: nothing is deleted without a verified archive journaled first, and a run
that was interrupted resumes from its manifest without deleting anything twice. The server's
side of the story comes from the emulator's request log and its own media bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import stat
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rectui.emulator import RunningEmulator
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.models import Recording
from rectui.plivo.ratelimit import RateLimiter
from rectui.triage import ArchiveDelete, Outcome
from rectui.triage.journal import MANIFEST_NAME


def make_client(emulator: RunningEmulator) -> PlivoClient:
    return PlivoClient(
        Credentials(emulator.auth_id, emulator.auth_token),
        base_url=emulator.base_url,
        limiter=RateLimiter(1_000_000, 1.0),
        backoff_base=0.001,
    )


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[PlivoClient]:
    async with make_client(emulator) as c:
        yield c


def short_ids(emulator: RunningEmulator, count: int, fmt: str | None = None) -> list[str]:
    """Short recordings (quick to synthesise and decode), mp3 and wav mixed unless `fmt`."""
    rows = [
        r
        for r in emulator.emulator.store.snapshot()
        if r.duration_ms < 20_000 and (fmt is None or r.recording_format == fmt)
    ]
    return [r.recording_id for r in rows[:count]]


async def recordings(client: PlivoClient, ids: list[str]) -> list[Recording]:
    return [await client.get_recording(rid) for rid in ids]


def true_media(emulator: RunningEmulator, rid: str) -> bytes:
    """The bytes the emulator serves for `rid` (ask before deleting it)."""
    rec = emulator.emulator.store.get(rid)
    assert rec is not None
    path = emulator.emulator.media.ensure(rid, rec.recording_format, rec.duration_s, "default")
    return path.read_bytes()


def manifest(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / MANIFEST_NAME).read_text().splitlines()]


def request_log(emulator: RunningEmulator, settle_on: int = 0) -> list[tuple[str, str, int | None]]:
    """(method, last path part, status) of every request, once `settle_on` DELETEs are logged."""
    log = emulator.emulator.request_log
    log.wait_logged(settle_on, method="DELETE")
    return [(r.method, r.path.rstrip("/").rsplit("/", 1)[-1], r.status) for r in log]


def deleted_on_server(lines: list[tuple[str, str, int | None]]) -> Counter[str]:
    return Counter(rid for method, rid, status in lines if method == "DELETE" and status == 204)


def media_gets(lines: list[tuple[str, str, int | None]]) -> Counter[str]:
    return Counter(
        part.split(".")[0] for method, part, _ in lines if method == "GET" and "." in part
    )


def assert_journal_order(entries: list[dict[str, Any]], directory: Path) -> None:
    """For every id: a verified archive line before any delete_sent, and the file matches."""
    archived: dict[str, dict[str, Any]] = {}
    for entry in entries:
        rid = entry["recording_id"]
        if entry["status"] == "archived":
            archived[rid] = entry
        if entry["status"] in ("delete_sent", "deleted"):
            assert rid in archived, f"{rid}: {entry['status']} before any archive"
            path = directory / entry["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]


async def test_archives_verify_and_journal_before_deleting(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    ids = short_ids(emulator, 3, "mp3") + short_ids(emulator, 3, "wav")
    recs = await recordings(client, ids)
    truth = {rid: true_media(emulator, rid) for rid in ids}
    calls: list[tuple[int, int]] = []
    report = await ArchiveDelete(
        client, recs, tmp_path, progress=lambda done, total, _: calls.append((done, total))
    ).run()

    assert report.ok and set(report.deleted) == set(ids)
    assert calls[-1] == (6, 6)
    entries = manifest(tmp_path)
    assert [e["status"] for e in entries if e["recording_id"] == ids[0]] == [
        "archived",
        "delete_sent",
        "deleted",
    ]
    assert_journal_order(entries, tmp_path)
    for rec in recs:
        archived = next(
            e
            for e in entries
            if e["recording_id"] == rec.recording_id and e["status"] == "archived"
        )
        assert archived["recording"] == rec.raw  # the server's object, exactly as sent
        data = (tmp_path / archived["path"]).read_bytes()
        assert data == truth[rec.recording_id]
        assert archived["size"] == len(data) == archived["content_length"]
        assert archived["sha256"] == hashlib.sha256(data).hexdigest()
        assert archived["path"] == f"{rec.recording_id}.{rec.recording_format}"
        assert report.results[rec.recording_id].archive_path == str(tmp_path / archived["path"])
    assert stat.S_IMODE((tmp_path / MANIFEST_NAME).stat().st_mode) == 0o600
    assert deleted_on_server(request_log(emulator, 6)) == Counter(ids)


async def test_truncated_media_is_never_deleted(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    ids = short_ids(emulator, 4)
    cut = ids[1]
    truth = true_media(emulator, cut)
    # Every attempt (with resume) gets cut off: the size never reaches Content-Length.
    emulator.emulator.truncate_media_for(cut, times=None)
    report = await ArchiveDelete(client, ids, tmp_path).run()

    result = report.results[cut]
    assert result.outcome == Outcome.FAILED
    assert result.reason.startswith("not archived, not deleted: ")
    assert set(report.deleted) == set(ids) - {cut}
    lines = request_log(emulator, 3)
    assert cut not in {rid for method, rid, _ in lines if method == "DELETE"}
    assert emulator.emulator.store.get(cut) is not None
    assert not any(tmp_path.glob(f"{cut}.*[!t]"))  # only the resumable .part is left
    # The cut one's last line (the others' lines may come after it: they run concurrently).
    cut_lines = [line for line in manifest(tmp_path) if line["recording_id"] == cut]
    assert cut_lines[-1]["status"] == "failed"

    # A cut that happens once is healed inside the same run by resuming the partial file.
    emulator.emulator.clear_faults()
    emulator.emulator.truncate_media_for(cut, times=1)
    report = await ArchiveDelete(client, [cut], tmp_path).run()
    assert report.deleted == [cut]
    archived = [e for e in manifest(tmp_path) if e["status"] == "archived"][-1]
    assert (tmp_path / archived["path"]).read_bytes() == truth


async def test_media_that_does_not_decode_whole_is_never_deleted(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    half, garbage, fine = short_ids(emulator, 3, "mp3")
    emu = emulator.emulator
    # Complete answers (Content-Length matches the body) whose bytes are not the whole audio.
    body = true_media(emulator, half)
    headers = {"content-type": "audio/mpeg"}
    emu.fail_next(
        f"{half}.mp3", status=200, body=body[: len(body) // 2], headers=headers, times=None
    )
    emu.fail_next(f"{garbage}.mp3", status=200, body=b"\x00not audio" * 500, times=None)

    report = await ArchiveDelete(client, [half, garbage, fine], tmp_path).run()

    assert report.deleted == [fine]
    assert "truncated" in report.results[half].reason
    assert "does not decode" in report.results[garbage].reason
    lines = request_log(emulator, 1)
    assert deleted_on_server(lines) == Counter([fine])
    assert {rid for m, rid, _ in lines if m == "DELETE"} == {fine}
    assert not list(tmp_path.glob(f"{half}*")) and not list(tmp_path.glob(f"{garbage}*"))


async def test_interrupted_run_resumes_without_deleting_twice(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    ids = short_ids(emulator, 12)
    emulator.emulator.latency_ms = 10
    first = ArchiveDelete(client, ids, tmp_path, concurrency=4)
    task = asyncio.create_task(first.run())
    first.progress = lambda done, total, _: task.cancel() if done == 3 else None
    with pytest.raises(asyncio.CancelledError):
        await task

    interrupted = first.report
    assert interrupted.cancelled
    deleted_first = set(interrupted.deleted)
    assert 3 <= len(deleted_first) < len(ids)
    lines = request_log(emulator, len(deleted_first))
    assert set(deleted_on_server(lines)) == deleted_first  # reported exactly
    assert_journal_order(manifest(tmp_path), tmp_path)

    # The same action again (a new process would do exactly this: same ids, same directory).
    second = ArchiveDelete(client, ids, tmp_path)
    report = await second.run()
    assert report.ok
    for rid in deleted_first:
        assert report.results[rid].outcome == Outcome.ALREADY_GONE
        assert "earlier run" in report.results[rid].reason
    assert set(report.deleted) == set(ids) - deleted_first

    lines = request_log(emulator, len(ids))
    assert deleted_on_server(lines) == Counter(ids)  # one successful DELETE per recording
    # Deleted in the first run: no request at all in the second one.
    assert all(media_gets(lines)[rid] == 1 for rid in deleted_first)
    assert_journal_order(manifest(tmp_path), tmp_path)


async def test_lost_answer_to_a_delete_counts_as_done_on_resume(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    (rid,) = short_ids(emulator, 1)
    await ArchiveDelete(client, [rid], tmp_path).run()
    # A crash after the server deleted it but before `deleted` reached the journal.
    path = tmp_path / MANIFEST_NAME
    path.write_text("".join(line + "\n" for line in path.read_text().splitlines()[:-1]))
    assert manifest(tmp_path)[-1]["status"] == "delete_sent"

    report = await ArchiveDelete(client, [rid], tmp_path).run()

    assert report.results[rid].outcome == Outcome.ALREADY_GONE
    assert report.results[rid].reason == "deleted in an earlier run (manifest)"
    # Confirmed by looking (GET: 404) before anything else, and recorded.
    assert manifest(tmp_path)[-1]["status"] == "deleted"
    assert manifest(tmp_path)[-1]["confirmed"] == "next run"
    lines = request_log(emulator, 1)
    assert [s for m, _, s in lines if m == "DELETE"] == [204]
    assert media_gets(lines)[rid] == 1  # never fetched again


async def test_a_sent_delete_is_settled_by_the_next_run_about_other_recordings(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    gone, kept, other = short_ids(emulator, 3)
    await ArchiveDelete(client, [gone], tmp_path).run()
    path = tmp_path / MANIFEST_NAME
    lines = path.read_text().splitlines()
    # An interrupted run: `gone` was deleted, its answer lost; `kept`'s DELETE never arrived.
    kept_line = json.loads(lines[-1]) | {"recording_id": kept, "status": "delete_sent"}
    path.write_text("".join(line + "\n" for line in [*lines[:-1], json.dumps(kept_line)]))

    report = await ArchiveDelete(client, [other], tmp_path).run()

    assert report.ok and report.deleted == [other]
    final = {line["recording_id"]: line for line in manifest(tmp_path)}
    assert final[gone]["status"] == "deleted" and final[gone]["confirmed"] == "next run"
    assert final[kept]["status"] == "delete_sent"  # it still exists: nothing is assumed
    assert emulator.emulator.store.get(kept) is not None


async def test_damaged_archive_is_fetched_again_before_deleting(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    (rid,) = short_ids(emulator, 1)
    truth = true_media(emulator, rid)
    emulator.emulator.fail_next(rid, status=500, times=None, method="DELETE")
    report = await ArchiveDelete(client, [rid], tmp_path).run()
    assert report.results[rid].outcome == Outcome.FAILED
    assert report.results[rid].reason.startswith("archived, delete failed: ")
    archived = next(e for e in manifest(tmp_path) if e["status"] == "archived")
    with (tmp_path / archived["path"]).open("ab") as handle:
        handle.write(b"bit rot")

    emulator.emulator.clear_faults()
    report = await ArchiveDelete(client, [rid], tmp_path).run()

    assert report.deleted == [rid]
    assert (tmp_path / archived["path"]).read_bytes() == truth
    assert media_gets(request_log(emulator))[rid] == 2


async def test_soft_cancel_keeps_archives_for_the_next_run(
    emulator: RunningEmulator, client: PlivoClient, tmp_path: Path
) -> None:
    ids = short_ids(emulator, 8)
    stop = asyncio.Event()
    runner = ArchiveDelete(client, ids, tmp_path, concurrency=2, cancel=stop)
    runner.progress = lambda done, total, _: stop.set() if done == 2 else None
    report = await runner.run()
    assert report.cancelled and 2 <= len(report.deleted) < len(ids)
    assert not report.ids_with([Outcome.UNKNOWN, Outcome.FAILED])

    runner.progress = None
    report = await runner.retry()
    assert report.ok and set(report.deleted) == set(ids)
    assert deleted_on_server(request_log(emulator, len(ids))) == Counter(ids)
