"""The footer: Textual's, rebuilt only when the keys it shows change.

Textual's Footer removes and mounts all its keys again whenever the screen says its bindings may
have changed, which is every focus change: each time a restyle and a layout of the whole screen
(tens of milliseconds), mostly to show the same keys again.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[object]) -> tuple[Hashable, ...]:
    """What Footer.compose reads of the screen's bindings (the keymap is inside each Binding)."""
    return tuple(
        (binding, enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    _shown: tuple[Hashable, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = shown_keys(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
