"""Playback benchmark: through a paced sound server, what a listener hears after `p` and after a
seek in 1, 10 and 60 minute mp3s, whether it ever drops out, and how far the player's position
is from what was heard; next to the waveform and a whole-file pydub decode.

    .venv/bin/python bench/playback.py [--minutes 1,10,60]

Test files (44.1 kHz stereo 96 kb/s, speech-like noise and tones; the second half four times
louder than the first, so the moment a seek lands is audible) are made with ffmpeg once and
kept in the temp directory.

The sound server is a private PulseAudio daemon with a null sink (tests/pulse_helpers.py: the
same one the tests use), ALSA's default device pointed at it; `parec` records the sink's monitor
in this process, stamping every 10 ms of sound with the time it arrived. The player runs in its
own interpreter (the real Player, PortAudio, libasound, the pulse plugin), so its peak RSS
(VmHWM) is its own, and it reports when it was told to play and to seek (CLOCK_MONOTONIC is
shared by both processes) and its position, read every 10 ms. No emulator is involved: the
media are local files, as the app plays them once downloaded.

- first audio: from load() + play() of a 60-minute file (probe, ffmpeg, PortAudio's stream
  start included; PortAudio loaded beforehand, as the app does at start) to the first sample
  heard. Target: <= 0.3 s plus the output latency PortAudio reports for the stream.
- seek: from seek() to the middle + 10 s to the first loud sample heard. Target: <= 0.3 s.
- dropouts: runs of digital silence of 10 ms or more while playing (the media has noise
  everywhere), outside the seek itself, on the app's channel while the sink's pilot sounds on
  (pulse_helpers): the player's. Where the pilot is silent too, the sound server or the
  recorder stalled: counted apart (server_gaps). Target: 0.
- mute, pause: from set_volume(0), and from pause(), to the silence heard. Target: <= 0.3 s.
- position error: |player.position - position heard| at every 10 ms of sound, 95th percentile,
  where the position heard counts the samples since playing started (or since the seek landed).
  Target: <= 50 ms.
Not a test: it prints figures, the last line in a fixed format.
"""

from __future__ import annotations

import argparse
import array
import bisect
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from pulse_helpers import RATE, RECORD_COMMAND, SILENCE_RUN_S, PulseServer, gaps  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "rectui-bench"
FFMPEG = "/usr/bin/ffmpeg"
PLAY_S = float(os.environ.get("RECTUI_BENCH_PLAY_S", "5"))
"""Seconds played before the seek, and after it (--play; passed to the player's process)."""
CONTROL_S = 1.0
"""Then muted this long, played again, and paused."""
SEEK_INTO_LOUD_S = 10.0
QUIET = 0.25


