"""What the controllers share: the account in use, the filter, the clock and how to tell the user.

A `Session` is handed to the main screen's controllers (`Triage`, `Playback`) instead of the app,
so each reads only what it needs and nothing rewrites the app. Its config and client are fixed
for its life: a profile switch (or a saved preset) makes a new session, which the main screen
hands to every controller (`MainScreen.use_session`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from textual.notifications import SeverityLevel

from rectui.config import AppConfig
from rectui.error_text import is_expected, one_line
from rectui.index import IndexStore
from rectui.listing.filter_spec import FilterSpec
from rectui.plivo.client import PlivoClient

Clock = Callable[[], datetime]
Notify = Callable[[str, SeverityLevel], None]

REPEAT_QUIET_S = 5.0
"""The same message is not shown again within this many seconds (one per failing page is noise)."""


class Notes:
    """Notifications, literal (server text is never markup), each once per REPEAT_QUIET_S."""

    def __init__(self, notify: Callable[..., None]) -> None:
        self._notify = notify
        self._recent: dict[str, float] = {}

    def __call__(self, message: str, severity: SeverityLevel = "information") -> None:
        now = time.monotonic()
        last = self._recent.get(message)
        if last is not None and now - last < REPEAT_QUIET_S:
            return
        self._recent[message] = now
        timeout = 8 if severity == "error" else None
        self._notify(message, severity=severity, markup=False, timeout=timeout)


@dataclass(eq=False)
class Session:
    config: AppConfig
    client: PlivoClient
    clock: Clock
    notify: Notify
    """Shows one line (rate-limited); `note` redacts it first."""
    demo: bool = False
    spec: FilterSpec = field(default_factory=FilterSpec)
    """What the user last asked for; `r` reloads it (re-anchoring quick ranges to now)."""

    @property
    def index(self) -> IndexStore | None:
        """The account's local index, when the client writes through to one."""
        return getattr(self.client, "index", None)

    def with_account(self, config: AppConfig, client: PlivoClient) -> Session:
        """The same filter, clock and notifications for another profile."""
        return replace(self, config=config, client=client)

    def redact(self, text: str) -> str:
        """`text` without any token of the account in use (or of its subaccounts)."""
        profile = self.config.profile
        for credentials in (
            self.client.credentials,
            profile.credentials,
            *profile.subaccount_credentials.values(),
        ):
            text = credentials.redact(text)
        return text

    def error_text(self, error: BaseException) -> str:
        text = one_line(error)
        return self.redact(text if is_expected(error) else f"Unexpected error: {text}")

    def note(self, message: str, severity: SeverityLevel = "information") -> None:
        self.notify(self.redact(message), severity)
