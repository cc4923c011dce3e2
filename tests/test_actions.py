"""The action registry (rectui/ui/actions) is the one source of the keys: the bindings carry
its ids, the README's key tables are made from it, and a `[keymap]` in the configuration remaps
keys by id."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import replace
from pathlib import Path

import pytest
from app_helpers import SIZE, first_pages, is_first_page, logged, make_app, notes, serve, settle
from textual.dom import DOMNode

import rectui.ui
from rectui.ui.actions import BY_ID, SECTIONS
from rectui.ui.actions.readme import README_SECTIONS, readme_block

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_key_tables_are_the_registry() -> None:
    text = README.read_text()
    for name, _ in README_SECTIONS:
        block = readme_block(name)
        assert block in text, (
            f"README.md's `{name}` key table differs from the registry (rectui/ui/actions); "
            "regenerate it with `.venv/bin/python -m rectui.ui.actions`"
        )


def test_ids_are_unique_and_help_starts_with_the_footer_label() -> None:
    ids = [a.id for s in SECTIONS for a in s.actions]
    assert len(ids) == len(set(ids))
    for a in BY_ID.values():
        assert a.id.startswith(tuple(f"{s.name}." for s in SECTIONS))
        # The help screen shows the longer text: it must read as the footer's label, continued.
        assert a.text.startswith(a.description), a.id


def _ui_classes() -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    for info in pkgutil.walk_packages(rectui.ui.__path__, "rectui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_binding_of_ours_has_an_id() -> None:
    classes = _ui_classes()
    assert len(classes) > 10
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            assert binding.id in BY_ID, (cls.__name__, binding)


@pytest.fixture(scope="module")
def running():
    with serve(seed=5, count=200) as served:
        yield served


async def test_a_keymap_remaps_a_key_by_its_id(running) -> None:
    app = make_app(running)
    app.main.session.config = replace(
        app.main.session.config, keymap={"main.refresh": "f5", "no.such": "x"}
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        count = len(await logged(running, is_first_page, 1))
        await pilot.press("r")  # no longer bound: refresh moved to f5
        await settle(pilot)
        assert len(first_pages(running)) == count
        await pilot.press("f5")
        await settle(pilot)
        assert len(await logged(running, is_first_page, count + 1)) == count + 1
        assert any("no.such" in m and s == "warning" for m, s in notes(app))
