"""What the registry is made of: an `Action` is one binding, a `Section` the place its keys work."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    """The binding id a keymap names; `section.name` for short."""
    keys: str
    """Textual key names, comma separated (the first is the one shown)."""
    action: str
    description: str
    """Short: the footer's label."""
    help: str = ""
    """Longer, for the help screen, the palette and the README ("" : the description)."""
    show: bool = False
    """In the footer."""
    key_display: str | None = None
    palette: str = ""
    """Its title in the command palette ("" : not there)."""
    readme_keys: str = ""
    """How the README writes the keys ("" : each key in backticks)."""
    priority: bool = False
    """Runs before the key reaches the focused widget: a key that changes how the widget reads
    the keys after it (f opens a prompt) must not race them."""

    @property
    def text(self) -> str:
        return self.help or self.description


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    title: str
    """The help screen's and the README's heading."""
    actions: tuple[Action, ...]
    group: str | None = None
    """Bound with the main screen's keys, listed in the help screen under this title."""


def section(name: str, title: str, *actions: Action, group: str | None = None) -> Section:
    return Section(name, title, actions, group)


KEY_NAMES = {
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "enter": "Enter",
    "escape": "Esc",
    "space": "space",
    "slash": "/",
    "dollar_sign": "$",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "greater_than_sign": ">",
    "less_than_sign": "<",
}
"""How a Textual key name reads to a person (in the README, and to tell a typed character)."""
