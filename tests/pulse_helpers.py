"""A private PulseAudio daemon for the playback tests: a paced sound server, as on a desktop.

`PulseServer(directory).start()` runs `pulseaudio` in the foreground with its own
XDG_RUNTIME_DIR and HOME (nothing of the machine's own sound setup is touched), one null sink
`cap` at 8 kHz stereo and the native protocol on a unix socket. `env` points ALSA's default
device at it (`{ type pulse }`, libasound2-plugins) through ALSA_CONFIG_PATH, so the app's
PortAudio output goes through ALSA into the daemon as on a desktop. `record()` runs `parec` on
the sink's monitor: what a listener would have heard, in real time.

A pilot stream plays into the sink the whole time: a constant inaudible level on the right
channel only, fed by ffmpeg through `pacat` with a deep buffer. It keeps the sink from idling (a
stretch where the app wrote nothing is recorded as digital silence instead of being left out,
and the recording's clock runs with the wall clock), and it tells who made a gap. The app plays
mono (or stereo) into both channels, so the left channel is the app alone: a silence there with
the pilot still on the right is the app's stream running dry (the player's gap); a silence on
both channels is the sound server or the recorder producing nothing (the measurement's gap).
"""

from __future__ import annotations

import array
import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RATE = 8000
"""The sink's rate; what parec records (two channels: the app, and the app plus the pilot)."""
PILOT_LATENCY_MS = 1000
"""The pilot's buffer: deeper than any stall seen on a busy machine, so it never runs dry."""
SILENCE_RUN_S = 0.010
"""A run of digital silence this long inside the played span is a dropout."""
START_TIMEOUT_S = 15.0
RECORD_COMMAND = [
    "parec", "-d", "cap.monitor", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=2",
    "--latency-msec=10", "--process-time-msec=5",
]  # fmt: skip


class PulseUnavailable(RuntimeError):
    """The daemon could not start here; the message says why."""


