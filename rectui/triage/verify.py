"""Does an archived file decode, all of it? A batched ffmpeg check.

An archive is trusted only if ffmpeg decodes every frame without a complaint (`-v error`, stderr
captured, anything on it fails the file) and the decoded audio is as long as the recording's
metadata says. The length matters: an mp3 cut at a frame boundary decodes without a single
error, and only comes up short.

Starting ffmpeg costs ~50 ms of CPU while decoding a short call takes ~2 ms, so files waiting
at the same time are checked by one ffmpeg with many inputs, each written to its own `framecrc`
listing (from which the decoded length is read). Batches grow on their own under load (files
queue while every process slot is busy) and stay single files when there is no load. A batch
with any error is re-run file by file, so each failure is attributed to its own file.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..media.decode import ffmpeg_path
from ..media.errors import DecodeError

DURATION_TOLERANCE_S = 1.0
DURATION_TOLERANCE_RATIO = 0.02
"""Decoded audio may be this much shorter than recording_duration_ms (the larger of the two);
container padding and encoder delay make a few hundred milliseconds of difference normal."""


@dataclass(frozen=True, slots=True)
class DecodeCheck:
    ok: bool
    decoded_s: float | None = None
    reason: str = ""


@dataclass(slots=True)
class _Job:
    path: Path
    expected_s: float | None
    future: asyncio.Future[DecodeCheck]


def _ffmpeg_input(path: Path) -> str:
    # `file:` keeps a name starting with `-` or holding `:` from being read as an option/protocol.
    return "file:" + os.path.abspath(path)


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:200] if lines else "ffmpeg failed without a message"


def parse_framecrc(text: str) -> float | None:
    """Seconds of audio in a framecrc listing: end of the last frame in the stream time base."""
    base: Fraction | None = None
    end = 0
    frames = 0
    for line in text.splitlines():
        if line.startswith("#tb 0:"):
            num, _, den = line.split(":", 1)[1].strip().partition("/")
            base = Fraction(int(num), int(den or 1))
        elif line and not line.startswith("#"):
            parts = [p.strip() for p in line.split(",")]
            if len(parts) >= 4 and parts[0] == "0":
                end = max(end, int(parts[2]) + int(parts[3]))
                frames += 1
    if base is None or frames == 0:
        return None
    return float(end * base)


def _run_ffmpeg(paths: list[Path], workdir: Path, timeout: float) -> tuple[int, bytes, list[str]]:
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-nostats", "-v", "error", "-y"]
    for path in paths:
        args += ["-i", _ffmpeg_input(path)]
    outputs = [workdir / f"{i}.crc" for i in range(len(paths))]
    for i, out in enumerate(outputs):
        args += ["-map", f"{i}:a:0", "-f", "framecrc", str(out)]
    try:
        done = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return -1, b"decoding took too long", []
    except OSError as exc:
        return -1, f"cannot run ffmpeg: {exc}".encode(), []
    texts = [out.read_text() if out.exists() else "" for out in outputs]
    return done.returncode, done.stderr, texts


class DecodeVerifier:
    def __init__(
        self,
        *,
        processes: int | None = None,
        batch_size: int = 24,
        tolerance_s: float = DURATION_TOLERANCE_S,
        tolerance_ratio: float = DURATION_TOLERANCE_RATIO,
        timeout: float = 300.0,
    ):
        self.processes = processes or os.cpu_count() or 1
        self.batch_size = batch_size
        self.tolerance_s = tolerance_s
        self.tolerance_ratio = tolerance_ratio
        self.timeout = timeout
        self._pending: list[_Job] = []
        self._slots: asyncio.Semaphore | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def check(self, path: Path, expected_s: float | None = None) -> DecodeCheck:
        """Decode `path` fully; `expected_s` (the metadata's duration) also checks its length."""
        job = _Job(path, expected_s, asyncio.get_running_loop().create_future())
        self._pending.append(job)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        return await job.future

    async def _dispatch(self) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.processes)
        while self._pending:
            await self._slots.acquire()
            batch = [j for j in self._pending[: self.batch_size] if not j.future.done()]
            del self._pending[: self.batch_size]
            if not batch:
                self._slots.release()
                continue
            task = asyncio.create_task(self._run_batch(batch))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        assert self._slots is not None
        self._slots.release()

    async def _run_batch(self, batch: list[_Job]) -> None:
        try:
            results = await asyncio.to_thread(self._check_blocking, batch)
        except Exception as exc:  # e.g. ffmpeg missing: every file in the batch is unverified
            reason = str(exc) if isinstance(exc, DecodeError) else f"decode check failed: {exc}"
            results = [DecodeCheck(False, None, reason) for _ in batch]
        for job, result in zip(batch, results, strict=True):
            if not job.future.done():
                job.future.set_result(result)

    def _check_blocking(self, batch: list[_Job]) -> list[DecodeCheck]:
        with tempfile.TemporaryDirectory(prefix="rectui-verify-") as tmp:
            paths = [j.path for j in batch]
            code, stderr, texts = _run_ffmpeg(paths, Path(tmp), self.timeout)
            if code == 0 and not stderr.strip():
                pairs = zip(batch, texts, strict=True)
                return [self._judge(job, parse_framecrc(text)) for job, text in pairs]
            if len(batch) == 1:
                return [DecodeCheck(False, None, f"does not decode: {_last_line(stderr)}")]
        # Some file in the batch is bad and ffmpeg's messages do not say which: one by one.
        return [self._check_blocking([job])[0] for job in batch]

    def _judge(self, job: _Job, decoded: float | None) -> DecodeCheck:
        if decoded is None or decoded <= 0:
            return DecodeCheck(False, decoded, "no audio could be decoded")
        expected = job.expected_s
        if expected is not None and expected > 0:
            allowed = max(self.tolerance_s, expected * self.tolerance_ratio)
            if decoded < expected - allowed:
                return DecodeCheck(
                    False,
                    decoded,
                    f"decodes to {decoded:.1f} s but the recording is {expected:.1f} s long "
                    "(truncated?)",
                )
        return DecodeCheck(True, decoded)
