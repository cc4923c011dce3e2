"""The command line's options a plivo-cli or twilio-cli user expects, each run as a user runs it
(`python -m rectui ...` in a subprocess against the emulator) and checked on stdout, stderr, the
exit code and what the server saw."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from test_commands import run

from rectui.commands.parser import COMMANDS
from rectui.emulator import RunningEmulator
from rectui.plivo.rules import format_filter_time


def window(emulator: RunningEmulator, days: int) -> tuple[list[str], list[str]]:
    """Exact add_time bounds of the last `days` days and the ids inside, newest first."""
    end = emulator.emulator.now + timedelta(minutes=1)
    start = end - timedelta(days=days)
    rows = emulator.emulator.store.snapshot()
    ids = [r.recording_id for r in rows if start <= r.add_time <= end]
    options = [
        "--add-time-gte",
        format_filter_time(start),
        "--add-time-lte",
        format_filter_time(end),
    ]
    return options, ids


def listings(emulator: RunningEmulator) -> list[dict[str, str]]:
    return [
        entry.query
        for entry in emulator.emulator.request_log
        if entry.method == "GET" and entry.path.endswith("/Recording/")
    ]


def test_limit_and_offset_fetch_exactly_one_page(emulator: RunningEmulator, tmp_path: Path) -> None:
    options, ids = window(emulator, 20)
    done = run(
        emulator, "list", *options, "--limit", "3", "--offset", "2", "--format", "jsonl",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["recording_id"] for line in done.stdout.splitlines()] == ids[2:5]
    (query,) = listings(emulator)  # one request, no prefetch
    assert (query["limit"], query["offset"]) == ("3", "2")
    assert f"rows 3–5 of {len(ids):,}" in done.stderr
    too_big = run(emulator, "list", *options, "--limit", "21", tmp_path=tmp_path)
    assert too_big.returncode == 2 and "limit" in too_big.stderr
    alone = run(emulator, "list", "--offset", "5", tmp_path=tmp_path)
    assert alone.returncode == 2 and "--offset needs --limit" in alone.stderr


def test_exact_add_time_bounds_reach_the_server_as_given(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    rec = emulator.emulator.store.snapshot()[10]
    at = format_filter_time(rec.add_time)
    before = format_filter_time(rec.add_time - timedelta(days=2))

    def ids(*options: str) -> list[str]:
        done = run(
            emulator, "list", *options, "--format", "csv", "--columns", "recording_id",
            "--no-header", tmp_path=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert rec.recording_id in ids("--add-time-gte", at, "--add-time-lte", at)
    assert rec.recording_id not in ids("--add-time-gt", at, "--add-time-lte", at)
    assert rec.recording_id not in ids("--add-time-gte", before, "--add-time-lt", at)
    sent = listings(emulator)
    assert sent[0]["add_time__gte"] == at and sent[0]["add_time__lte"] == at
    assert sent[1]["add_time__gt"] == at
    assert sent[2]["add_time__lt"] == at


def test_delete_dry_run_deletes_nothing_and_says_what_it_would_save(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    rows = emulator.emulator.store.snapshot()
    old = [r for r in rows if r.add_time < emulator.emulator.now - timedelta(days=120)][:2]
    ids = [r.recording_id for r in old]
    done = run(emulator, "delete", *ids, "--dry-run", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert [line[:2] for line in lines] == [[rid, "would delete"] for rid in ids]
    assert all(line[3].startswith("$") and line[3] != "$0.0000/mo" for line in lines)
    assert "dry run, nothing deleted: 2 recordings would go" in done.stderr
    assert "saving $0.0" in done.stderr
    assert not [e for e in emulator.emulator.request_log if e.method == "DELETE"]
    assert all(emulator.emulator.store.get(rid) for rid in ids)


def test_timeout_gives_up_on_a_server_that_does_not_answer(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    rid = emulator.emulator.store.snapshot()[0].recording_id
    hold = emulator.emulator.hold(rid)
    try:
        done = run(emulator, "get", rid, "--timeout", "0.2", tmp_path=tmp_path)
    finally:
        hold.release()
    assert done.returncode == 5
    assert "did not answer in time" in done.stderr
    bad = run(emulator, "get", rid, "--timeout", "soon", tmp_path=tmp_path)
    assert bad.returncode == 2 and "--timeout" in bad.stderr


def test_verbose_logs_each_request_without_the_token(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    rid = emulator.emulator.store.snapshot()[0].recording_id
    done = run(emulator, "-v", "get", rid, tmp_path=tmp_path)
    assert done.returncode == 0
    url = f"{emulator.base_url}/v1/Account/{emulator.auth_id}/Recording/{rid}/"
    (line,) = done.stderr.splitlines()
    method, logged_url, status, ms, unit = line.removeprefix("rectui: ").split()
    assert (method, logged_url, status, unit) == ("GET", url, "200", "ms") and ms.isdigit()
    # run() also checks that the token appears nowhere in stdout or stderr.
    missing = run(emulator, "get", "nope", "--verbose", tmp_path=tmp_path)
    assert missing.returncode == 4 and " 404 " in missing.stderr.splitlines()[0]


def test_formats_columns_and_no_header(emulator: RunningEmulator, tmp_path: Path) -> None:
    options, ids = window(emulator, 10)
    columns = "recording_id,days_stored,monthly_cost,resource_uri,recording_storage_duration"

    def listed(fmt: str, *extra: str) -> str:
        done = run(emulator, "list", *options, "--format", fmt, *extra, tmp_path=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    array = json.loads(listed("json", "--columns", columns))
    assert [obj["recording_id"] for obj in array] == ids
    assert list(array[0]) == columns.split(",")
    assert array[0]["resource_uri"].endswith(f"/Recording/{ids[0]}/")
    assert array[0]["days_stored"] == array[0]["recording_storage_duration"] >= 1
    nothing = run(
        emulator, "list", "--add-time-gte", "2020-01-01", "--add-time-lt", "2020-01-02",
        "--format", "json", tmp_path=tmp_path,
    )  # fmt: skip
    assert json.loads(nothing.stdout) == []

    tsv = list(csv.reader(io.StringIO(listed("tsv", "--columns", columns)), delimiter="\t"))
    assert tsv[0] == columns.split(",") and [row[0] for row in tsv[1:]] == ids
    bare = listed("tsv", "--columns", "recording_id", "--no-header")
    assert bare.split() == ids

    full = [json.loads(line) for line in listed("jsonl").splitlines()]
    assert "call_uuid" in full[0] and "monthly_cost" in full[0]

    table = listed("table", "--columns", "recording_id,to_number", "--no-header").splitlines()
    assert [line.split()[0] for line in table] == ids  # no heading, no summary line


def on_a_terminal(emulator: RunningEmulator, tmp_path: Path, columns: int, *args: str) -> str:
    """stdout of `rectui ARGS` written to a pseudo-terminal COLUMNS wide."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "COLUMNS": str(columns)}
    env |= {"PLIVO_AUTH_ID": emulator.auth_id, "PLIVO_AUTH_TOKEN": emulator.auth_token}
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "rectui", *args, "--api-url", emulator.base_url],
        stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.DEVNULL, env=env,
    ) as process:  # fmt: skip
        os.close(follower)
        output = bytearray()
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=60) == 0
    os.close(leader)
    return output.decode().replace("\r\n", "\n")


