"""The one-line header: who we are talking to, which filter is on, how many recordings match.

It shows the auth id (never the token), the profile, a DEMO badge, and the live count.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label


class StatusHeader(Horizontal):
    def __init__(
        self, *, auth_id: str, profile: str, demo: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.auth_id = auth_id
        self.profile = profile
        self.demo = demo
        self._total: int | None = None
        self._loading = False
        self._marked = 0
        self._marked_detail = ""
        self._busy: str = ""
        self._count_text = ""

    def compose(self) -> ComposeResult:
        yield Label("rectui", id="hdr-brand")
        yield Label(self._account_text(), id="hdr-account", markup=False)
        yield Label(f"profile {self.profile}", id="hdr-profile", markup=False)
        if self.demo:
            yield Label("DEMO", id="hdr-demo")
        yield Label("", id="hdr-filter", markup=False)
        yield Label("", id="hdr-count", markup=False)

    def _account_text(self) -> str:
        kind = "subaccount" if self.auth_id.startswith("SA") else "account"
        return f"{kind} {self.auth_id}"

    def set_identity(self, auth_id: str, profile: str) -> None:
        """After a profile switch: the account (never the token) and the profile's name."""
        self.auth_id = auth_id
        self.profile = profile
        self.query_one("#hdr-account", Label).update(self._account_text())
        self.query_one("#hdr-profile", Label).update(f"profile {profile}")

    # Plain setters (not reactives) because the app calls them from several workers and each call
    # only rewrites one short label.

    def set_filter(self, summary: str, subaccount: str | None = None) -> None:
        # The subaccount first: a long filter is cut at the end, and whose recordings these are
        # matters most.
        text = summary if not subaccount else f"sub {subaccount} · {summary}"
        self.query_one("#hdr-filter", Label).update(text)

    def set_total(self, total: int | None, *, loading: bool = False) -> None:
        self._total = total
        self._loading = loading
        self._refresh_count()

    def set_marked(self, count: int, detail: str = "") -> None:
        """How many recordings are marked, and optionally what they add up to ("12 min · …")."""
        self._marked = count
        self._marked_detail = detail
        self._refresh_count()

    def set_busy(self, text: str) -> None:
        """A short progress note (e.g. "deleting 3/10"); empty clears it."""
        self._busy = text
        self._refresh_count()

    @property
    def count_text(self) -> str:
        return str(self.query_one("#hdr-count", Label).render())

    def _refresh_count(self) -> None:
        parts: list[str] = []
        if self._busy:
            parts.append(self._busy)
        if self._loading:
            parts.append("loading…")
        if self._total is not None:
            noun = "recording" if self._total == 1 else "recordings"
            parts.append(f"{self._total:,} {noun}")
        if self._marked:
            marked = f"{self._marked:,} marked"
            if self._marked_detail:
                marked += f" ({self._marked_detail})"
            parts.append(marked)
        text = " · ".join(parts)
        if text != self._count_text:
            # An update lays out the whole screen again; the table announces the count on every
            # cursor move, and it rarely changes.
            self._count_text = text
            self.query_one("#hdr-count", Label).update(text)
