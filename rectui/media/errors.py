"""Media failures, each with a one-line message fit for a status bar.

Network and HTTP-auth failures keep their `rectui.plivo.errors` types (raised by the client);
these cover what is specific to fetching, caching, decoding and playing media.
"""

from __future__ import annotations

from ..server_text import safe_text


class MediaError(Exception):
    """Base class. `str(error)` is a single line the UI can show as is."""

    def __init__(self, message: str):
        super().__init__(safe_text(" ".join(message.split())))


class MediaUnavailableError(MediaError):
    """The server has no media for this recording (404), or the recording has no URL."""


class OriginalNotAvailableError(MediaUnavailableError):
    """The pre-denoise variant (`?type=original`) does not exist for this recording."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or "the original (pre-denoise) recording is not available for this recording"
        )


class DownloadIncompleteError(MediaError):
    """The body ended before (or after) the announced length. The partial file is kept so the
    next attempt resumes with a Range request; it is never promoted to a cached file."""

    def __init__(self, message: str, *, done: int, total: int | None):
        super().__init__(message)
        self.done = done
        self.total = total


class DownloadBusyError(MediaError):
    """Another rectui process is downloading the same file into the same cache."""


class DecodeError(MediaError):
    """ffmpeg/ffprobe is missing or could not read the file."""
