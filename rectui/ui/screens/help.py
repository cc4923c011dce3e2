"""The help screen, generated from the bindings (themselves made from rectui/ui/actions.py) with
the user's keymap applied, so that it can never go stale."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType, Keymap
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..actions import bindings

HelpSource = tuple[str, DOMNode | str]
"""A section title and the node (or the name of an actions section, for screens not open yet)
whose keys it lists. Its bindings in a `Binding.Group` get a section of their own, titled by the
group's description."""


def bindings_of(source: DOMNode | str, keymap: Keymap) -> BindingsMap:
    """The bindings of a live node, or an actions section, as the user's keymap changes them."""
    found = BindingsMap(bindings(source)) if isinstance(source, str) else source._bindings.copy()
    if keymap:
        found.apply_keymap(keymap)
    return found


def binding_groups(found: BindingsMap) -> list[Binding.Group]:
    """The binding groups in `found`, in declaration order."""
    groups: list[Binding.Group] = []
    for on_key in found.key_to_bindings.values():
        for binding in on_key:
            if binding.group is not None and binding.group not in groups:
                groups.append(binding.group)
    return groups


def binding_rows(
    found: BindingsMap,
    key_display: Callable[[Binding], str],
    group: Binding.Group | None = None,
) -> list[tuple[str, str]]:
    """(keys, description) per action, in declaration order, of the bindings in `group` (None:
    in no group); undescribed bindings are internal."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for on_key in found.key_to_bindings.values():
        for binding in on_key:
            if not binding.description or binding.system or binding.group != group:
                continue
            # The footer shows the short description; a tooltip, where there is one, says more.
            described = binding.tooltip or binding.description
            keys = grouped.setdefault((binding.action, described), [])
            shown = key_display(binding)
            if shown not in keys:
                keys.append(shown)
    return [(" ".join(keys), description) for (_, description), keys in grouped.items()]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("help")

    def __init__(self, sections: Sequence[HelpSource]) -> None:
        super().__init__(id="help-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "esc closes"
            for title, source in self.sections:
                found = bindings_of(source, self.app._keymap)
                parts = [(title, None), *((g.description, g) for g in binding_groups(found))]
                for part_title, group in parts:
                    rows = binding_rows(found, self.app.get_key_display, group)
                    if not rows:
                        continue
                    yield Label(part_title, classes="help-section")
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", no_wrap=True, min_width=12)
                    table.add_column()
                    for keys, description in rows:
                        table.add_row(Text(keys), Text(description))
                    yield Static(table, classes="help-table")