def test_table_fits_the_terminal_width(
    emulator: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options, ids = window(emulator, 10)
    for width in (60, 100):
        lines = on_a_terminal(emulator, tmp_path, width, "list", *options).splitlines()
        assert len(lines) == len(ids) + 1  # the summary went to stderr
        assert all(len(line) <= width for line in lines), width
        assert all(line.isprintable() for line in lines)
        assert lines[0].startswith("RECORDING ID")
    # A pipe gets whole cells, whatever COLUMNS the environment exports.
    monkeypatch.setenv("COLUMNS", "60")
    wide = run(emulator, "list", *options, tmp_path=tmp_path).stdout.splitlines()
    assert [line.split()[0] for line in wide[1:]] == ids


def test_api_prints_the_raw_json_of_any_path(emulator: RunningEmulator, tmp_path: Path) -> None:
    done = run(emulator, "api", "GET", "/Recording/?limit=5", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["meta"]["limit"] == 5 and len(body["objects"]) == 5
    (query,) = listings(emulator)
    assert query == {"limit": "5"}
    rid = body["objects"][0]["recording_id"]
    one = run(emulator, "api", "get", f"/v1/Account/{emulator.auth_id}/Recording/{rid}/",
              tmp_path=tmp_path)  # fmt: skip
    assert json.loads(one.stdout)["recording_id"] == rid
    missing = run(emulator, "api", "GET", "/Recording/nope/", tmp_path=tmp_path)
    assert missing.returncode == 4 and missing.stdout == ""
    relative = run(emulator, "api", "GET", "Recording/", tmp_path=tmp_path)
    assert relative.returncode == 2


def test_api_waits_out_a_rate_limit_like_every_request(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    # After a 429 the limiter holds the next request for its period: 0.2 s here, not Plivo's 5.
    config = tmp_path / "xdg" / "rectui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[settings]\nrate_limit = "300/0.2"\n')
    emulator.emulator.fail_next("/Recording/", status=429, times=2, method="GET")
    done = run(emulator, "api", "GET", "/Recording/?limit=1", tmp_path=tmp_path)
    assert done.returncode == 0 and len(json.loads(done.stdout)["objects"]) == 1
    assert [e.status for e in emulator.emulator.request_log] == [429, 429, 200]


def test_bash_completion_offers_commands_and_their_options(tmp_path: Path) -> None:
    script = run(None, "completion", "bash", tmp_path=tmp_path).stdout
    (tmp_path / "rectui.bash").write_text(script)

    def complete(*words: str) -> list[str]:
        probe = (
            f"source {tmp_path / 'rectui.bash'}; COMP_WORDS=(rectui {' '.join(words)}); "
            f"COMP_CWORD={len(words)}; _rectui; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
        return done.stdout.split()

    assert set(complete("")) >= set(COMMANDS)
    assert complete("li") == ["list"]
    assert set(complete("--profile", "work", "list", "--add-time-g")) == {
        "--add-time-gt",
        "--add-time-gte",
    }
    assert "--dry-run" in complete("delete", "--")
    for shell in ("zsh", "fish"):
        text = run(None, "completion", shell, tmp_path=tmp_path).stdout
        assert all(name in text for name in COMMANDS) and "no-header" in text


def test_help_lists_every_command_and_each_has_examples(tmp_path: Path) -> None:
    top = subprocess.run(
        [sys.executable, "-m", "rectui", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    listed = [
        line.split()[0]
        for line in top.split("commands (no TUI")[1].splitlines()[1:]
        if line.startswith("  ")
    ]
    assert set(COMMANDS) | {"emulator"} <= set(listed)
    for name in COMMANDS:
        text = run(None, name, "--help", tmp_path=tmp_path).stdout
        examples = text.split("examples:\n", 1)[1].split("\n\n", 1)[0]
        assert f"rectui {name}" in examples or name == "completion", name


def test_filter_flags_take_what_people_type(emulator: RunningEmulator, tmp_path: Path) -> None:
    """Spaced numbers, bare dates and lower-case subaccounts are sent in the API's form; an id
    that cannot be an id is refused before any request, naming the flag."""
    done = run(
        emulator, "list", "--from-number", "+1 415-555 0123", "--from-time", "2026-02-01",
        "--to-time", "2026-02-10", "--format", "csv", tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    sent = listings(emulator)
    query = sent[0]
    assert query["from_number"] == "+14155550123"
    assert (query["add_time__gte"], query["add_time__lt"]) == (
        "2026-02-01 00:00:00",
        "2026-02-10 00:00:00",
    )
    for flag, value in [("--call-uuid", "c2c128e2"), ("--subaccount", "SA123")]:
        refused = run(emulator, "list", flag, value, tmp_path=tmp_path)
        assert refused.returncode == 2 and flag in refused.stderr, refused.stderr
    assert len(listings(emulator)) == len(sent)
