"""The footer: the keys the screen offers, drawn as one line by one widget.

Textual's Footer is a container of one widget per key, removed and mounted again whenever the
screen says its bindings may have changed (every focus change): a restyle and a layout of the
whole screen each time, and about a tenth of the app's start (each key styled and rendered on
its own). This draws the same line (Textual's footer styles and theme variables, the command
palette's key on the right) and repaints only when the keys shown change. A key is pressed by a
click on it, as in Textual's; hovering one shows its tooltip.

Textual's footer shows the keys of one binding group together under the group's name; no
screen here shows more than one key of a group, so each key is shown with its description.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget


def shown_keys(screen: Screen[object]) -> tuple[Hashable, ...]:
    """What the footer shows of the screen's bindings (the keymap is inside each Binding)."""
    return tuple(
        (binding, enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


Shown = tuple[Binding, bool, str]
"""A key the footer shows: its binding, whether it is enabled, its tooltip."""


@dataclass(frozen=True, slots=True)
class FooterKey:
    """One key as drawn: the columns [start, end) it takes, what a click on it presses."""

    start: int
    end: int
    binding: Binding
    enabled: bool
    tooltip: str


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--separator",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-footer--separator {
            color: $foreground 20%;
        }
    }
    """

    compact: reactive[bool] = reactive(False)
    """Less space around each key (a narrow terminal)."""

    def __init__(self, *, id: str | None = None, compact: bool = False) -> None:
        super().__init__(id=id)
        self.set_reactive(KeyFooter.compact, compact)
        self._shown: tuple[Hashable, ...] | None = None
        self.keys: list[FooterKey] = []
        """The keys the last render drew, left to right."""
        self._hover: FooterKey | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            shown = shown_keys(screen)
            if shown != self._shown:
                self._shown = shown
                self.refresh()

    # -- drawing --------------------------------------------------------------------------------

    def _keys_to_show(self) -> tuple[list[Shown], Shown | None]:
        """The keys to show (the first key of each action, in the screen's order) and the
        command palette's."""
        active = self.screen.active_bindings
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        by_action: dict[str, Shown] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action.setdefault(binding.action, (binding, enabled, tooltip))
        palette = None
        if palette_key in active:
            _node, binding, enabled, tooltip = active[palette_key]
            palette = (binding, enabled, binding.tooltip or binding.description)
        return list(by_action.values()), palette

    def render(self) -> Text:
        keys, palette = self._keys_to_show()
        compact = self.compact
        right = Text(end="")
        if palette is not None:
            # The palette's key is always drawn compact, after a thin rule, as in Textual's.
            right.append("▏", self.get_component_rich_style("key-footer--separator"))
            right.append_text(self._key_text(*palette[:2], compact=True))
            right.append(" ")
        room = self.content_size.width - right.cell_len
        line = Text(no_wrap=True, overflow="crop", end="")
        drawn: list[FooterKey] = []
        for binding, enabled, tooltip in keys:
            label = self._key_text(binding, enabled, compact=compact)
            if line.cell_len + label.cell_len > room:
                break  # a key that does not fit is left out whole, not cut
            end = line.cell_len + label.cell_len
            drawn.append(FooterKey(line.cell_len, end, binding, enabled, tooltip))
            line.append_text(label)
            if compact:
                line.append(" ")
        if palette is not None:
            line.append(" " * max(0, room - line.cell_len))
            start = line.cell_len + 1  # the rule is not the key
            drawn.append(FooterKey(start, start + right.cell_len - 2, *palette))
            line.append_text(right)
        self.keys = drawn
        return line

    def _key_text(self, binding: Binding, enabled: bool, *, compact: bool) -> Text:
        key = self.app.get_key_display(binding)
        description = binding.description
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        if self._hover is not None and self._hover.binding is binding:
            hover = self.get_component_rich_style("key-footer--hover")
            key_style, description_style = key_style + hover, description_style + hover
        if compact:
            label = Text.assemble((key, key_style), (f" {description}", description_style))
        else:
            label = Text.assemble((f" {key} ", key_style), (f"{description} ", description_style))
        if not enabled:
            label.stylize(Style(dim=True))
        return label

    # -- the mouse ------------------------------------------------------------------------------

    def _key_at(self, x: int) -> FooterKey | None:
        return next((key for key in self.keys if key.start <= x < key.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        if key != self._hover:
            self._hover = key
            self.tooltip = key.tooltip if key is not None and key.tooltip else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.binding.key)
        else:
            self.app.bell()
