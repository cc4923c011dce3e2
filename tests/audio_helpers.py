"""Test media made with ffmpeg, ALSA configurations, a fake audio output on a fake clock, and a
subprocess entry point that plays a file through the real Player + PortAudio.

ALSA reads ALSA_CONFIG_PATH once per process, at first use, so the real-device tests run
`python tests/audio_helpers.py ...` in a subprocess with the variable set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rectui.media import BackendError

FFMPEG = "/usr/bin/ffmpeg" if os.path.exists("/usr/bin/ffmpeg") else "ffmpeg"
HELPER = Path(__file__).resolve()
REPO = HELPER.parent.parent


class FakeClock:
    """The Player's clock: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


WAIT = 10.0


class FakeStream:
    """An output device on the fake clock: it plays `rate` frames per fake second of what was
    written, has room for `capacity` seconds, and plays out at once on drain() (so a pause
    settles without moving the clock). `data` is what the device played or will play: what was
    written, less the queued sound a flush dropped; `flushes` lists the byte offsets where that
    happened."""

    def __init__(
        self, owner: FakeOutput, rate: int, channels: int, device: str | None, clock: FakeClock
    ):
        self.owner, self.rate, self.channels, self.device = owner, rate, channels, device
        self.block_frames = max(1, rate // 50)
        self.capacity = int(owner.capacity * rate)
        self.frame = channels * 2
        self.clock = clock
        self.data = bytearray()
        self.flushes: list[int] = []
        self.closed = False
        self._base = 0  # frames played when the clock read `_since`
        self._since = clock()
        self._idle = False  # drained: plays nothing until the next write

    @property
    def written(self) -> int:
        return len(self.data) // self.frame

    def heard(self) -> int:
        """Frames played: the clock's worth since it started, never more than was written (the
        fake never runs dry in fake time: the player catches up before the clock moves on)."""
        if self._idle:
            return self._base
        due = self._base + round((self.clock() - self._since) * self.rate)
        return min(self.written, due)

    def write(self, pcm: bytes) -> None:
        if self.owner.fail_with:
            raise BackendError(self.owner.fail_with)
        if self._idle:
            self._idle, self._since = False, self.clock()
        self.data += pcm
        self.owner.changed()

    def room_frames(self) -> int:
        if self.owner.fail_with:
            raise BackendError(self.owner.fail_with)
        return max(0, self.capacity - self.queued_frames())

    def queued_frames(self) -> int:
        return self.written - self.heard()

    def drain(self, interrupted: Callable[[], bool] = lambda: False) -> bool:
        self._base, self._idle = self.written, True
        self.owner.changed()
        return True

    def flush(self) -> None:
        heard = self.heard()
        del self.data[heard * self.frame :]
        self.flushes.append(len(self.data))
        self.drain()

    def close(self) -> None:
        self.closed = True
        self.owner.changed()


class FakeOutput:
    """The Player's audio backend in tests: FakeStreams on a FakeClock; `answer` says whether
    there is an output, `fail_with` makes writes fail (a device that went away)."""

    name = "fake output"
    note = ""

    def __init__(
        self,
        clock: FakeClock,
        answer: tuple[bool, str] = (True, "fake output"),
        *,
        capacity: float = 0.2,
        devices: list[str] | None = None,
    ):
        self.clock, self.answer, self.capacity = clock, answer, capacity
        self.device_names = devices if devices is not None else ["fake one", "fake two"]
        self.fail_with: str | None = None
        self.streams: list[FakeStream] = []
        self._cond = threading.Condition()

    def available(self, device: str | None = None) -> tuple[bool, str]:
        return self.answer

    def devices(self, rescan: bool = False) -> list[str]:
        return list(self.device_names)

    def open(self, rate: int, channels: int, device: str | None = None) -> FakeStream:
        if self.fail_with:
            raise BackendError(self.fail_with)
        stream = FakeStream(self, rate, channels, device, self.clock)
        with self._cond:
            self.streams.append(stream)
            self._cond.notify_all()
        return stream

    def changed(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        with self._cond:
            assert self._cond.wait_for(predicate, timeout), f"never happened: {what}"

    @property
    def stream(self) -> FakeStream:
        """The latest stream, once there is one."""
        self.wait_for(lambda: bool(self.streams), "a stream was opened")
        return self.streams[-1]


def make_audio(
    path: Path,
    *,
    seconds: float = 1.0,
    rate: int = 8000,
    channels: int = 1,
    codec: str | None = None,
    bitrate: str | None = None,
    source: str = "sine",
) -> Path:
    """A tone (or speech-like noise, source="noise") written with `codec` (e.g. pcm_mulaw)."""
    if source == "sine":
        lavfi = f"sine=frequency=440:sample_rate={rate}:duration={seconds}"
    else:
        lavfi = f"anoisesrc=d={seconds}:c=pink:r={rate}:a=0.2"
    args = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", lavfi, "-ac", str(channels), "-ar", str(rate)]
    if codec:
        args += ["-c:a", codec]
    if bitrate:
        args += ["-b:a", bitrate]
    args.append(str(path))
    subprocess.run(args, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return path


def ffmpeg_pcm(path: Path, rate: int, channels: int) -> bytes:
    """ffmpeg's own whole-file decode: the reference the player's output is compared with."""
    args = [FFMPEG, "-nostdin", "-loglevel", "error", "-i", str(path)]
    args += ["-f", "s16le", "-ac", str(channels), "-ar", str(rate), "pipe:1"]
    result = subprocess.run(
        args,
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return result.stdout


def file_sink_config(directory: Path) -> tuple[Path, Path]:
    """An ALSA config whose default PCM writes raw frames to a file. ALSA opens the file anew
    for every snd_pcm_open (one per simpleaudio buffer); `truncate false` makes it number them
    (out.raw, out.raw.0001, ...) instead of overwriting, so read_sink() can join them."""
    out = directory / "out.raw"
    config = directory / "asound-file.conf"
    config.write_text(
        "</usr/share/alsa/alsa.conf>\n"
        "pcm.!default {\n"
        "  type file\n"
        "  slave.pcm { type null }\n"
        f'  file "{out}"\n'
        '  format "raw"\n'
        "  truncate false\n"
        "}\n"
    )
    return config, out


def broken_config(directory: Path) -> Path:
    """An ALSA config whose default PCM is a card that does not exist."""
    config = directory / "asound-broken.conf"
    config.write_text(
        "</usr/share/alsa/alsa.conf>\npcm.!default {\n  type hw\n  card 97\n  device 0\n}\n"
    )
    return config


def read_sink(out: Path) -> bytes:
    def order(path: Path) -> int:
        suffix = path.name[len(out.name) :].lstrip(".")
        return int(suffix) if suffix.isdigit() else 0

    parts = sorted(out.parent.glob(out.name + "*"), key=order)
    return b"".join(part.read_bytes() for part in parts)


def run_helper(
    *args: str, alsa_config: Path | None, timeout: float = 60
) -> tuple[dict[str, object], str]:
    """Run this file's main() in a fresh interpreter; returns (its JSON answer, its stderr)."""
    return run_fresh(HELPER, *args, alsa_config=alsa_config, timeout=timeout)


def run_fresh(
    script: Path,
    *args: str,
    alsa_config: Path | None,
    timeout: float,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Run `script` in a fresh interpreter (ALSA reads ALSA_CONFIG_PATH once per process) and
    return the JSON object its last stdout line holds, and its stderr. `env` replaces the
    environment (e.g. a PulseServer's)."""
    env = (
        dict(env)
        if env is not None
        else {k: v for k, v in os.environ.items() if k != "ALSA_CONFIG_PATH"}
    )
    if alsa_config is not None:
        env["ALSA_CONFIG_PATH"] = str(alsa_config)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests")])
    result = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def _play(path: str, timeout: float) -> dict[str, object]:
    from rectui.media import Player, PlayerState

    done = threading.Event()
    seen: list[str] = []

    def changed(player: Player) -> None:
        seen.append(player.state.value)
        if player.state in (PlayerState.FINISHED, PlayerState.ERROR):
            done.set()

    player = Player(on_change=changed)
    player.load(path, "test")
    player.play()
    finished = done.wait(timeout)
    player.join(5)
    answer = {
        "finished_in_time": finished,
        "state": player.state.value,
        "error": player.error,
        "position": player.position,
        "duration": player.duration,
        "states": seen,
    }
    player.close()
    return answer


def main(argv: list[str]) -> int:
    command = argv[0]
    if command == "play":
        answer = _play(argv[1], float(argv[2]) if len(argv) > 2 else 30.0)
    elif command == "device":
        from rectui.media import default_backend

        backend = default_backend()
        ok, reason = backend.available()
        answer = {"ok": ok, "reason": reason, "backend": backend.name}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