def vm_hwm_mb() -> float:
    """Peak resident set of this process, from the kernel's own high-water mark."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_mp3(minutes: int) -> Path:
    path = CACHE / f"speech-{minutes}min-halves.mp3"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    seconds = minutes * 60
    # Pink noise (breath, line noise) plus a voice-pitched tone gated at a syllable-ish rate:
    # the encoder sees something like speech, not a pure tone it compresses to nothing. The
    # first half plays at a quarter of the level. (ffmpeg's vibrato filter here trips an
    # assertion in LAME's psychoacoustic model.)
    graph = (
        f"anoisesrc=d={seconds}:c=pink:r=44100:a=0.08[n];"
        f"sine=f=180:r=44100:d={seconds},tremolo=f=3:d=0.9[v];"
        "[n][v]amix=inputs=2:normalize=0,pan=stereo|c0=c0|c1=0.8*c0,"
        f"volume='if(lt(t,{seconds / 2}),{QUIET},1)':eval=frame[out]"
    )
    partial = path.with_suffix(".tmp.mp3")
    command = [
        FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-filter_complex", graph, "-map", "[out]", "-ac", "2", "-ar", "44100",
        "-c:a", "libmp3lame", "-b:a", "96k", str(partial),
    ]  # fmt: skip
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    partial.rename(path)
    return path


# -- child measurements ---------------------------------------------------------------------------


def child_play(path: str) -> dict[str, object]:
    """In the player's own interpreter (its environment points ALSA at the sound server)."""
    from rectui.media import Player, PlayerState, probe
    from rectui.media.backend import LATENCY_S

    duration = probe(path).duration  # the UI knows it from the API; not part of the timing
    player = Player()
    player.prepare()  # the app does so once its first frame is out, before anyone presses p
    deadline = time.monotonic() + 30
    while player.output is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if not (player.output or (False, "no answer"))[0]:
        raise SystemExit(f"no audio output: {player.output}")
    import sounddevice

    with sounddevice.RawOutputStream(
        samplerate=44100, channels=2, dtype="int16", latency=LATENCY_S
    ) as probe_stream:
        latency = float(probe_stream.latency)
    positions: list[tuple[float, float]] = []
    running = threading.Event()
    running.set()

    def poll() -> None:
        while running.is_set():
            positions.append((time.monotonic(), player.position))
            time.sleep(0.01)

    poller = threading.Thread(target=poll, daemon=True)
    play_at = time.monotonic()
    player.load(path, "bench", duration)
    player.play()
    poller.start()
    time.sleep(PLAY_S)
    seek_at = time.monotonic()
    target = duration / 2 + SEEK_INTO_LOUD_S
    player.seek(target)
    time.sleep(PLAY_S)
    # Controls that act on what the device holds: muting, then pausing.
    mute_at = time.monotonic()
    player.set_volume(0)
    time.sleep(CONTROL_S)
    player.set_volume(100)
    time.sleep(CONTROL_S)
    pause_at = time.monotonic()
    state = player.state
    player.pause()
    time.sleep(CONTROL_S)
    stop_at = time.monotonic()
    player.stop()
    running.clear()
    poller.join()
    player.close(timeout=30)  # not exiting while its thread is still in PortAudio
    if state is not PlayerState.PLAYING:
        raise SystemExit(f"playback ended early: {state} {player.error}")
    return {
        "play_at": play_at,
        "seek_at": seek_at,
        "mute_at": mute_at,
        "pause_at": pause_at,
        "stop_at": stop_at,
        "seek_target": target,
        "positions": positions,
        "latency_s": latency,
        "backend": player.backend_name,
        "peak_rss_mb": vm_hwm_mb(),
        "ffmpeg_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_whole(path: str) -> dict[str, float]:
    from rectui.media.decode import load_segment

    start = time.perf_counter()
    segment = load_segment(path)
    seconds = time.perf_counter() - start
    return {"whole_decode_s": seconds, "peak_rss_mb": vm_hwm_mb(), "ms": len(segment)}


def child_waveform(path: str) -> dict[str, float]:
    from rectui.media import waveform
    from rectui.ui.playback import WAVEFORM_BUCKETS

    start = time.perf_counter()
    waveform(path, WAVEFORM_BUCKETS, normalize=True)
    return {"waveform_s": time.perf_counter() - start, "peak_rss_mb": vm_hwm_mb()}


CHILDREN = {"play": child_play, "whole": child_whole, "waveform": child_waveform}


def run_child(kind: str, path: Path, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=1200,
    )
    if result.returncode != 0:
        raise SystemExit(f"{kind} {path.name} failed (exit {result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- what was heard -------------------------------------------------------------------------------


class Recorder:
    """parec on the sink's monitor; every chunk stamped with when it arrived."""

    CHUNK = RATE // 100  # 10 ms

    def __init__(self, server: PulseServer):
        self.process = subprocess.Popen(
            RECORD_COMMAND, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=server.env, bufsize=0,
        )  # fmt: skip
        self.frames = array.array("h")
        """Interleaved: the app's channel, then the app's plus the pilot's (pulse_helpers)."""
        self.arrivals: list[tuple[float, int]] = []
        """(when, samples recorded by then)."""
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.started.wait(15), "parec never recorded anything"

    def _read(self) -> None:
        assert self.process.stdout is not None
        pending = b""
        while chunk := self.process.stdout.read(self.CHUNK * 4):
            now = time.monotonic()
            pending += chunk
            whole = len(pending) - len(pending) % 4
            self.frames.frombytes(pending[:whole])
            pending = pending[whole:]
            self.arrivals.append((now, len(self.frames) // 2))
            self.started.set()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.thread.join(10)
        self.samples, self.pilot = self.frames[0::2], self.frames[1::2]

    def time_of(self, index: int) -> float:
        """When sample `index` was heard: its chunk's arrival, less the samples after it."""
        counts = [n for _, n in self.arrivals]
        chunk = bisect.bisect_right(counts, index)
        when, count = self.arrivals[min(chunk, len(self.arrivals) - 1)]
        return when - (count - index) / RATE

    def index_at(self, when: float) -> int:
        """Samples heard by `when`."""
        times = [t for t, _ in self.arrivals]
        chunk = bisect.bisect_right(times, when) - 1
        return self.arrivals[chunk][1] if chunk >= 0 else 0


def silent_from(samples: array.array, start: int) -> int:
    """Where the first run of digital silence of SILENCE_RUN_S or more after `start` begins."""
    run = 0
    for index in range(start, len(samples)):
        run = run + 1 if samples[index] == 0 else 0
        if run >= SILENCE_RUN_S * RATE:
            return index - run + 1
    return len(samples) - 1


def analyse(recorder: Recorder, played: dict) -> dict[str, float]:
    samples = recorder.samples
    start = recorder.index_at(played["play_at"])
    first = next(i for i in range(start, len(samples)) if samples[i] != 0)
    seek_index = recorder.index_at(played["seek_at"])
    quiet_peak = max(abs(v) for v in samples[first:seek_index])
    landed = next(i for i in range(seek_index, len(samples)) if abs(samples[i]) > quiet_peak)
    end = recorder.index_at(played["mute_at"])
    found = [gaps(samples, recorder.pilot, a, b) for a, b in ((first, seek_index), (landed, end))]
    dropouts = [n / RATE for g in found for _, n in g.player]
    server = [n / RATE for g in found for _, n in g.server]

    # Position heard at each 10 ms of sound against the player's position then.
    polled = played["positions"]
    poll_times = [t for t, _ in polled]
    errors: list[float] = []
    signed: list[float] = []
    for when, count in recorder.arrivals:
        if first < count <= seek_index:
            heard = (count - first) / RATE
        elif landed < count <= end:
            heard = played["seek_target"] + (count - landed) / RATE
        else:
            continue
        at = bisect.bisect_right(poll_times, when) - 1
        if 0 <= at < len(polled) - 1:
            (t0, p0), (t1, p1) = polled[at], polled[at + 1]
            position = p0 + (p1 - p0) * (when - t0) / (t1 - t0) if t1 > t0 else p0
            if abs(position - heard) < 2:  # not across the seek's jump
                errors.append(abs(position - heard))
                signed.append(position - heard)
    errors.sort()
    return {
        "first_audio_s": recorder.time_of(first) - played["play_at"],
        "seek_s": recorder.time_of(landed) - played["seek_at"],
        "mute_s": recorder.time_of(silent_from(samples, recorder.index_at(played["mute_at"])))
        - played["mute_at"],
        "pause_s": recorder.time_of(silent_from(samples, recorder.index_at(played["pause_at"])))
        - played["pause_at"],
        "dropouts": len(dropouts),
        "dropout_ms": sum(dropouts) * 1000,
        "server_gaps": len(server),
        "server_gap_ms": sum(server) * 1000,
        "position_error_ms": errors[int(len(errors) * 0.95)] * 1000 if errors else float("nan"),
        "position_error_median_ms": statistics.median(errors) * 1000 if errors else float("nan"),
        "position_error_max_ms": errors[-1] * 1000 if errors else float("nan"),
        "position_bias_ms": statistics.median(signed) * 1000 if signed else float("nan"),
    }


def measure_play(server: PulseServer, path: Path) -> dict:
    recorder = Recorder(server)
    try:
        played = run_child("play", path, env=server.env)
    finally:
        recorder.stop()
    return {**played, **analyse(recorder, played)}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", default="1,10,60")
    parser.add_argument(
        "--play", type=float, default=PLAY_S, help="seconds played before the seek and after"
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(CHILDREN[kind](path)))
        return 0

    minutes = [int(m) for m in args.minutes.split(",")]
    os.environ["RECTUI_BENCH_PLAY_S"] = str(args.play)  # for the player's process
    server = PulseServer(Path(tempfile.mkdtemp(prefix="rectui-bench-pulse-"))).start()
    figures: dict[int, dict] = {}
    try:
        for length in minutes:
            started = time.perf_counter()
            path = make_mp3(length)
            made = time.perf_counter() - started
            size = path.stat().st_size / 1e6
            note = f" (made in {made:.0f} s)" if made > 1 else ""
            print(f"{length:>3} min mp3: {size:.1f} MB{note}")
            play = measure_play(server, path)
            wave = run_child("waveform", path)
            whole = run_child("whole", path)
            figures[length] = play
            print(
                f"    through PulseAudio ({play['backend']}, output latency "
                f"{play['latency_s'] * 1000:.0f} ms): first audio {play['first_audio_s']:.3f} s, "
                f"seek to the middle {play['seek_s']:.3f} s, dropouts {play['dropouts']} "
                f"({play['dropout_ms']:.0f} ms; the sound server's own: {play['server_gaps']}, "
                f"{play['server_gap_ms']:.0f} ms), mute heard after {play['mute_s']:.3f} s, pause "
                f"{play['pause_s']:.3f} s, position error p95 "
                f"{play['position_error_ms']:.1f} ms (median "
                f"{play['position_error_median_ms']:.1f}, max {play['position_error_max_ms']:.1f}; "
                f"the player ahead by {play['position_bias_ms']:.1f} ms at the median)"
            )
            print(
                f"    player peak RSS {play['peak_rss_mb']:.0f} MB "
                f"(ffmpeg {play['ffmpeg_peak_rss_mb']:.0f} MB)"
            )
            print(
                f"    waveform (512 slices): {wave['waveform_s']:.2f} s; pydub "
                f"AudioSegment.from_file (a whole decode): {whole['whole_decode_s']:.2f} s, "
                f"peak RSS {whole['peak_rss_mb']:.0f} MB"
            )
    finally:
        server.stop()
    key = 60 if 60 in figures else max(figures)
    f = figures[key]
    print(
        f"targets: first audio <= {0.3 + f['latency_s']:.3f} s (0.3 s + output latency), "
        "seek <= 0.3 s, pause and mute heard <= 0.3 s, 0 dropouts, position error <= 50 ms"
    )
    print(
        f"playback: first_audio_{key}min_s={f['first_audio_s']:.3f} "
        f"seek_{key}min_s={f['seek_s']:.3f} peak_rss_{key}min_mb={f['peak_rss_mb']:.0f} "
        f"dropouts={sum(v['dropouts'] for v in figures.values())} "
        f"server_gaps={sum(v['server_gaps'] for v in figures.values())} "
        f"pause_s={max(v['pause_s'] for v in figures.values()):.3f} "
        f"mute_s={max(v['mute_s'] for v in figures.values()):.3f} "
        f"dropout_ms={sum(v['dropout_ms'] for v in figures.values()):.0f} "
        f"position_error_ms={max(v['position_error_ms'] for v in figures.values()):.1f}"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(REPO))
    raise SystemExit(main())
