"""The scriptable commands, run as a user runs them: `python -m rectui ...` in a subprocess
against the emulator over loopback. Checked: stdout, one-line stderr, exit codes, and what the
server saw (its request log)."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rectui.commands.output import Output
from rectui.emulator import RunningEmulator
from rectui.emulator.data import StoredRecording
from rectui.plivo import pricing
from rectui.plivo.rules import format_filter_time

TIMEOUT = 60


def run(
    emulator: RunningEmulator | None,
    *args: str,
    tmp_path: Path,
    creds: bool = True,
    token: str | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")  # never the developer's own config
    if emulator is not None and creds:
        env["PLIVO_AUTH_ID"] = emulator.auth_id
        env["PLIVO_AUTH_TOKEN"] = token or emulator.auth_token
    url = ["--api-url", emulator.base_url] if emulator is not None and creds else []
    done = subprocess.run(
        [sys.executable, "-m", "rectui", *args, *url],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in done.stderr
    if emulator is not None:
        assert emulator.auth_token not in done.stdout + done.stderr
    for line in done.stderr.splitlines():
        assert line.startswith(("rectui: ", "usage:", "Delete ")), line
    return done


def deletes(emulator: RunningEmulator, at_least: int = 0) -> list[tuple[str, int | None]]:
    """(id, status) of the logged DELETEs, once `at_least` of them are there (bounded)."""
    return [
        (r.path.rstrip("/").rsplit("/", 1)[-1], r.status)
        for r in emulator.emulator.request_log.wait_logged(at_least, method="DELETE")
    ]


def span(emulator: RunningEmulator, days: int) -> tuple[str, str, list[str]]:
    """--from-time/--to-time values and the ids the emulator holds between them."""
    end = emulator.emulator.now + timedelta(minutes=1)
    start = end - timedelta(days=days)
    ids = [r.recording_id for r in emulator.emulator.store.snapshot() if start <= r.add_time < end]
    return format_filter_time(start)[:16], format_filter_time(end)[:16], ids


def short_ids(emulator: RunningEmulator, count: int) -> list[str]:
    rows = emulator.emulator.store.snapshot()
    return [r.recording_id for r in rows if r.duration_ms < 20_000][:count]


UNKNOWN = "00000000-0000-1000-8000-000000000000"


def test_list_formats_cover_every_window(emulator: RunningEmulator, tmp_path: Path) -> None:
    start, end, ids = span(emulator, 45)  # two 30-day windows
    filters = ["--from-time", start, "--to-time", end]

    done = run(emulator, "list", *filters, "--format", "csv", tmp_path=tmp_path)
    assert done.returncode == 0 and done.stderr == ""  # piped: no progress bar
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["recording_id"] for r in rows] == ids
    assert {"billable_minutes", "days_stored", "monthly_cost"} <= set(rows[0])

    done = run(emulator, "list", *filters, "--format", "jsonl", tmp_path=tmp_path)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["recording_id"] for line in lines] == ids

    done = run(emulator, "list", *filters, tmp_path=tmp_path)
    out = done.stdout.splitlines()
    assert out[0].startswith("RECORDING ID") and len(out) == len(ids) + 1
    # The summary is not a row: stderr, so `rectui list > rows.txt` holds only rows.
    assert done.stderr.startswith(f"rectui: {len(ids):,} recordings, $")

    out_file = tmp_path / "out.csv"
    done = run(
        emulator, "list", *filters, "--format", "csv", "-o", str(out_file), tmp_path=tmp_path
    )
    assert done.returncode == 0 and f"wrote {len(ids):,} recordings" in done.stderr
    assert len(out_file.read_text().splitlines()) == len(ids) + 1


def test_list_since_spans_the_whole_history(emulator: RunningEmulator, tmp_path: Path) -> None:
    done = run(emulator, "list", "--since", "401d", "--format", "jsonl", tmp_path=tmp_path)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == len(emulator.emulator.store)
    done = run(
        emulator, "list", "--since", "401d", "--max", "5", "--format", "jsonl", tmp_path=tmp_path
    )
    assert len(done.stdout.splitlines()) == 5


def test_storage_and_time_filters_together(
    make_emulator: Callable[..., RunningEmulator], tmp_path: Path
) -> None:
    """What the API refuses in one request (a 400) is split: rows as if it had not."""
    now = datetime.now(UTC)
    emulator = make_emulator(seed=7, count=2000, now=now)  # days stored hold still
    rows = emulator.emulator.store.snapshot()

    def listed(*options: str) -> list[str]:
        done = run(emulator, "list", *options, "--format", "jsonl", tmp_path=tmp_path)
        assert done.returncode == 0, done.stderr
        return [json.loads(line)["recording_id"] for line in done.stdout.splitlines()]

    def days(rec: StoredRecording) -> int:
        return pricing.storage_days(rec.add_time, now)

    since = now - timedelta(days=200)
    assert listed("--from-time", format_filter_time(since), "--storage-lte", "100") == [
        r.recording_id for r in rows if r.add_time >= since and days(r) <= 100
    ]
    # No lower time bound: the storage half is sent (all time), the time bound checked per row.
    before = now - timedelta(days=100)
    assert listed("--to-time", format_filter_time(before), "--storage-gt", "150") == [
        r.recording_id for r in rows if r.add_time < before and days(r) > 150
    ]
    recent = format_filter_time(now - timedelta(days=30))
    assert listed("--from-time", recent, "--storage-gt", "90") == []
    sent = [r.query for r in emulator.emulator.request_log]
    assert all(r.status == 200 for r in emulator.emulator.request_log)
    assert not any(
        {"add_time__gte", "add_time__lt"} & set(q) and "recording_storage_duration__gt" in q
        for q in sent
    )


def test_bad_filters_are_usage_errors(emulator: RunningEmulator, tmp_path: Path) -> None:
    for args, words in [
        (["--from-number", "abc"], "--from-number"),
        (["--since", "5x"], "--since"),
        (["--storage-gt", "9O"], "--storage-gt: must be a whole number"),
        (["--since", "10d", "--storage-gt", "90", "--limit", "5"], "--storage-gt: storage"),
        (["--since", "10d", "--max", "-1"], "--max -1"),
        (["--since", "10d", "-o", str(tmp_path / "no" / "x.csv")], f"-o {tmp_path}/no/x.csv"),
        (["--since", "10d", "-o", str(tmp_path)], "is a directory"),
        (["--from-time", "yesterday"], "--from-time"),
        (["--preset", "nope"], "no preset"),
        (["--bogus"], "unrecognized"),
    ]:
        done = run(emulator, "list", *args, tmp_path=tmp_path)
        assert done.returncode == 2, args
        assert len(done.stderr.splitlines()) == 1 and words in done.stderr, done.stderr
    assert not emulator.emulator.request_log


def test_get_json_table_and_not_found(emulator: RunningEmulator, tmp_path: Path) -> None:
    rid = short_ids(emulator, 1)[0]
    done = run(emulator, "get", rid, tmp_path=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout) == {
        **emulator.emulator.recording_object(rid, emulator.base_url),
        "api_id": json.loads(done.stdout)["api_id"],
    }
    done = run(emulator, "get", rid, "--format", "table", tmp_path=tmp_path)
    assert done.returncode == 0 and "monthly cost" in done.stdout and rid in done.stdout

    done = run(emulator, "get", UNKNOWN, tmp_path=tmp_path)
    assert done.returncode == 4
    assert done.stderr == f"rectui: Recording {UNKNOWN} not found (HTTP 404)\n"


def test_download_verifies_and_reports_per_id(emulator: RunningEmulator, tmp_path: Path) -> None:
    ids = short_ids(emulator, 2)
    target = tmp_path / "media"
    done = run(emulator, "download", *ids, "--dir", str(target), tmp_path=tmp_path)
    assert done.returncode == 0
    paths = [Path(p) for p in done.stdout.splitlines()]
    for rid, path in zip(ids, paths, strict=True):
        rec = emulator.emulator.store.get(rid)
        assert rec is not None
        truth = emulator.emulator.media.ensure(rid, rec.recording_format, rec.duration_s, "default")
        assert path == target / f"{rid}.{rec.recording_format}"
        assert path.read_bytes() == truth.read_bytes()

    done = run(emulator, "download", ids[0], UNKNOWN, "--dir", str(target), tmp_path=tmp_path)
    assert done.returncode == 1 and UNKNOWN in done.stderr
    done = run(emulator, "download", UNKNOWN, "--dir", str(target), tmp_path=tmp_path)
    assert done.returncode == 4

    emulator.emulator.truncate_media_for(ids[1], times=None)
    done = run(emulator, "download", ids[1], "--dir", str(tmp_path / "cut"), tmp_path=tmp_path)
    assert done.returncode == 5 and "interrupted" in done.stderr
    assert not (tmp_path / "cut" / paths[1].name).exists()


def test_delete_refuses_without_yes_when_not_on_a_terminal(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    ids = short_ids(emulator, 2)
    done = run(emulator, "delete", *ids, tmp_path=tmp_path)
    assert done.returncode == 2 and "--yes" in done.stderr
    done = run(emulator, "delete", "-", tmp_path=tmp_path, stdin="\n".join(ids))
    assert done.returncode == 2
    assert deletes(emulator) == []


def test_delete_results_and_exit_codes(emulator: RunningEmulator, tmp_path: Path) -> None:
    ids = short_ids(emulator, 3)
    done = run(emulator, "delete", *ids, UNKNOWN, "--yes", tmp_path=tmp_path)
    assert done.returncode == 1  # one of them never existed
    assert done.stdout.splitlines() == [
        *(f"{rid}\tdeleted" for rid in ids),
        f"{UNKNOWN}\tnot_found\tno such recording",
    ]
    assert "3 deleted, 1 not found" in done.stderr
    assert Counter(r for r, s in deletes(emulator, 4) if s == 204) == Counter(ids)
    done = run(emulator, "delete", UNKNOWN, "--yes", tmp_path=tmp_path)
    assert done.returncode == 4 and done.stdout == f"{UNKNOWN}\tnot_found\tno such recording\n"

    more = short_ids(emulator, 5)[3:]  # (the first three are gone now)
    emulator.emulator.fail_next(more[0], status=500, times=None, method="DELETE")
    done = run(emulator, "delete", *more, "--yes", tmp_path=tmp_path)
    assert done.returncode == 1
    assert f"{more[0]}\tfailed\tServer error (HTTP 500)" in done.stdout
    assert f"rectui: {more[0]}: Server error (HTTP 500)" in done.stderr
    done = run(emulator, "delete", more[0], "--yes", tmp_path=tmp_path)
    assert done.returncode == 5  # every item failed the same way: a server error

    done = run(emulator, "delete", *more, "--yes", tmp_path=tmp_path, token="not-the-token")
    assert done.returncode == 3 and "not-the-token" not in done.stderr


def test_delete_with_archive_resumes_from_its_manifest(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    ids = short_ids(emulator, 4)
    archive = tmp_path / "archive"
    emulator.emulator.truncate_media_for(ids[0], times=None)
    done = run(emulator, "delete", *ids, "--archive", str(archive), "--yes", tmp_path=tmp_path)
    assert done.returncode == 1
    assert f"{ids[0]}\tfailed\tnot archived, not deleted" in done.stdout
    assert ids[0] not in {rid for rid, _ in deletes(emulator, 3)}

    emulator.emulator.clear_faults()
    emulator.emulator.request_log.clear()
    done = run(emulator, "delete", *ids, "--archive", str(archive), "--yes", tmp_path=tmp_path)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == f"{ids[0]}\tdeleted"
    assert all("already_gone\tdeleted in an earlier run" in line for line in lines[1:])
    # Only the one not done before was touched: its GET, its media, its DELETE.
    assert len(emulator.emulator.request_log) == 3
    # The manifest knows what it deleted; an id it never saw, the server does not have either.
    done = run(emulator, "delete", ids[1], UNKNOWN, "--archive", str(archive), "--yes",
               tmp_path=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == f"{UNKNOWN}\tnot_found\tno such recording"
    done = run(emulator, "delete", UNKNOWN, "--archive", str(archive), "--yes", tmp_path=tmp_path)
    assert done.returncode == 4
    entries = [json.loads(line) for line in (archive / "manifest.jsonl").read_text().splitlines()]
    assert {e["recording_id"] for e in entries if e["status"] == "deleted"} == set(ids)
    assert stat.S_IMODE((archive / "manifest.jsonl").stat().st_mode) == 0o600


def test_delete_asks_on_a_terminal(emulator: RunningEmulator, tmp_path: Path) -> None:
    ids = short_ids(emulator, 2)

    def answer(reply: str) -> tuple[int, str]:
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
        env |= {"PLIVO_AUTH_ID": emulator.auth_id, "PLIVO_AUTH_TOKEN": emulator.auth_token}
        env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
        process = subprocess.Popen(
            [sys.executable, "-m", "rectui", "delete", *ids, "--api-url", emulator.base_url],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=slave,
            env=env,
        )
        os.close(slave)
        seen = b""
        deadline = time.monotonic() + TIMEOUT
        while b"[y/N]" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 1)[0]:
                seen += os.read(master, 1024)
        os.write(master, reply.encode() + b"\n")
        process.wait(TIMEOUT)
        assert process.stdout is not None
        stdout = process.stdout.read().decode()
        process.stdout.close()
        os.close(master)
        return process.returncode, stdout

    code, _ = answer("n")
    assert code == 2 and deletes(emulator) == []
    code, stdout = answer("y")
    assert code == 0 and stdout.count("\tdeleted") == 2


def test_network_and_auth_errors(emulator: RunningEmulator, tmp_path: Path) -> None:
    done = run(emulator, "get", UNKNOWN, tmp_path=tmp_path, token="wrong-token-123")
    assert done.returncode == 3 and "Authentication failed" in done.stderr
    assert "wrong-token-123" not in done.stderr

    env_only = run(None, "get", UNKNOWN, "--api-url", "http://127.0.0.1:9", tmp_path=tmp_path)
    assert env_only.returncode == 2 and "PLIVO_AUTH_ID" in env_only.stderr

    config = tmp_path / "c.toml"
    config.write_text(
        '[profiles.x]\nauth_id = "MAX"\nauth_token = "secret-x"\napi_url = "http://127.0.0.1:9"\n'
    )
    config.chmod(0o600)
    done = run(None, "--config", str(config), "get", UNKNOWN, tmp_path=tmp_path)
    assert done.returncode == 5 and "Cannot reach 127.0.0.1:9" in done.stderr
    assert "secret-x" not in done.stderr


def test_profile_switching(emulator: RunningEmulator, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "good"\n'
        f'[profiles.good]\nauth_id = "{emulator.auth_id}"\nauth_token = "{emulator.auth_token}"\n'
        f'api_url = "{emulator.base_url}"\n'
        f'[profiles.bad]\nauth_id = "{emulator.auth_id}"\nauth_token = "nope"\n'
        f'api_url = "{emulator.base_url}"\n'
    )
    config.chmod(0o600)
    rid = short_ids(emulator, 1)[0]

    def get(*options: str) -> subprocess.CompletedProcess[str]:
        return run(None, "--config", str(config), *options, "get", rid, tmp_path=tmp_path)

    assert get().returncode == 0
    assert get("--profile", "good").returncode == 0
    assert get("--profile", "bad").returncode == 3
    missing = get("--profile", "staging")
    assert missing.returncode == 2 and "profiles: good, bad" in missing.stderr
    # Global options also work after the command.
    after = run(None, "get", rid, "--config", str(config), "--profile", "bad", tmp_path=tmp_path)
    assert after.returncode == 3


def test_costs_summary(emulator: RunningEmulator, tmp_path: Path) -> None:
    start, end, ids = span(emulator, 200)
    filters = ["--from-time", start, "--to-time", end]
    done = run(emulator, "costs", *filters, "--format", "json", "--top", "3", tmp_path=tmp_path)
    assert done.returncode == 0
    summary = json.loads(done.stdout)
    assert summary["count"] == len(ids)
    assert len(summary["costliest"]) == 3 and summary["past_free_count"] > 0
    costs = [float(c["monthly_cost"]) for c in summary["costliest"]]
    assert costs == sorted(costs, reverse=True)
    text = run(emulator, "costs", *filters, tmp_path=tmp_path)
    assert text.returncode == 0 and "monthly cost now" in text.stdout
    assert summary["costliest_empty_reason"] is None
    # Nothing billed yet: the list is empty, and says why.
    start, end, ids = span(emulator, 30)
    free = run(emulator, "costs", "--from-time", start, "--to-time", end, tmp_path=tmp_path)
    assert "monthly cost now         $0.0000" in free.stdout
    assert "none: nothing is billed yet: every recording is in its free 90 days" in free.stdout


def test_config_init(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    done = run(None, "config", "init", "--path", str(path), tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = run(None, "config", "init", "--path", str(path), tmp_path=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = run(None, "config", "init", "--path", str(path), "--force", tmp_path=tmp_path)
    assert forced.returncode == 0
    via_config = run(
        None, "--config", str(tmp_path / "c2.toml"), "config", "init", tmp_path=tmp_path
    )
    assert via_config.returncode == 0 and (tmp_path / "c2.toml").exists()


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_documents_exit_codes(flag: str, tmp_path: Path) -> None:
    for command in ("list", "delete"):
        done = run(None, command, flag, tmp_path=tmp_path)
        assert done.returncode == 0
        assert "3 auth error" in done.stdout and "5 network/server error" in done.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_message_during_a_progress_line_gets_a_line_of_its_own() -> None:
    err = _Terminal()
    output = Output(io.StringIO(), err)
    bar = output.progress("listing", output_on_stdout=False)
    bar.update(3, 10, force=True)
    output.message("api.plivo.com did not answer in time; retrying, attempt 2 of 5")
    assert err.getvalue().endswith(
        "\r" + " " * len("listing [#######.................] 3/10") + "\r"
        "rectui: api.plivo.com did not answer in time; retrying, attempt 2 of 5\n"
    )
