"""Where command output goes: results on stdout, one-line messages and a progress line on stderr."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..server_text import safe_text


class Output:
    """Where results and messages go; the token is scrubbed from every message, and server text
    in it is made visible, never interpreted by the terminal."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.redact: Callable[[str], str] = lambda text: text
        self._bar: Progress | None = None

    def message(self, text: str) -> None:
        if self._bar is not None:
            self._bar.close()  # a message (a retry notice) gets its own line; the bar redraws
        self.err.write(f"rectui: {safe_text(self.redact(' '.join(text.split())))}\n")
        self.err.flush()

    def progress(self, label: str, *, output_on_stdout: bool = True) -> Progress:
        # Only for a person watching: stderr on a terminal, and not over a table on that
        # same terminal (results redirected to a file are fine).
        enabled = isatty(self.err) and not (output_on_stdout and isatty(self.out))
        self._bar = Progress(label, self.err, enabled=enabled)
        return self._bar


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A single `\\r`-redrawn line on stderr, at most ten times a second; silent if disabled."""

    WIDTH = 24

    def __init__(self, label: str, stream: TextIO, *, enabled: bool):
        self.label = label
        self.stream = stream
        self.enabled = enabled
        self._last = 0.0
        self._drawn = 0

    def update(self, done: int, total: int | None, note: str = "", *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1 and done != total:
            return
        self._last = now
        if total:
            filled = min(self.WIDTH, self.WIDTH * done // total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            text = f"{self.label} [{bar}] {done:,}/{total:,}"
        else:
            text = f"{self.label} {done:,}"
        if note:
            text += f"  {note}"
        self.stream.write("\r" + text.ljust(self._drawn))
        self._drawn = len(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0
