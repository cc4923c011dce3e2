"""The archive manifest as a journal: durable lines, torn lines after a crash, one writer."""

from __future__ import annotations

import json
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from rectui import file_lock
from rectui.triage.journal import ARCHIVED, DELETE_SENT, DELETED, FAILED, Journal, JournalError


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def test_each_line_carries_the_archive_forward(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    with Journal.open(path) as journal:
        journal.append_sync("r1", ARCHIVED, recording={"recording_id": "r1"}, path="r1.mp3",
                            sha256="ab", size=3)  # fmt: skip
        journal.append_sync("r1", DELETE_SENT)
        journal.append_sync("r1", DELETED, http=204)
        journal.append_sync("r2", FAILED, reason="does not decode")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    r1 = [line for line in lines(path) if line["recording_id"] == "r1"]
    assert [line["status"] for line in r1] == ["archived", "delete_sent", "deleted"]
    assert all(line["sha256"] == "ab" and line["recording"] for line in r1)

    reopened = Journal.open(path)
    assert reopened.state("r1").status == DELETED  # type: ignore[union-attr]
    assert reopened.state("r2").data["reason"] == "does not decode"  # type: ignore[union-attr]
    assert reopened.state("r3") is None
    reopened.close()


def test_a_torn_last_line_is_skipped_and_ended(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    with Journal.open(path) as journal:
        journal.append_sync("r1", ARCHIVED, path="r1.mp3", sha256="ab", size=3)
    with path.open("ab") as handle:
        handle.write(b'{"recording_id": "r2", "status": "del')  # the crash came mid-write

    with Journal.open(path) as journal:
        assert journal.skipped_lines == 1
        assert journal.state("r2") is None and journal.state("r1") is not None
        journal.append_sync("r2", ARCHIVED, path="r2.mp3", sha256="cd", size=4)
    with Journal.open(path) as journal:
        assert journal.state("r2").status == ARCHIVED  # type: ignore[union-attr]


def test_one_writer_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_lock, "LOCK_WAIT_S", 0.1)  # the holder is not letting go
    path = tmp_path / "manifest.jsonl"
    with Journal.open(path), pytest.raises(JournalError, match="in use by another rectui"):
        Journal.open(path)
    Journal.open(path).close()  # released on close


def test_reopened_at_once_while_processes_start_it_is_not_in_use(tmp_path: Path) -> None:
    """A process started from another thread (ffmpeg verifying, the emulator's media) holds a
    copy of the journal's descriptor, and so its lock, until it execs: a run resumed right
    after the last one closed must not take that for another rectui."""
    path = tmp_path / "manifest.jsonl"
    started, stop = threading.Event(), threading.Event()

    def start_processes() -> None:
        while not stop.is_set():
            subprocess.run(["true"], check=True)
            started.set()

    spawner = threading.Thread(target=start_processes, daemon=True)
    spawner.start()
    try:
        assert started.wait(30), "no process could be started"
        journal = Journal.open(path)
        for _ in range(2000):
            journal.close()
            journal = Journal.open(path)
        journal.close()
    finally:
        stop.set()
        spawner.join(timeout=30)
