"""One line for any exception: what every status bar, toast, task panel and stderr message shows.

The one place that turns an error into text, for the CLI, triage results and the UI alike. The
callers that show it redact credentials (the UI's session, the CLI's output).
"""

from __future__ import annotations

from .media.errors import MediaError
from .plivo.errors import PlivoError
from .server_text import safe_text


def one_line(exc: BaseException) -> str:
    """An exception as one line without a traceback: our own errors' texts as they are (they
    are written for people), an OSError as its reason and file, anything else with its type."""
    if isinstance(exc, PlivoError | MediaError):
        return " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    # Any other exception may quote server text (an httpx error quotes a URL): made visible.
    text = safe_text(" ".join(str(exc).split()))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_expected(exc: BaseException) -> bool:
    """An error the user or the server can cause (anything else is a bug, said as such)."""
    return isinstance(exc, PlivoError | MediaError | OSError)
