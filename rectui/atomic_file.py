"""Writing a file completely or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_write(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """Yield a text handle whose contents replace `path` only when the block succeeds.

    The temporary file sits beside `path` (so the rename is atomic), is private (0600, as
    mkstemp makes it: configs hold tokens, exports hold phone numbers) and is fsynced before the
    rename, so a crash leaves either the old file or the new one, never half of one.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # The rename itself is only durable once the directory is synced too.
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
