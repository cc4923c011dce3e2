"""Playback benchmark: time to first audio, seek latency and memory for 1, 10 and 60 minute mp3s,
next to a whole-file pydub decode.

    .venv/bin/python bench/playback.py [--minutes 1,10,60] [--keep]

Test files (44.1 kHz stereo, speech-like noise and tones) are generated with ffmpeg once and
kept in the temp directory. Every measurement runs in its own interpreter, so peak RSS (VmHWM)
belongs to that measurement alone. Playback goes through the real Player, simpleaudio and
libasound, into an ALSA file sink (this machine may have no sound card); the sink is not paced,
so a wrapper paces each buffer to real time while latencies are measured, then lets the rest of
the file run through unpaced to show memory does not grow with what has been played.

First audio = from Player.load() + play() to the first buffer handed to simpleaudio (probe,
ffmpeg start and the first chunk's decode included). Seek = from seek() to the first buffer at
the new position. Not a test: it prints figures, the last line in a fixed format.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "rectui-bench"
FFMPEG = "/usr/bin/ffmpeg"


def vm_hwm_mb() -> float:
    """Peak resident set of this process, from the kernel's own high-water mark."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_mp3(minutes: int) -> Path:
    path = CACHE / f"speech-{minutes}min.mp3"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    seconds = minutes * 60
    # Pink noise (breath, line noise) plus a voice-pitched tone gated at a syllable-ish rate:
    # the encoder sees something like speech, not a pure tone it compresses to nothing.
    # (ffmpeg's vibrato filter here trips an assertion in LAME's psychoacoustic model.)
    graph = (
        f"anoisesrc=d={seconds}:c=pink:r=44100:a=0.08[n];"
        f"sine=f=180:r=44100:d={seconds},tremolo=f=3:d=0.9[v];"
        "[n][v]amix=inputs=2:normalize=0,pan=stereo|c0=c0|c1=0.8*c0[out]"
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


def alsa_file_sink() -> Path:
    """ALSA default PCM -> a raw file. `truncate` stays on: each buffer overwrites the last, so
    an hour of audio does not fill the disk."""
    CACHE.mkdir(parents=True, exist_ok=True)
    config = CACHE / "asound-bench.conf"
    config.write_text(
        "</usr/share/alsa/alsa.conf>\n"
        "pcm.!default {\n  type file\n  slave.pcm { type null }\n"
        f'  file "{CACHE / "sink.raw"}"\n  format "raw"\n}}\n'
    )
    return config


# -- child measurements ---------------------------------------------------------------------------


def child_play(path: str) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from rectui.media import Player, PlayerState, SimpleaudioBackend, probe
    from rectui.media.backend import PlayHandle

    class TimedBackend:
        """Records when each buffer is handed over; paces buffers to real time on request."""

        def __init__(self) -> None:
            self.inner = SimpleaudioBackend()
            self.paced = True
            self.calls: list[float] = []
            self.event = threading.Event()

        def available(self) -> tuple[bool, str]:
            return self.inner.available()

        def play(self, pcm: bytes, channels: int, rate: int) -> PlayHandle:
            handle = self.inner.play(pcm, channels, rate)
            self.calls.append(time.perf_counter())
            self.event.set()
            seconds = len(pcm) / (channels * 2 * rate)
            return PacedHandle(handle, seconds if self.paced else 0.0)

    class PacedHandle:
        def __init__(self, inner: PlayHandle, seconds: float):
            self.inner, self.seconds = inner, seconds
            self.stopped = threading.Event()

        def stop(self) -> None:
            self.stopped.set()
            self.inner.stop()

        def wait(self) -> None:
            self.inner.wait()
            self.stopped.wait(self.seconds)

    duration = probe(path).duration  # the UI knows it from the API; not part of the timing
    done = threading.Event()
    backend = TimedBackend()
    player = Player(
        backend=backend,
        on_change=lambda p: p.state in (PlayerState.FINISHED, PlayerState.ERROR) and done.set(),
    )
    start = time.perf_counter()
    player.load(path, "bench", duration)
    player.play()
    assert backend.event.wait(30), player.error
    first_audio = backend.calls[0] - start
    if player.state is PlayerState.ERROR:
        raise SystemExit(player.error)
    time.sleep(0.6)  # play a little, as a listener would, before jumping
    backend.event.clear()
    before = len(backend.calls)
    start = time.perf_counter()
    player.seek(duration / 2)
    assert backend.event.wait(30), player.error
    seek = backend.calls[before] - start
    time.sleep(0.6)
    # Now run the whole file through (unpaced): memory must not grow with what was played.
    backend.paced = False
    start = time.perf_counter()
    player.seek(0)
    assert done.wait(600), player.error
    through = time.perf_counter() - start
    assert player.state is PlayerState.FINISHED, player.error
    player.close()
    return {
        "first_audio_s": first_audio,
        "seek_s": seek,
        "peak_rss_mb": vm_hwm_mb(),
        "ffmpeg_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "play_through_s": through,
        "buffers": len(backend.calls),
    }


def child_whole(path: str) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from rectui.media.decode import load_segment

    start = time.perf_counter()
    segment = load_segment(path)
    seconds = time.perf_counter() - start
    return {"whole_decode_s": seconds, "peak_rss_mb": vm_hwm_mb(), "ms": len(segment)}


def child_waveform(path: str) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from rectui.media import waveform

    start = time.perf_counter()
    waveform(path, 200)
    return {"waveform_s": time.perf_counter() - start, "peak_rss_mb": vm_hwm_mb()}


CHILDREN = {"play": child_play, "whole": child_whole, "waveform": child_waveform}


def run_child(kind: str, path: Path, alsa_config: Path | None = None) -> dict[str, float]:
    env = dict(os.environ)
    if alsa_config is not None:
        env["ALSA_CONFIG_PATH"] = str(alsa_config)
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
        raise SystemExit(f"{kind} {path.name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="1,10,60")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(CHILDREN[kind](path)))
        return 0

    config = alsa_file_sink()
    minutes = [int(m) for m in args.minutes.split(",")]
    figures: dict[int, dict[str, float]] = {}
    for length in minutes:
        started = time.perf_counter()
        path = make_mp3(length)
        made = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(
            f"{length:>3} min mp3: {size:.1f} MB" + (f" (made in {made:.0f} s)" if made > 1 else "")
        )
        play = run_child("play", path, config)
        wave = run_child("waveform", path)
        whole = run_child("whole", path)
        figures[length] = {
            **play,
            **{f"whole_{k}": v for k, v in whole.items()},
            **{f"waveform_{k}": v for k, v in wave.items()},
        }
        print(
            f"    streaming player: first audio {play['first_audio_s']:.3f} s, "
            f"seek to middle {play['seek_s']:.3f} s, peak RSS {play['peak_rss_mb']:.0f} MB "
            f"(ffmpeg {play['ffmpeg_peak_rss_mb']:.0f} MB), whole file through the player "
            f"{play['play_through_s']:.1f} s in {play['buffers']:.0f} buffers"
        )
        print(f"    waveform (200 buckets): {wave['waveform_s']:.2f} s")
        print(
            f"    pydub AudioSegment.from_file: {whole['whole_decode_s']:.2f} s, "
            f"peak RSS {whole['peak_rss_mb']:.0f} MB"
        )
    key = 60 if 60 in figures else max(figures)
    f = figures[key]
    print(
        f"playback: first_audio_{key}min_s={f['first_audio_s']:.3f} "
        f"seek_{key}min_s={f['seek_s']:.3f} peak_rss_{key}min_mb={f['peak_rss_mb']:.0f} "
        f"whole_decode_{key}min_s={f['whole_whole_decode_s']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
