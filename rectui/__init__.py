"""rectui: a keyboard-driven terminal browser for Plivo call recordings."""

import sys

__version__ = "0.1.0"

# httpx's package imports its own command-line client (click, rich, pygments) whenever those are
# installed, and rectui never runs it: about 80 ms of CPU in every `rectui` command's start. A
# None entry makes that one import fail, and httpx falls back to its stub `main`.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
