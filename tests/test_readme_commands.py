"""Every command in README.md's code blocks, run as written against the emulator.

The lines are read from the README itself, so an example that stops working (or a new one that
never did) fails here. Each runs in bash, as a user pastes it, one shared working directory,
configuration and cache for the whole README (the `sync` line fills the index that
`list --local` reads). What a reader substitutes is substituted: RECORDING_ID is a real id
(`RECORDING_ID...` two of them), and a `[--option]` in brackets runs without it and with it.
`rectui emulator` lines start the emulator as a child process and read its banner (port 0: a
fixed port may be taken on a shared machine); lines that open the TUI are listed and skipped.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from emulator_process import emulator_process

from rectui.emulator import RunningEmulator
from rectui.plivo import pricing

README = Path(__file__).resolve().parent.parent / "README.md"
TIMEOUT = 120
TUI_LINES = {".venv/bin/rectui", ".venv/bin/rectui --api-url http://127.0.0.1:8042"}
SEARCHED_LINE = "Speaker 1: I want a refund, or I cancel the contract."


def readme_commands() -> list[str]:
    """Every line in the README's sh blocks that runs rectui, its comment dropped."""
    commands: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", README.read_text(), re.M | re.S):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if re.search(r"(^|[\s(/])rectui(\s|\)|$)", command):
                commands.append(command)
    return commands


def variants(command: str) -> list[str]:
    """`a [--b] c` -> `a c` and `a --b c`."""
    parts = re.split(r"\[([^\]]+)\]", command)
    texts, options = parts[::2], parts[1::2]
    runs = []
    for chosen in itertools.product((False, True), repeat=len(options)):
        words = [texts[0]]
        for option, take, text in zip(options, chosen, texts[1:], strict=True):
            words += [option if take else "", text]
        runs.append(" ".join("".join(words).split()))
    return runs


class Ids:
    """Ids to put in for RECORDING_ID: each line its own short recordings (downloads and
    deletes stay quick), transcript lines recordings with or without a transcript."""

    def __init__(self, emulator: RunningEmulator):
        self.emulator = emulator.emulator
        rows = [r for r in self.emulator.store.snapshot() if r.duration_ms < 20_000]
        self._with: Iterator[str] = iter(
            [r.recording_id for r in rows if self.emulator.transcripts.has(r.recording_id)]
        )
        self._without: Iterator[str] = iter(
            [r.recording_id for r in rows if not self.emulator.transcripts.has(r.recording_id)]
        )

    def fill(self, command: str) -> str:
        if "transcript RECORDING_ID" in command:
            if "--request" in command:
                return command.replace("RECORDING_ID", next(self._without))
            rid = next(self._with)
            if "--delete" not in command:
                # The `search` line looks for this one.
                self.emulator.transcripts.put(rid, f"\nSpeaker 0: Hello.\n{SEARCHED_LINE}")
            return command.replace("RECORDING_ID", rid)
        command = command.replace("RECORDING_ID...", f"{next(self._without)} {next(self._without)}")
        return command.replace("RECORDING_ID", next(self._without))


def session_env(emulator: RunningEmulator, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
    return env | {
        "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PLIVO_AUTH_ID": emulator.auth_id,
        "PLIVO_AUTH_TOKEN": emulator.auth_token,
        "RECTUI_API_URL": emulator.base_url,
    }


def test_the_readme_names_the_commands_it_should() -> None:
    commands = readme_commands()
    assert "rectui list --since 400d --storage-gt 90 --format csv -o old.csv" in commands
    assert sum(c.startswith("rectui ") for c in commands) >= 15
    assert set(commands) >= TUI_LINES
    assert variants("rectui a [--b] c") == ["rectui a c", "rectui a --b c"]


def test_every_scripting_command_in_the_readme_runs(
    make_emulator: Callable[..., RunningEmulator], tmp_path: Path
) -> None:
    # A frozen server clock: the days stored it reports cannot move while the README runs.
    emulator = make_emulator(seed=7, count=2000, now=datetime.now(UTC), transcription_delay=0.0)
    now = emulator.emulator.clock()
    old = {
        r.recording_id: r.add_time
        for r in emulator.emulator.store.snapshot()
        if pricing.storage_days(r.add_time, now) > 90
    }
    env = session_env(emulator, tmp_path)
    ids = Ids(emulator)
    ran: dict[str, subprocess.CompletedProcess[str]] = {}
    for command in readme_commands():
        if command in TUI_LINES or " emulator " in f" {command} ":
            continue
        for run in variants(command):
            line = ids.fill(run)
            done = subprocess.run(
                ["bash", "-c", line],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
            assert done.returncode == 0, f"{line}\n{done.stderr}"
            assert "Traceback" not in done.stderr and emulator.auth_token not in done.stdout
            for message in done.stderr.splitlines():
                assert message.startswith("rectui: "), (line, message)
            ran[run] = done
    assert len(ran) >= 20

    # The first example: every recording of the last 400 days stored more than 90 days (the
    # command's "400 days ago" is its own clock's; a recording right at that edge may go
    # either way).
    rows = list(csv.DictReader((tmp_path / "old.csv").open()))
    edge = now - timedelta(days=400)
    listed = {row["recording_id"] for row in rows}
    unsure = {rid for rid, at in old.items() if abs(at - edge) < timedelta(minutes=5)}
    assert listed - unsure == {rid for rid, at in old.items() if at > edge} - unsure
    assert all(int(row["days_stored"]) > 90 for row in rows)
    assert SEARCHED_LINE.split(": ", 1)[1] in ran["rectui search refund cancel"].stdout


def test_every_emulator_command_in_the_readme_starts(tmp_path: Path) -> None:
    started = 0
    for command in readme_commands():
        words = command.split()
        if command in TUI_LINES or "emulator" not in words:
            continue
        args = words[words.index("emulator") + 1 :]
        args = [str(README.parent / a) if a.startswith("tests/") else a for a in args]
        if "--port" in args:
            args[args.index("--port") + 1] = "0"
        with emulator_process(args, tmp_path) as child:
            # It answers with the credentials it printed (and only then is it surely serving,
            # so that it stops cleanly).
            account = next(line.split() for line in child.banner if "main account" in line)
            auth_id, token = account[2], account[4]
            listed = httpx.get(
                f"{child.base_url}/v1/Account/{auth_id}/Recording/",
                params={"recording_storage_duration__gte": "1"},  # all time
                auth=(auth_id, token),
                timeout=60,
            )
            assert listed.status_code == 200 and listed.json()["objects"], command
            assert child.stop() == 0, child.stderr_path.read_text()
        started += 1
    assert started >= 2
