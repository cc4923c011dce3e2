"""Every key of the app, as data: the one table the bindings, the command palette, the help screen
and the README's key tables are all made from.

An `Action` is one binding: its id (what a `[keymap]` table in the configuration remaps, e.g.
`main.refresh = "f5"`), its default keys, the Textual action it runs, and what it does. A
`Section` is where the keys work (the widget or screen whose `BINDINGS` it becomes). Sections
with a `group` title are bound with the main screen's keys but listed apart in the help screen.

The entries are in `main_view.py` and `side_views.py`; `readme.py` makes the README's key tables
(`python -m rectui.ui.actions` prints them) and tests/test_actions.py fails when README.md and
the registry disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual.binding import Binding, BindingType

from .main_view import MAIN_VIEW
from .model import KEY_NAMES, Action, Section
from .side_views import SIDE_VIEWS

__all__ = [
    "BY_ID",
    "BY_NAME",
    "HELP_PAGES",
    "SECTIONS",
    "Action",
    "Section",
    "bindings",
    "palette_actions",
    "types_text",
    "unknown_ids",
]

SECTIONS: tuple[Section, ...] = MAIN_VIEW + SIDE_VIEWS

BY_NAME: dict[str, Section] = {section.name: section for section in SECTIONS}
BY_ID: dict[str, Action] = {a.id: a for section in SECTIONS for a in section.actions}

HELP_PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Recordings", ("app", "main")),
    ("Table", ("table",)),
    ("Player", ("player",)),
    ("Triage", ("triage", "transcript", "task")),
    ("Filters", ("filters", "select")),
    ("Dialogs", ("delete", "confirm", "export", "prompt")),
    ("Costs", ("costs", "search", "help")),
)
"""The help screen's pages (title, sections): each fits 80×24; every section is on one."""


def bindings(*names: str) -> list[BindingType]:
    """The `BINDINGS` of the sections `names`, each with its id (so a keymap can remap it)."""
    out: list[BindingType] = []
    for name in names:
        section = BY_NAME[name]
        group = Binding.Group(section.group) if section.group else None
        for a in section.actions:
            # One binding per key: the display (`?`) belongs to the first key only, so that
            # where `?` is text (a field) the footer offers `f1`, not a `?` that types.
            for n, key in enumerate(a.keys.split(",")):
                out.append(
                    Binding(
                        key,
                        a.action,
                        a.description,
                        show=a.show,
                        key_display=a.key_display if n == 0 else None,
                        tooltip=a.help,
                        id=a.id,
                        group=group,
                        priority=a.priority,
                    )
                )
    return out


def types_text(key: str) -> bool:
    """Whether `key` is a character a text field takes (`r`, `?`, `/`, space), so that a
    binding on it does nothing while one is focused."""
    name = KEY_NAMES.get(key, key)
    return (len(name) == 1 and name.isprintable()) or key == "space"


def palette_actions(*names: str) -> Iterator[tuple[Section, Action]]:
    """The actions of `names` that the command palette lists."""
    for name in names:
        section = BY_NAME[name]
        for a in section.actions:
            if a.palette:
                yield section, a


def unknown_ids(keymap: dict[str, str]) -> list[str]:
    """Keymap entries that name no binding (a typo, or an id that was renamed)."""
    return [binding_id for binding_id in keymap if binding_id not in BY_ID]
