"""The help screen, generated from the live bindings so that it can never go stale."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HelpSource = tuple[str, DOMNode | type[DOMNode]]
"""A section title and the node (or node class, for screens not open yet) whose keys it lists.
Its bindings in a `Binding.Group` get a section of their own, titled by the group's description."""


def _bindings_of(source: DOMNode | type[DOMNode]) -> BindingsMap:
    # Live nodes carry user keymaps applied; classes only have what they declare.
    if isinstance(source, DOMNode):
        return source._bindings
    return source._merge_bindings()


def binding_groups(source: DOMNode | type[DOMNode]) -> list[Binding.Group]:
    """The binding groups of `source`, in declaration order."""
    groups: list[Binding.Group] = []
    for bindings in _bindings_of(source).key_to_bindings.values():
        for binding in bindings:
            if binding.group is not None and binding.group not in groups:
                groups.append(binding.group)
    return groups


def binding_rows(
    source: DOMNode | type[DOMNode],
    key_display: Callable[[Binding], str],
    group: Binding.Group | None = None,
) -> list[tuple[str, str]]:
    """(keys, description) per action, in declaration order, of the bindings in `group` (None:
    in no group); undescribed bindings are internal."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for _key, bindings in _bindings_of(source).key_to_bindings.items():
        for binding in bindings:
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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help", show=False),
    ]

    def __init__(self, sections: Sequence[HelpSource]) -> None:
        super().__init__(id="help-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "esc closes"
            for title, source in self.sections:
                parts = [(title, None), *((g.description, g) for g in binding_groups(source))]
                for part_title, group in parts:
                    rows = binding_rows(source, self.app.get_key_display, group)
                    if not rows:
                        continue
                    yield Label(part_title, classes="help-section")
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", no_wrap=True, min_width=12)
                    table.add_column()
                    for keys, description in rows:
                        table.add_row(Text(keys), Text(description))
                    yield Static(table, classes="help-table")
