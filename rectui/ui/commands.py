"""The command palette (ctrl+p) of the main screen: one `Provider` per kind of command.

- `MainCommands`: the keyed actions the registry (rectui/ui/actions) gives a palette title,
  with their keys as the user's keymap has them, and the audio output device.
- `FilterCommands`: quick ranges and the configuration's presets.
- `SessionCommands`: what depends on the state: sorts, server order, the local index, retry,
  cancel, presets to save, profiles to switch to.

Each provider lists `Command`s from `commands(screen)`, plain data a test can read without
opening the palette.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from rectui.config import default_config_path
from rectui.listing import COLUMN_NAMES, SortedListing
from rectui.listing.filter_spec import QUICK_RANGES

from .actions import palette_actions
from .widgets.table_layout import COLUMNS
from .widgets.table_sort import first_direction

if TYPE_CHECKING:
    from .screens.main import MainScreen


DESCRIPTION_SCORE = 0.01
"""The score of a command found by its description only (title matches score higher)."""


@dataclass(frozen=True, slots=True)
class Command:
    title: str
    help: str
    callback: Callable[[], object]


class _Commands(Provider):
    """Discoverable (listed when the palette opens) and fuzzy-searchable."""

    @staticmethod
    def commands(screen: MainScreen) -> Iterator[Command]:
        raise NotImplementedError

    def _listed(self) -> list[Command]:
        from .screens.main import MainScreen

        screen = self.screen
        return list(self.commands(screen)) if isinstance(screen, MainScreen) else []

    async def discover(self) -> Hits:
        for command in self._listed():
            yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        words = query.lower().split()
        for command in self._listed():
            title = matcher.highlight(command.title)
            score = matcher.match(command.title)
            if score <= 0 and words and all(w in command.help.lower() for w in words):
                # The description names it ("newest" → "Server order: Newest first, …"):
                # listed, below every command whose title matches.
                score = DESCRIPTION_SCORE
            if score > 0:
                yield Hit(score, title, command.callback, help=command.help)


class MainCommands(_Commands):
    @staticmethod
    def commands(screen: MainScreen) -> Iterator[Command]:
        app = screen.app
        for section, action in palette_actions("app", "main", "table", "player", "triage"):
            # The keys as the user's keymap has them, shown as the footer shows keys.
            keys = app._keymap.get(action.id, action.keys).split(",")[0]
            display = action.key_display if keys == action.keys.split(",")[0] else None
            shown = app.get_key_display(Binding(keys, action.action, key_display=display))
            target = app if section.name == "app" else screen
            _, name, params = parse_action(action.action)  # e.g. "speed(1)"
            run = partial(getattr(target, f"action_{name}"), *params)
            yield Command(action.palette, f"{action.text} ({shown})", run)
        yield Command(
            "Audio output device",
            "Choose the device recordings play on (kept as audio_device in the config)",
            screen.audio_devices.choose,
        )


class FilterCommands(_Commands):
    @staticmethod
    def commands(screen: MainScreen) -> Iterator[Command]:
        for key, label in QUICK_RANGES.items():
            yield Command(
                f"Range: {label.lower()}",
                f"Show recordings added in the {label.lower()}",
                partial(screen.action_quick_range, key),
            )
        for name in screen.session.config.presets:
            yield Command(
                f"Preset: {name}",
                "Apply this filter preset from the configuration",
                partial(screen.action_preset, name),
            )


class SessionCommands(_Commands):
    @staticmethod
    def commands(screen: MainScreen) -> Iterator[Command]:
        triage = screen.triage
        yield from _table_commands(screen)
        if isinstance(screen.table.listing, SortedListing):
            yield Command(
                "Server order",
                "Newest first, as the server lists them (reloads)",
                screen.action_refresh,
            )
        if screen.session.index is not None:
            yield Command(
                "Sync this filter",
                "Fetch every recording of the filter into the local index (S; esc cancels)",
                triage.sync_filter,
            )
            yield Command(
                "Forget the local index",
                "Drop what the index holds for this account (it refills as you browse)",
                triage.forget_index,
            )
        if triage.can_retry:
            yield Command(
                "Retry failed",
                "Run the last bulk delete again for what failed (R)",
                triage.retry_failed,
            )
        if triage.running:
            yield Command("Cancel", f"Stop the {triage.job_name} under way (esc)", triage.cancel)
        yield Command(
            "Save filter as preset…",
            "Save the current filter under a name in the configuration file",
            screen.save_preset,
        )
        config = screen.session.config
        if screen.session.demo or len(config.profile_names) < 2:
            return
        where = config.path or default_config_path()
        for name in config.profile_names:
            current = " (current)" if name == config.profile.name else ""
            yield Command(
                f"Switch profile: {name}",
                f"Use the {name} profile of {where}{current}",
                partial(screen.switch_profile, name),
            )


def _table_commands(screen: MainScreen) -> Iterator[Command]:
    """Find, sort by a column, and choose the columns (`columns` in [settings] keeps them)."""
    table = screen.table

    def find() -> None:
        table.focus()
        table.action_find()

    yield Command(
        "Find in the loaded rows",
        "An id, number or name among the rows already loaded (f; n / N: next / previous)",
        find,
    )
    shown = table.columns
    for name in shown:
        header = COLUMNS[name].header
        way = "largest first" if first_direction(name) else "A to Z"
        yield Command(
            f"Sort by {header}",
            f"{way}; loads every row first if needed (O: next column, ctrl+r reverses, or "
            "click a header)",
            partial(screen.triage.sort, name),
        )
    for name in COLUMN_NAMES:
        header = COLUMNS[name].header
        if name not in shown:
            yield Command(
                f"Show column: {header}",
                "Add it to the table, on the right",
                partial(_set_columns, screen, (*shown, name)),
            )
            continue
        at = shown.index(name)
        if len(shown) > 1:
            rest = tuple(n for n in shown if n != name)
            hide = partial(_set_columns, screen, rest)
            yield Command(f"Hide column: {header}", "Take it off the table", hide)
        for step, way in ((-1, "left"), (1, "right")):
            if 0 <= at + step < len(shown):
                moved = list(shown)
                moved[at], moved[at + step] = moved[at + step], moved[at]
                yield Command(
                    f"Move column {way}: {header}",
                    f"Swap it with {COLUMNS[moved[at]].header}",
                    partial(_set_columns, screen, tuple(moved)),
                )


def _set_columns(screen: MainScreen, names: tuple[str, ...]) -> None:
    screen.table.columns = names
    listed = ", ".join(f'"{n}"' for n in names)
    screen.session.note(f"Columns: to keep them, put columns = [{listed}] in [settings]")


PROVIDERS: tuple[type[_Commands], ...] = (MainCommands, FilterCommands, SessionCommands)


def palette(screen: MainScreen) -> list[Command]:
    """Every command the main screen's palette lists now."""
    return [command for provider in PROVIDERS for command in provider.commands(screen)]
