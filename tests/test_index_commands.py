"""`rectui sync` and `rectui list --local` as a user runs them (subprocesses, real HTTP, a real
SQLite file): what they print, their exit codes, and what the server saw (its request log)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rectui.emulator import RunningEmulator
from rectui.index import index_path
from rectui.plivo import pricing

TIMEOUT = 120


def environment(emulator: RunningEmulator, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["PLIVO_AUTH_ID"] = emulator.auth_id
    env["PLIVO_AUTH_TOKEN"] = emulator.auth_token
    return env


def command(emulator: RunningEmulator, *args: str) -> list[str]:
    return [sys.executable, "-m", "rectui", *args, "--api-url", emulator.base_url]


def run(emulator: RunningEmulator, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command(emulator, *args),
        capture_output=True,
        text=True,
        env=environment(emulator, tmp_path),
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in done.stderr
    for line in done.stderr.splitlines():
        assert line.startswith("rectui: "), line
    return done


def index_file(emulator: RunningEmulator, tmp_path: Path) -> Path:
    return index_path(tmp_path / "cache" / "rectui", emulator.auth_id)


def server_ids(emulator: RunningEmulator, days: int = 400) -> set[str]:
    since = datetime.now(UTC) - timedelta(days=days)
    return {r.recording_id for r in emulator.emulator.store.snapshot() if r.add_time >= since}


def listed(done: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def test_list_local_answers_from_the_index_without_requests(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    before = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl")
    assert before.returncode == 6
    assert "not fully synced" in before.stderr and "rectui sync" in before.stderr

    synced = run(emulator, tmp_path, "sync")
    assert synced.returncode == 0, synced.stderr
    assert f"{len(server_ids(emulator)):,} recordings in the index" in synced.stdout

    log = emulator.emulator.request_log
    count = len(log)
    everything = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl")
    assert everything.returncode == 0, everything.stderr
    assert {row["recording_id"] for row in listed(everything)} == server_ids(emulator)
    assert len(log) == count  # no request at all

    # Filters the API lacks, combined: long and stored past the free period, longest first.
    started = datetime.now(UTC)
    done = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl",
               "--min-duration", "10m", "--min-days", "91", "--sort", "duration")  # fmt: skip
    ended = datetime.now(UTC)
    assert done.returncode == 0, done.stderr

    def wanted(now: datetime) -> set[str]:
        return {
            r.recording_id
            for r in emulator.emulator.store.snapshot()
            if r.duration_ms >= 600_000
            and pricing.storage_days(r.add_time, now) >= 91
            and r.add_time >= now - timedelta(days=400)
        }

    # The command read its clock somewhere in between: a recording crossing an edge then may
    # go either way.
    rows = listed(done)
    surely, maybe = wanted(started) & wanted(ended), wanted(started) | wanted(ended)
    assert surely and surely <= {row["recording_id"] for row in rows} <= maybe
    durations = [float(str(row["recording_duration_ms"])) for row in rows]
    assert durations == sorted(durations, reverse=True)

    number = next(r.from_number for r in emulator.emulator.store.snapshot() if r.from_number)
    assert number is not None
    found = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl",
                "--search", number[3:9])  # fmt: skip
    assert any(row.get("from_number") == number for row in listed(found))
    assert len(log) == count


def test_local_filters_need_local(emulator: RunningEmulator, tmp_path: Path) -> None:
    done = run(emulator, tmp_path, "list", "--min-days", "90")
    assert done.returncode == 2
    assert "--min-days needs --local" in done.stderr


def test_a_delete_through_rectui_leaves_the_index_at_once(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    assert run(emulator, tmp_path, "sync").returncode == 0
    victim = sorted(server_ids(emulator))[0]
    assert run(emulator, tmp_path, "delete", victim, "--yes").returncode == 0
    after = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl")
    assert victim not in {row["recording_id"] for row in listed(after)}


def test_killed_mid_sync_the_index_opens_and_resumes(
    make_emulator: Callable[..., RunningEmulator], tmp_path: Path
) -> None:
    emulator = make_emulator(seed=7, count=2000)
    served = emulator.emulator
    # From the 90th request on, the server holds every request, so the sync is stopped midway
    # for as long as the test needs.
    gate = served.hold(after=89)

    def sealed_days() -> float:
        path = index_file(emulator, tmp_path)
        if not path.exists():
            return 0
        with contextlib.closing(sqlite3.connect(path, timeout=TIMEOUT)) as db:
            try:
                (us,) = db.execute("SELECT sum(hi - lo) FROM coverage WHERE sealed").fetchone()
            except sqlite3.OperationalError:  # not created yet
                return 0
        return (us or 0) / 86_400e6

    # One request at a time, so the 89 answered before the hold are the same ones every run
    # (with many in flight, which windows finish first depends on the machine's scheduling).
    config = tmp_path / "config" / "rectui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[settings]\nmax_requests_in_flight = 1\n")
    config.chmod(0o600)
    process = subprocess.Popen(
        command(emulator, "sync"),
        env=environment(emulator, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Read while the sync writes (WAL). Of its ~106 requests (the 14 first pages, then
        # window by window), the first 89 hold at least two whole windows: at least 30 days
        # sealed (the newest seals 28, the oldest 10, any other 30).
        wait_for(lambda: sealed_days() >= 30, "30 days synced and sealed")
        assert process.poll() is None, "the sync finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(TIMEOUT)
    finally:
        gate.release()  # the killed sync's held requests are answered into the void
        served.wait_idle()
    killed_after = len(served.request_log)

    resumed = run(emulator, tmp_path, "sync")
    assert resumed.returncode == 0, resumed.stderr
    assert "rebuilt" not in resumed.stderr
    resumed_requests = len(served.request_log) - killed_after
    everything = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl")
    assert everything.returncode == 0
    assert {row["recording_id"] for row in listed(everything)} == server_ids(emulator)
    # The killed run's finished windows stay sealed: the resume fetched only the rest.
    cold = run(emulator, tmp_path / "fresh", "sync")
    cold_requests = len(served.request_log) - killed_after - resumed_requests
    assert cold.returncode == 0
    assert resumed_requests < cold_requests, (resumed_requests, cold_requests)


def test_two_processes_syncing_at_once(emulator: RunningEmulator, tmp_path: Path) -> None:
    config = tmp_path / "config" / "rectui" / "config.toml"
    config.parent.mkdir(parents=True)
    # Slow enough (each process keeps itself to 25 requests a second) that they overlap.
    config.write_text('[settings]\nrate_limit = "25/1"\n')
    config.chmod(0o600)
    env = environment(emulator, tmp_path)
    processes = [
        subprocess.Popen(
            command(emulator, "sync"),
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for process in processes:
        _, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    path = index_file(emulator, tmp_path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    everything = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--format", "jsonl")
    assert everything.returncode == 0, everything.stderr
    assert {row["recording_id"] for row in listed(everything)} == server_ids(emulator)


def test_an_index_that_cannot_be_opened_is_one_line_and_left_alone(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    # Not damage (here a directory stands where the file goes): nothing is removed, and the
    # command and the TUI each say so in one line.
    path = index_file(emulator, tmp_path)
    path.mkdir(parents=True)
    (path / "kept").write_text("")
    for args in (("sync",), ()):
        done = run(emulator, tmp_path, *args)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and str(path) in done.stderr, done.stderr
    assert (path / "kept").exists()


def test_a_truncated_index_is_rebuilt_with_one_line(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    assert run(emulator, tmp_path, "sync").returncode == 0
    path = index_file(emulator, tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 3)
    done = run(emulator, tmp_path, "list", "--local", "--since", "400d")
    assert done.returncode == 6
    notices = [line for line in done.stderr.splitlines() if "rebuilt" in line]
    assert len(notices) == 1
    assert run(emulator, tmp_path, "sync").returncode == 0


def test_damage_inside_the_index_is_one_line_and_starts_it_afresh(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    assert run(emulator, tmp_path, "sync").returncode == 0
    path = index_file(emulator, tmp_path)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # pages in the middle overwritten; the header intact
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xff" * 4096 * 8)
    damaged = run(emulator, tmp_path, "list", "--local", "--since", "400d", "--sort", "duration")
    assert damaged.returncode == 1
    assert len(damaged.stderr.splitlines()) == 1 and "damaged" in damaged.stderr
    again = run(emulator, tmp_path, "list", "--local", "--since", "400d")
    assert again.returncode == 6  # an empty index, not an error
