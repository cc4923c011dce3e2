"""`rectui transcript` and `rectui search` as a user runs them: subprocesses against the emulator,
a real SQLite index file, stdout, one-line stderr and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rectui.emulator import RunningEmulator
from rectui.emulator.transcripts import transcript_text
from tests.test_index_commands import run
from tests.test_transcription import untranscribed


def words_of(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{5,}", text)}


def test_request_wait_show_then_search_finds_one_recording_and_not_another(
    emulator, tmp_path: Path
) -> None:
    emulator.emulator.transcripts.delay = 0
    first, second = untranscribed(emulator, 2)
    recs = {rid: emulator.emulator.store.get(rid) for rid in (first, second)}
    texts = {rid: transcript_text(rid, rec.duration_ms) for rid, rec in recs.items() if rec}
    only_first = sorted(words_of(texts[first]) - words_of(texts[second]))
    only_second = sorted(words_of(texts[second]) - words_of(texts[first]))
    assert only_first and only_second

    missing = run(emulator, tmp_path, "transcript", first)
    assert missing.returncode == 4 and "no transcript yet" in missing.stderr

    requested = run(emulator, tmp_path, "transcript", first, "--request", "--wait")
    assert requested.returncode == 0, requested.stderr
    assert "transcription in progress" in requested.stderr and "$0.0500/min" in requested.stderr
    assert requested.stdout.startswith("Speaker 0: ")
    assert {"Speaker 0", "Speaker 1"} <= {ln.split(":")[0] for ln in requested.stdout.splitlines()}
    run(emulator, tmp_path, "transcript", second, "--request")
    shown = run(emulator, tmp_path, "transcript", second, "--format", "json")
    assert json.loads(shown.stdout)["status"] == "success"

    hit = run(emulator, tmp_path, "search", only_first[0])
    assert hit.returncode == 0, hit.stderr
    assert first in hit.stdout and second not in hit.stdout
    (line,) = hit.stdout.splitlines()
    assert only_first[0] in line.lower()
    other = run(emulator, tmp_path, "search", only_second[0], "--format", "json")
    assert [json.loads(x)["recording_id"] for x in other.stdout.splitlines()] == [second]
    none = run(emulator, tmp_path, "search", "xylophonic")
    assert none.returncode == 4 and "no stored transcript" in none.stderr
    assert not [r for r in emulator.emulator.request_log if "search" in r.path]

    deleted = run(emulator, tmp_path, "transcript", first, "--delete")
    assert deleted.returncode == 0 and "deleted the transcript" in deleted.stderr
    assert run(emulator, tmp_path, "search", only_first[0]).returncode == 4


def test_hostile_transcript_text_is_printed_inert(emulator: RunningEmulator, tmp_path) -> None:
    (rid,) = untranscribed(emulator)
    emulator.emulator.transcripts.put(rid, "\nSpeaker 0: \x1b]0;PWNED\x07 [red]refund[/red]\x9b2J")
    shown = run(emulator, tmp_path, "transcript", rid)
    assert shown.returncode == 0
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout and "\x9b" not in shown.stdout
    assert "␛]0;PWNED␇ [red]refund[/red]" in shown.stdout
    found = run(emulator, tmp_path, "search", "refund")
    assert rid in found.stdout and "\x1b" not in found.stdout
