"""The footer: Textual's, rebuilt only when the keys it shows change.

Textual's Footer removes and mounts all its keys again whenever the screen says its bindings may
have changed, which is every focus change: each time a restyle and a layout of the whole screen
(tens of milliseconds), mostly to show the same keys again. And each key it mounts is styled
twice, compact and then not.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def shown_keys(screen: Screen[object]) -> tuple[Hashable, ...]:
    """What Footer.compose reads of the screen's bindings (the keymap is inside each Binding)."""
    return tuple(
        (binding, enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    _shown: tuple[Hashable, ...] | None = None

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # A FooterKey starts compact (its reactive's default) until data_bind sets the
            # footer's value as it mounts: two restyles of every key of every rebuild. (The
            # palette's key is not bound: it stays compact.)
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = shown_keys(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