@dataclass
class PulseServer:
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    pilot: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def runtime_dir(self) -> Path:
        return self.directory / "runtime"

    @property
    def socket(self) -> Path:
        return self.runtime_dir / "pulse" / "native"

    @property
    def alsa_config(self) -> Path:
        return self.directory / "asound-pulse.conf"

    @property
    def env(self) -> dict[str, str]:
        """For the daemon, its clients and the app: this daemon and nothing else."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "ALSA_"))}
        env.update(
            XDG_RUNTIME_DIR=str(self.runtime_dir),
            HOME=str(self.directory / "home"),
            PULSE_SERVER=f"unix:{self.socket}",
            ALSA_CONFIG_PATH=str(self.alsa_config),
        )
        return env

    def start(self) -> PulseServer:
        binary = shutil.which("pulseaudio")
        if binary is None:
            raise PulseUnavailable("pulseaudio is not installed (dev.sh installs it)")
        for tool in ("parec", "pacat"):
            if shutil.which(tool) is None:
                raise PulseUnavailable(f"{tool} is not installed (pulseaudio-utils; dev.sh)")
        if shutil.which("ffmpeg") is None:
            raise PulseUnavailable("ffmpeg is not installed (dev.sh installs it)")
        if not Path("/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so").exists():
            found = list(Path("/usr/lib").glob("*/alsa-lib/libasound_module_pcm_pulse.so"))
            if not found:
                raise PulseUnavailable("ALSA's pulse plugin is missing (libasound2-plugins)")
        self.runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.directory / "home").mkdir(exist_ok=True)
        self.alsa_config.write_text(
            "</usr/share/alsa/alsa.conf>\n"
            "pcm.!default { type pulse }\n"
            "ctl.!default { type pulse }\n"
        )
        log = (self.directory / "pulseaudio.log").open("wb")
        # -n: no default script, only the modules named here. As root, pulseaudio only warns
        # ("not intended to be run as root") when it is not in system mode; it still runs.
        self.process = subprocess.Popen(
            [
                binary, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
                "--disallow-exit", "--disable-shm=yes", "--realtime=no", "--high-priority=no",
                "--log-target=stderr",
                f"--load=module-null-sink sink_name=cap rate={RATE} channels=2",
                f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=self.env,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                reason = self._log_tail()
                self.stop()
                raise PulseUnavailable(f"pulseaudio did not start: {reason}")
            time.sleep(0.05)
        level = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
             f"aevalsrc=exprs=0|0.001:sample_rate={RATE}", "-f", "s16le", "-ac", "2", "pipe:1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        player = subprocess.Popen(
            ["pacat", "--playback", "-d", "cap", "--raw", "--format=s16le", f"--rate={RATE}",
             "--channels=2", f"--latency-msec={PILOT_LATENCY_MS}"],
            stdin=level.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=self.env,
        )  # fmt: skip
        assert level.stdout is not None
        level.stdout.close()  # pacat holds it now
        self.pilot = [player, level]
        return self

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        result = subprocess.run(
            ["pactl", "info"], env=self.env, capture_output=True, check=False, timeout=10
        )
        return result.returncode == 0

    def _log_tail(self) -> str:
        try:
            lines = (self.directory / "pulseaudio.log").read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        errors = [line for line in lines if line.startswith("E:")]
        return (errors or lines or ["no output"])[-1]

    @contextlib.contextmanager
    def record(self, path: Path) -> Iterator[Path]:
        """Record the sink's monitor into `path` (s16le, 8 kHz stereo) while the block runs;
        the block starts once sound (the pilot's, at least) is arriving."""
        parec = subprocess.Popen(
            RECORD_COMMAND, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=self.env, bufsize=0,
        )  # fmt: skip
        arriving = threading.Event()

        def copy() -> None:
            assert parec.stdout is not None
            with path.open("wb") as out:
                while chunk := parec.stdout.read(4096):
                    out.write(chunk)
                    arriving.set()

        reader = threading.Thread(target=copy, daemon=True)
        reader.start()
        try:
            assert arriving.wait(START_TIMEOUT_S), "parec never recorded anything"
            yield path
        finally:
            parec.send_signal(signal.SIGINT)
            try:
                parec.wait(10)
            except subprocess.TimeoutExpired:
                parec.kill()
                parec.wait()
            reader.join(10)

    def kill(self) -> None:
        """The sound server goes away at once, as when a USB headset is pulled."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        for process in (*self.pilot, self.process):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@dataclass(frozen=True)
class Gaps:
    player: list[tuple[int, int]]
    """The app's stream ran dry while the sink went on: a gap the listener hears."""
    server: list[tuple[int, int]]
    """The sink (the sound server, or the recorder) produced nothing: the measurement's own."""


def gaps(app: Sequence[int], pilot: Sequence[int], first: int, last: int) -> Gaps:
    """The runs of digital silence >= SILENCE_RUN_S on the app's channel in [first, last],
    as (start sample, length in samples), told apart by the pilot's channel: the player's
    (the pilot sounds on) and the measurement's (nothing at all came out of the sink)."""
    found = Gaps([], [])
    shortest = int(SILENCE_RUN_S * RATE)
    run = 0
    for index in range(first, last + 2):
        if index <= last and app[index] == 0:
            run += 1
            continue
        if run >= shortest:
            start = index - run
            server = all(v == 0 for v in pilot[start:index])
            (found.server if server else found.player).append((start, run))
        run = 0
    return found


@dataclass(frozen=True)
class Heard:
    """What the monitor recorded: where the app's sound was, and the silences inside it."""

    first: int
    last: int
    silences: list[tuple[float, float]]
    """(start s, length s) of every run of digital silence >= SILENCE_RUN_S inside the span,
    while the pilot sounded: the player's dropouts."""
    server_silences: list[tuple[float, float]]
    """The same where the pilot was silent too: the sound server or the recorder stalled."""

    @property
    def span_s(self) -> float:
        return (self.last - self.first + 1) / RATE


def channels(recording: Path) -> tuple[array.array[int], array.array[int]]:
    """(the app's channel, the app's plus the pilot's) of a stereo recording."""
    samples = array.array("h", recording.read_bytes())
    return samples[0::2], samples[1::2]


def analyse(recording: Path) -> Heard:
    app, pilot = channels(recording)
    sounding = [i for i, v in enumerate(app) if v != 0]
    assert sounding, "nothing was heard at all"
    first, last = sounding[0], sounding[-1]
    found = gaps(app, pilot, first, last)

    def seconds(runs: list[tuple[int, int]]) -> list[tuple[float, float]]:
        return [((start - first) / RATE, length / RATE) for start, length in runs]

    return Heard(first, last, seconds(found.player), seconds(found.server))
