"""README.md's key tables, made from the registry (`python -m rectui.ui.actions` prints them)."""

from __future__ import annotations

from . import BY_NAME
from .model import KEY_NAMES, Action

README_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("keys", ("app", "main", "table")),
    ("player", ("player",)),
    ("triage", ("triage",)),
    ("transcript", ("transcript",)),
)
"""README.md's key tables: the marker name (`<!-- keys:NAME -->`) and the sections it lists."""


def readme_keys(a: Action) -> str:
    if a.readme_keys:
        return a.readme_keys
    return " ".join(f"`{KEY_NAMES.get(k, k)}`" for k in a.keys.split(","))


def readme_table(name: str) -> str:
    """One README key table (markdown), from the sections `README_SECTIONS` gives `name`."""
    (names,) = [sections for marker, sections in README_SECTIONS if marker == name]
    lines = ["| key | id | action |", "| --- | --- | --- |"]
    for section_name in names:
        for a in BY_NAME[section_name].actions:
            lines.append(f"| {readme_keys(a)} | `{a.id}` | {a.text} |")
    return "\n".join(lines)


def readme_block(name: str) -> str:
    return f"<!-- keys:{name} -->\n{readme_table(name)}\n<!-- /keys:{name} -->"
