"""One exception per way a Recording API call can fail, each with a one-line message."""

from __future__ import annotations

from ..server_text import safe_text


class PlivoError(Exception):
    """Base class. `str(error)` is a single line fit for a status bar, safe for a terminal
    (the server's own error text is part of it)."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None, api_id: str | None = None):
        super().__init__(safe_text(" ".join(message.split())))
        if status is not None:
            self.status = status
        self.api_id = api_id


class ValidationError(PlivoError):
    """400: the server rejected a parameter."""

    status = 400


class AuthenticationError(PlivoError):
    """401/403: wrong auth id or token, or media behind HTTP auth."""

    status = 401


class InvalidIdError(PlivoError):
    """A recording id that cannot address one recording (`..`, `a/b`): refused before any
    request, so it can never reach another resource."""


class NotFoundError(PlivoError):
    status = 404


class MethodNotAllowedError(PlivoError):
    status = 405


class RateLimitedError(PlivoError):
    """429 that outlived our retries."""

    status = 429


class ServerError(PlivoError):
    """5xx that outlived our retries."""


class NetworkError(PlivoError):
    """The server could not be reached or did not answer in time."""


class BadResponseError(PlivoError):
    """The server answered with something that is not the JSON we expect."""


def error_for_status(status: int, server_text: str, api_id: str | None = None) -> PlivoError:
    """Build the exception for an HTTP error status, keeping the server's own `error` text."""
    detail = f": {server_text}" if server_text else ""
    if status == 400:
        return ValidationError(f"The server rejected the request{detail}", api_id=api_id)
    if status in (401, 403):
        # Said once: a server text that is only "authentication failed …" again adds nothing.
        if "authentication failed" in server_text.lower():
            detail = ""
        return AuthenticationError(
            f"Authentication failed (HTTP {status}){detail}; check the auth id and token",
            status=status,
            api_id=api_id,
        )
    if status == 404:
        return NotFoundError(f"Not found{detail}", api_id=api_id)
    if status == 405:
        return MethodNotAllowedError(f"Method not allowed{detail}", api_id=api_id)
    if status == 429:
        return RateLimitedError(
            f"Rate limited by the server (HTTP 429){detail}; wait a moment and retry",
            api_id=api_id,
        )
    if status >= 500:
        return ServerError(
            f"Server error (HTTP {status}){detail}; try again later", status=status, api_id=api_id
        )
    return PlivoError(f"Unexpected HTTP {status}{detail}", status=status, api_id=api_id)
