"""Is there somewhere to play sound on this host? And keeping C libraries off the terminal.

simpleaudio always plays to ALSA's `default` PCM. On a server reached over SSH there usually is
none, and libasound then prints "ALSA lib ... cannot find card '0'" to stderr, straight over the
TUI. Its error printer is replaced with a no-op through `snd_lib_error_set_handler`.

PortAudio prints "Expression '...' failed in 'src/hostapi/alsa/pa_linux_alsa.c'" to stderr when
a device goes away, through a printer it does not let us replace. `native_stderr_to()` sends
file descriptor 2 to a log while the TUI runs, and gives Python and Textual a copy of the
terminal to write to.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

SND_PCM_STREAM_PLAYBACK = 0
SND_PCM_NONBLOCK = 1  # a busy device answers EBUSY at once instead of waiting for it

NO_OUTPUT = "no audio output on this host"

# ALSA calls the handler as handler(file, line, function, err, fmt, ...). The variadic tail is
# not declared: the callback ignores every argument, which is safe for C varargs on the ABIs
# Linux runs on.
_ErrorHandler = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)


def _ignore_alsa_error(
    file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None
) -> None:
    return None


# Module-level so the C side never calls a callback the garbage collector has freed.
_HANDLER = _ErrorHandler(_ignore_alsa_error)
_silenced = False
_silence_lock = threading.Lock()
_probe_lock = threading.Lock()
_cached: tuple[bool, str] | None = None


@functools.cache
def _libasound() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    for name in ("libasound.so.2", ctypes.util.find_library("asound")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.snd_strerror.restype = ctypes.c_char_p
        lib.snd_strerror.argtypes = [ctypes.c_int]
        lib.snd_pcm_open.restype = ctypes.c_int
        lib.snd_pcm_open.argtypes = [
            ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
        ]  # fmt: skip
        lib.snd_pcm_close.argtypes = [ctypes.c_void_p]
        lib.snd_lib_error_set_handler.argtypes = [_ErrorHandler]
        return lib
    return None


def silence_alsa_errors() -> bool:
    """Stop libasound printing to stderr, process-wide; True if it is now silent (or absent)."""
    global _silenced
    with _silence_lock:
        if _silenced:
            return True
        lib = _libasound()
        if lib is None:
            return not sys.platform.startswith("linux")
        lib.snd_lib_error_set_handler(_HANDLER)
        _silenced = True
        return True


def _open_default_pcm() -> tuple[bool, str]:
    lib = _libasound()
    if lib is None:
        return False, "ALSA (libasound.so.2) is not installed"
    silence_alsa_errors()
    pcm = ctypes.c_void_p()
    code = lib.snd_pcm_open(
        ctypes.byref(pcm), b"default", SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK
    )
    if code < 0:
        reason = (lib.snd_strerror(code) or b"error").decode("utf-8", "replace")
        return False, f"ALSA cannot open its default device: {reason}"
    lib.snd_pcm_close(pcm)
    return True, "ALSA default device"


def audio_output_available(*, refresh: bool = False, timeout: float = 3.0) -> tuple[bool, str]:
    """(True, what) if sound can be played here, else (False, why). Never raises, never hangs:
    the device is opened in a helper thread and `timeout` bounds the wait. Cached per process;
    `refresh` probes again (e.g. after plugging in a headset)."""
    global _cached
    with _probe_lock:
        if _cached is not None and not refresh:
            return _cached
        try:
            import simpleaudio  # noqa: F401  (a missing or broken build means no playback)
        except Exception as exc:
            result = (False, f"simpleaudio is not usable: {exc}")
        else:
            if sys.platform.startswith("linux"):
                result = _probe_in_thread(timeout)
            else:  # CoreAudio / WinMM always have a default output to open
                result = (True, "system default output")
        _cached = result
        return result


def _probe_in_thread(timeout: float) -> tuple[bool, str]:
    box: list[tuple[bool, str]] = []

    def run() -> None:
        try:
            box.append(_open_default_pcm())
        except Exception as exc:  # ctypes trouble is still "no audio", not a crash
            box.append((False, f"cannot probe ALSA: {exc}"))

    thread = threading.Thread(target=run, name="rectui-audio-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if not box:
        return False, f"the audio device did not answer within {timeout:g} s"
    return box[0]


@contextlib.contextmanager
def native_stderr_to(log: Path) -> Iterator[None]:
    """While the block runs, what C code writes to fd 2 lands in `log` (truncated); Python's
    sys.stderr and sys.__stderr__ (where Textual draws) write to the terminal as before. If the
    log cannot be opened, nothing changes."""
    original = sys.__stderr__
    if original is None:
        yield
        return
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError:
        yield
        return
    original.flush()
    terminal = os.dup(2)
    copy = open(  # noqa: SIM115 - closed below, after fd 2 is back
        terminal, "w", encoding=original.encoding, errors=original.errors, closefd=False
    )
    python_stderr = sys.stderr
    sys.__stderr__ = copy  # type: ignore[misc]
    if python_stderr is original:
        sys.stderr = copy
    os.dup2(target, 2)
    os.close(target)
    try:
        yield
    finally:
        copy.flush()
        os.dup2(terminal, 2)
        os.close(terminal)
        copy.close()
        sys.__stderr__ = original  # type: ignore[misc]
        if sys.stderr is copy:
            sys.stderr = python_stderr


def remote_session() -> bool:
    """True in an SSH session: sound would come out of the server, not the user's machine."""
    return bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))


def _reset_cache_for_tests() -> None:
    global _cached
    with _probe_lock:
        _cached = None
