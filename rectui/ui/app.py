"""The rectui application: a thin App that keeps quit, help and the life cycle, and opens the
`MainScreen` (rectui/ui/screens/main.py), which owns the layout, its keys and their actions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from textual.app import App
from textual.binding import BindingType
from textual.notifications import SeverityLevel

from rectui.config import AppConfig, client_for
from rectui.media import Player
from rectui.plivo.client import PlivoClient
from rectui.server_text import safe_text

from .actions import bindings, unknown_ids
from .playback import PlayerFactory
from .screens import HelpScreen
from .screens.main import ClientFactory, MainScreen
from .session import Clock, Notes, Session
from .widgets.filter_sidebar import FilterSidebar

INDEXED_CLIENT: ClientFactory = partial(client_for, indexed=True)
"""How a profile switch builds its client: writing through to the account's local index."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class RectuiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "rectui"
    # Below 120 columns the detail pane stacks under the table; below 100 the filters fold away
    # too (`/` opens them), so 80×24 still shows a usable table. See app.tcss.
    # (Textual declares it as an instance attribute, so no ClassVar here.)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (100, "-medium"),
        (120, "-wide"),
        (160, "-xwide"),
    ]
    # Below 20 rows the detail pane shrinks to a few lines, so that 60×16 still shows rows.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")

    def __init__(
        self,
        config: AppConfig,
        client: PlivoClient,
        *,
        demo: bool = False,
        clock: Clock | None = None,
        client_factory: ClientFactory = INDEXED_CLIENT,
        make_player: PlayerFactory = Player,
    ) -> None:
        super().__init__()
        self.main = MainScreen(
            Session(config, client, clock or utc_now, Notes(self.notify), demo=demo),
            client_factory=client_factory,
            make_player=make_player,
        )
        """The one main screen (its `session` is the account and filter in use)."""

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_load(self) -> None:
        self.main.pause_collector()
        self.main.start_first_open()

    async def on_unmount(self) -> None:
        # Here, after every screen has closed, rather than in the main screen's own unmount:
        # this runs even when the app stopped before that screen started, and the first
        # listing starts before it does (on_load).
        self.main.discard_first_open()
        self.main.resume_collector()  # also when the app stopped before the screen started
        await self.main.session.client.aclose()

    def on_mount(self) -> None:
        session = self.main.session
        for warning in session.config.warnings:
            session.note(warning, "warning")
        keymap = dict(session.config.keymap)
        for binding_id in unknown_ids(keymap):
            session.note(f"keymap: no key has the id {binding_id!r}; it is ignored", "warning")
            del keymap[binding_id]
        self.set_keymap(keymap)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (the widgets' too) shows its text with controls made visible: messages
        quote server text, and a raw ESC in one would reach the terminal."""
        super().notify(
            safe_text(message), title=title, severity=severity, timeout=timeout, markup=markup
        )

    async def action_quit(self) -> None:
        # The filter fields are mounted just after the first frame. Closing the app midway
        # would tear them down while Textual's Selects are still mounting, and those raise.
        # (Queried: a key can come before the screen's on_mount names the sidebar.)
        for sidebar in self.main.query(FilterSidebar):
            await sidebar.finish_building()
        await super().action_quit()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
