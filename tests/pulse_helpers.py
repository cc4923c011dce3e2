"""A private PulseAudio daemon for the playback tests: a paced sound server, as on a desktop.

`PulseServer(directory).start()` runs `pulseaudio` in the foreground with its own
XDG_RUNTIME_DIR and HOME (nothing of the machine's own sound setup is touched), one null sink
`cap` at 8 kHz mono and the native protocol on a unix socket. `env` points ALSA's default
device at it (`{ type pulse }`, libasound2-plugins) through ALSA_CONFIG_PATH, so the app's
PortAudio output goes through ALSA into the daemon as on a desktop. `record()` runs `parec` on
the sink's monitor: what a listener would have heard, in real time.

A silent stream (`pacat` of /dev/zero) plays into the sink the whole time, so the sink never
idles: a stretch where the app wrote nothing is recorded as digital silence instead of being
left out of the recording, and the recording's clock runs with the wall clock.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

RATE = 8000
"""The sink's rate; what parec records."""
SILENCE_RUN_S = 0.010
"""A run of digital silence this long inside the played span is a dropout."""
START_TIMEOUT_S = 15.0


class PulseUnavailable(RuntimeError):
    """The daemon could not start here; the message says why."""


@dataclass
class PulseServer:
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    keepalive: subprocess.Popen[bytes] | None = None

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
                f"--load=module-null-sink sink_name=cap rate={RATE} channels=1",
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
        self.keepalive = subprocess.Popen(
            ["pacat", "--playback", "-d", "cap", "--raw", "--format=s16le", f"--rate={RATE}",
             "--channels=1", "--latency-msec=20", "/dev/zero"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=self.env,
        )  # fmt: skip
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
        """Record the sink's monitor into `path` (s16le, 8 kHz mono) while the block runs; the
        block starts once sound (the silent stream's, at least) is arriving."""
        parec = subprocess.Popen(
            ["parec", "-d", "cap.monitor", "--raw", "--format=s16le", f"--rate={RATE}",
             "--channels=1", "--latency-msec=10", "--process-time-msec=5"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=self.env, bufsize=0,
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
        for process in (self.keepalive, self.process):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@dataclass(frozen=True)
class Heard:
    """What the monitor recorded: where sound was, and the silences inside it."""

    first: int
    last: int
    silences: list[tuple[float, float]]
    """(start s, length s) of every run of digital silence >= SILENCE_RUN_S inside the span."""

    @property
    def span_s(self) -> float:
        return (self.last - self.first + 1) / RATE


def analyse(recording: Path) -> Heard:
    samples = array.array("h", recording.read_bytes())
    sounding = [i for i, v in enumerate(samples) if v != 0]
    assert sounding, "nothing was heard at all"
    first, last = sounding[0], sounding[-1]
    silences: list[tuple[float, float]] = []
    shortest = int(SILENCE_RUN_S * RATE)
    previous = first
    for index in sounding[1:]:
        gap = index - previous - 1
        if gap >= shortest:
            silences.append(((previous + 1 - first) / RATE, gap / RATE))
        previous = index
    return Heard(first, last, silences)
