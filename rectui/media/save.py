"""Saving a cached recording where a person can find it, and telling them how to fetch it.

Over SSH the TUI's host is not the user's machine, so besides the saved path the UI can show an
`scp` line to copy into a local terminal.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import shutil
import socket
import tempfile
from pathlib import Path

from ..plivo.models import Recording
from .cache import id_stem, safe_stem
from .errors import MediaError


def default_download_dir() -> Path:
    return Path.home() / "Downloads" / "rectui"


def readable_name(recording: Recording, fmt: str, *, original: bool = False) -> str:
    """`2026-11-20_1504_conference_<id>.mp3`: sortable local date and time, the kind, the id.
    The id is sanitised (no separators, dots or control characters) because the server sent it,
    and stays unique (see id_stem): two recordings never share a name."""
    when = recording.add_time.astimezone().strftime("%Y-%m-%d_%H%M")
    kind = safe_stem(recording.recording_type or "recording", 20) or "recording"
    ident = id_stem(recording.recording_id)
    variant = "_original" if original else ""
    return f"{when}_{kind}_{ident}{variant}.{safe_stem(fmt, 8) or 'media'}"


def save_to(
    dest_dir: Path | str, recording: Recording, source: Path, *, original: bool = False
) -> Path:
    """Copy `source` (the cached media) to `dest_dir` under a readable name; returns the path.

    Written to a temporary name and renamed, so a full disk or a crash never leaves a truncated
    file under the final name. An existing file of the same recording is replaced.
    """
    dest = Path(dest_dir).expanduser()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MediaError(f"cannot create {dest}: {exc.strerror or exc}") from None
    fmt = source.suffix.lstrip(".") or "media"
    target = dest / readable_name(recording, fmt, original=original)
    fd, temp_name = tempfile.mkstemp(prefix=".rectui-", suffix=".tmp", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        os.chmod(temp_name, 0o600)  # private like downloads and exports: it is a call
        os.replace(temp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise MediaError(f"cannot save to {dest}: {exc.strerror or exc}") from None
    return target


def scp_command(path: Path | str, *, user: str | None = None, host: str | None = None) -> str:
    """`scp user@host:/path/file.mp3 .` — quoted for a POSIX shell."""
    try:
        user = user or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = user or os.environ.get("USER", "")
    host = host or socket.gethostname()
    remote = f"{user}@{host}" if user else host
    return f"scp {shlex.quote(f'{remote}:{os.path.abspath(path)}')} ."
