"""`rectui emulator` as a user starts it: a child process, its banner read with a bound."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class EmulatorProcess:
    process: subprocess.Popen[str]
    banner: list[str]
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return self.banner[0].rsplit(" ", 1)[-1]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


@contextmanager
def emulator_process(args: list[str], tmp_path: Path) -> Iterator[EmulatorProcess]:
    stderr_path = tmp_path / "emulator-stderr.txt"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "rectui.emulator", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert process.stdout is not None
    stdout = process.stdout
    # A reader thread, because a pipe cannot be read with a timeout portably.
    output: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [output.put(line) for line in stdout])
    reader.start()
    try:
        banner = _lines_until(output, "Press Ctrl+C", timeout=20)
        assert banner, f"no banner; stderr: {stderr_path.read_text()!r}"
        yield EmulatorProcess(process, banner, stderr_path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(10)  # the child is gone, so its stdout is at EOF
        stdout.close()


def _lines_until(output: queue.Queue[str], marker: str, timeout: float) -> list[str]:
    """Lines up to the one containing `marker`; [] if it does not come in time."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            seen.append(output.get(timeout=remaining).rstrip("\n"))
        except queue.Empty:
            break
        if marker in seen[-1]:
            return seen
    return []
