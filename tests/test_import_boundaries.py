"""The layering rule, enforced: the core imports no Textual (the UI depends on it, never the
reverse), so the scriptable commands, the emulator and the benchmarks stay headless.

Each package is imported, with every module in it, in a fresh interpreter: a static graph cannot
tell an import at module scope from one deferred into a function, `sys.modules` can.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "rectui.plivo",
    "rectui.listing",
    "rectui.triage",
    "rectui.media",
    "rectui.commands",
    "rectui.config",
    "rectui.config_writer",
    "rectui.index",
    "rectui.emulator",
    "rectui.error_text",
    "rectui.formatting",
]
FORBIDDEN = ("textual",)

PROBE = """
import importlib, pkgutil, sys
root = importlib.import_module({name!r})
for info in pkgutil.walk_packages(getattr(root, "__path__", []), root.__name__ + "."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))))
"""


@pytest.mark.parametrize("name", CORE)
def test_core_package_imports_no_ui(name: str) -> None:
    probe = PROBE.format(name=name, forbidden=FORBIDDEN)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"{name} imports {done.stdout.strip()}"


def test_the_probe_sees_textual_when_it_is_imported() -> None:
    # The check above must be able to fail: the UI package does import textual.
    probe = PROBE.format(name="rectui.ui.app", forbidden=FORBIDDEN)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.split() == ["textual"], done.stderr
