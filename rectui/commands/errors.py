"""Exit codes (see the package docstring) and how errors and per-item results map to them."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import ConfigError
from ..media.errors import MediaUnavailableError
from ..plivo.errors import (
    AuthenticationError,
    InvalidIdError,
    NotFoundError,
    PlivoError,
    ValidationError,
)
from ..plivo.filters import FilterError
from ..triage.results import error_kind

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_NETWORK = 5
EXIT_NOT_SYNCED = 6
"""`list --local` answered from an index that does not hold all of the filter yet."""
EXIT_INTERRUPTED = 130

KIND_EXIT = {
    "auth": EXIT_AUTH,
    "invalid_id": EXIT_USAGE,
    "not_found": EXIT_NOT_FOUND,
    "network": EXIT_NETWORK,
    "server": EXIT_NETWORK,
}
"""Failure kinds (triage.results.error_kind) to exit codes; anything else is EXIT_PARTIAL."""


class CommandError(Exception):
    """Ends the command with one line on stderr and an exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(" ".join(message.split()))
        self.code = code


def items_exit(kinds: Sequence[str | None]) -> int:
    """One error kind (or None: fine) per item -> 0 if all fine; the failures' own code if
    every item failed the same way (4 not found, 5 network...); else 1."""
    failures = [k for k in kinds if k is not None]
    if not failures:
        return EXIT_OK
    codes = {KIND_EXIT.get(k, EXIT_PARTIAL) for k in failures}
    if len(failures) == len(kinds) and len(codes) == 1:
        return codes.pop()
    return EXIT_PARTIAL


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, CommandError):
        return exc.code
    if isinstance(exc, ConfigError | FilterError | ValidationError | InvalidIdError):
        return EXIT_USAGE
    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH
    if isinstance(exc, NotFoundError | MediaUnavailableError):
        return EXIT_NOT_FOUND
    if isinstance(exc, PlivoError):
        return KIND_EXIT.get(error_kind(exc), EXIT_NETWORK)
    return EXIT_PARTIAL
