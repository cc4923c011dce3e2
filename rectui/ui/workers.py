"""How the UI starts its async workers: from a callable, never from a coroutine object."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from textual.dom import DOMNode
from textual.worker import Worker

Work = Callable[[], Coroutine[Any, Any, None]]
"""An async function taking no arguments (a `functools.partial`, a bound method)."""


def start_worker(
    node: DOMNode, work: Work, *, group: str, exclusive: bool = False, description: str = ""
) -> Worker[None]:
    """`node.run_worker(work)` for work that reports its own failures (so a failure does not
    end the app). Given a callable, the worker makes the coroutine once it runs: a worker
    cancelled before it starts (by a newer one of an exclusive group, a new listing, the screen
    closing) would otherwise leave a coroutine that is never awaited."""
    # A plain function returning a coroutine (a lambda) type-checks, but Textual refuses it
    # once the worker runs, and with exit_on_error=False nobody would hear of it.
    assert inspect.iscoroutinefunction(work), f"not an async function: {work!r}"
    worker: Worker[None] = node.run_worker(
        work, group=group, exclusive=exclusive, exit_on_error=False, description=description
    )
    return worker
