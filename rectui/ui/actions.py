"""Every key of the app, as data: the one table the bindings, the command palette, the help screen
and the README's key tables are all made from.

An `Action` is one binding: its id (what a `[keymap]` table in the configuration remaps, e.g.
`main.refresh = "f5"`), its default keys, the Textual action it runs, and what it does. A
`Section` is where the keys work (the widget or screen whose `BINDINGS` it becomes). Sections
with a `group` title are bound with the main screen's keys but listed apart in the help screen.

`python -m rectui.ui.actions` prints the README's key tables; tests/test_actions.py fails when
README.md and this table disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from textual.binding import Binding, BindingType

from rectui.media import VOLUME_STEP

SEEK_SHORT_S: Final = 5
SEEK_LONG_S: Final = 30


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


def _section(name: str, title: str, *actions: Action, group: str | None = None) -> Section:
    return Section(name, title, actions, group)


SECTIONS: tuple[Section, ...] = (
    _section(
        "app",
        "Everywhere",
        Action("app.quit", "q", "quit", "Quit", show=True),
        Action(
            "app.palette",
            "ctrl+p",
            "command_palette",
            "Palette",
            help="Palette: every command, found by name or description",
            key_display="^p",
            readme_keys="`Ctrl+P`",
        ),
        Action(
            "app.help",
            "question_mark,f1",
            "help",
            "Help",
            help="Help: rectui's keys by page, searchable (/)",
            show=True,
            key_display="?",
            palette="Help",
            readme_keys="`?` (`F1`)",
        ),
    ),
    _section(
        "main",
        "Recordings",
        Action(
            "main.focus_filters",
            "slash",
            "focus_filters",
            "Filters",
            help="Filters: jump to them (Enter applies, Esc returns)",
            show=True,
            key_display="/",
            palette="Filters",
            readme_keys="`/`",
        ),
        Action(
            "main.refresh",
            "r",
            "refresh",
            "Refresh",
            help="Refresh: reload with the same filter (also retries after an error)",
            show=True,
            palette="Refresh",
        ),
        Action(
            "main.delete",
            "d",
            "delete",
            "Delete",
            help="Delete the highlighted or marked recordings, after a confirmation",
            show=True,
            palette="Delete",
        ),
        Action(
            "main.toggle_detail",
            "i",
            "toggle_detail",
            "Details",
            help="Details: show or hide the detail pane",
            palette="Toggle detail pane",
        ),
        Action(
            "main.copy_id",
            "y",
            "copy_id",
            "Copy id",
            help="Copy id: of the highlighted recording, to the terminal clipboard",
            palette="Copy recording id",
        ),
        Action(
            "main.copy_url",
            "Y",
            "copy_url",
            "Copy URL",
            help="Copy URL: of the highlighted recording, to the terminal clipboard",
            palette="Copy recording URL",
        ),
        Action(
            "main.clear_filters",
            "C,ctrl+l",
            "clear_filters",
            "Clear filters",
            help="Clear filters: back to the last 7 days, no other filter",
            palette="Clear filters",
        ),
        Action(
            "main.escape",
            "escape",
            "escape",
            "Back to the table; on it: stop waiting, cancel the task, or clear marks",
            key_display="esc",
            readme_keys="`Esc`",
        ),
    ),
    _section(
        "table",
        "Recording table",
        Action("table.down", "j,down", "cursor_down", "Down", "Down: next recording"),
        Action("table.up", "k,up", "cursor_up", "Up", "Up: previous recording"),
        Action("table.half_page_down", "ctrl+d", "half_page_down", "½ page down"),
        Action("table.half_page_up", "ctrl+u", "half_page_up", "½ page up"),
        Action("table.page_down", "pagedown", "page_down", "Page down"),
        Action("table.page_up", "pageup", "page_up", "Page up"),
        Action("table.first", "g,home", "first", "Top", "Top: first recording"),
        Action(
            "table.last",
            "G,end",
            "last",
            "Bottom",
            "Bottom: last recording (loads only the last page)",
        ),
        Action(
            "table.toggle_mark",
            "space",
            "toggle_mark",
            "Mark",
            help="Mark the recording and move on",
            show=True,
            key_display="␣",
        ),
        Action(
            "table.range_mark",
            "v",
            "range_mark",
            "Range mark",
            help="Range mark: moving the cursor extends it; v or space ends it, esc undoes it",
            palette="Range mark",
        ),
        Action(
            "table.select", "enter", "select", "Open", "Open: focus the detail pane (Esc goes back)"
        ),
        Action(
            "table.find",
            "f",
            "find",
            "Find",
            help="Find in the loaded rows (id, number, name; / filters on the server instead)",
            priority=True,
        ),
        Action("table.find_next", "n", "find_next", "Next match", "Next match of the find"),
        Action("table.find_previous", "N", "find_previous", "Previous match", "Previous match"),
        Action(
            "table.sort_next",
            "O",
            "sort_next",
            "Sort",
            help="Sort by the next column (▲ ▼ in the header; a click on a header sorts by it)",
        ),
        Action("table.sort_reverse", "ctrl+r", "sort_reverse", "Reverse the sort"),
    ),
    _section(
        "player",
        "Player",
        Action(
            "player.play_pause",
            "p",
            "play_pause",
            "Play",
            help="Play or pause the highlighted recording (downloads it first)",
            show=True,
            palette="Play / pause",
        ),
        Action(
            "player.stop",
            "x",
            "stop_playback",
            "Stop playing",
            help="Stop playing and rewind",
            palette="Stop playing",
        ),
        Action("player.back", "left", f"seek({-SEEK_SHORT_S})", f"Back {SEEK_SHORT_S} s"),
        Action("player.forward", "right", f"seek({SEEK_SHORT_S})", f"Forward {SEEK_SHORT_S} s"),
        Action(
            "player.back_long",
            "left_square_bracket",
            f"seek({-SEEK_LONG_S})",
            f"Back {SEEK_LONG_S} s",
            key_display="[",
        ),
        Action(
            "player.forward_long",
            "right_square_bracket",
            f"seek({SEEK_LONG_S})",
            f"Forward {SEEK_LONG_S} s",
            key_display="]",
        ),
        Action("player.start", "0", "seek_start", "Back to the start"),
        Action(
            "player.volume_up",
            "plus,equals_sign",
            f"volume({VOLUME_STEP})",
            "Volume up",
            key_display="+",
            readme_keys="`+`",
        ),
        Action(
            "player.volume_down", "minus", f"volume({-VOLUME_STEP})", "Volume down", key_display="-"
        ),
        Action(
            "player.faster",
            "greater_than_sign",
            "speed(1)",
            "Faster (pitch kept)",
            help="Faster (pitch kept), up to 2×",
            key_display=">",
            palette="Faster playback",
        ),
        Action(
            "player.slower",
            "less_than_sign",
            "speed(-1)",
            "Slower",
            help="Slower, down to 0.75×",
            key_display="<",
            palette="Slower playback",
        ),
        Action(
            "player.original",
            "o",
            "toggle_original",
            "Switch between the denoised and the original (pre-denoise) audio",
            palette="Original / denoised audio",
        ),
        Action(
            "player.save",
            "s",
            "save_audio",
            "Save the highlighted recording to the download folder",
            palette="Save audio",
        ),
        group="Player",
    ),
    _section(
        "triage",
        "Triage",
        Action(
            "triage.mark_all",
            "ctrl+a",
            "mark_all",
            "Mark all",
            help="Mark all recordings matching the filter (after a confirmation with the count)",
            palette="Mark all matching the filter",
        ),
        Action(
            "triage.unmark_all",
            "u",
            "unmark_all",
            "Clear marks",
            help="Clear marks (the header shows the marked count, minutes and monthly cost)",
            palette="Clear marks",
        ),
        Action(
            "triage.export",
            "e",
            "export",
            "Export",
            help="Export every row of the filter to CSV or JSON lines",
            palette="Export…",
        ),
        Action(
            "triage.costs",
            "dollar_sign",
            "costs",
            "Costs",
            help="Costs: what storing the filter's recordings costs, per week, costliest first",
            key_display="$",
            palette="Storage costs",
        ),
        Action(
            "triage.retry_failed",
            "R",
            "retry_failed",
            "Retry failed",
            help="Retry failed: what the last bulk delete left",
        ),
        Action(
            "triage.sync",
            "S",
            "sync_filter",
            "Sync",
            help="Sync: fetch the filter into the local index",
        ),
        group="Triage",
    ),
    _section(
        "transcript",
        "Transcript",
        Action(
            "transcript.toggle",
            "t",
            "toggle_transcript",
            "Transcript",
            help="Transcript: show or hide it (follows the cursor)",
            palette="Show / hide the transcript",
        ),
        Action(
            "transcript.request",
            "T",
            "request_transcript",
            "Request a transcript (charged)",
            help="Request a transcript (charged) of the highlighted or marked recordings; confirms",
            palette="Request transcripts (highlighted or marked)",
        ),
        Action(
            "transcript.search",
            "ctrl+f",
            "search_transcripts",
            "Search transcripts",
            help="Search transcripts: Enter selects a hit, p plays it",
            palette="Search transcripts",
        ),
        group="Transcript",
    ),
    _section(
        "filters",
        "Filters",
        Action("filters.next_field", "down", "next_field", "Next field"),
        Action("filters.previous_field", "up", "previous_field", "Previous field"),
        Action("filters.apply", "ctrl+s", "apply", "Apply"),
        # Shown in the footer while typing here, where the main keys are just text.
        Action(
            "filters.revert",
            "escape",
            "revert",
            "Revert",
            help="Revert: drop the edits not applied yet (marked ●)",
            show=True,
        ),
        Action("filters.back", "escape", "back", "Back", help="Back to the table", show=True),
        Action("filters.clear", "ctrl+l", "screen.clear_filters", "Clear all", show=True),
    ),
    _section(
        "select", "Filter choices", Action("select.choose", "enter,space", "show_overlay", "Choose")
    ),
    _section(
        "task",
        "Task panel (bulk delete, export)",
        Action("task.escape", "escape", "escape", "Cancel / close"),
        Action("task.retry", "R", "retry", "Retry failed"),
    ),
    _section(
        "delete",
        "Delete dialog",
        Action("delete.confirm", "y", "confirm", "Delete", show=True),
        Action("delete.archive", "a", "archive", "Archive, then delete", show=True),
        Action(
            "delete.cancel",
            "n,escape",
            "cancel",
            "Cancel",
            help="Cancel (esc in the archive path ends the edit)",
            show=True,
        ),
        Action("delete.edit_dir", "e", "edit_dir", "Edit the archive path (Enter or esc: done)"),
        Action("delete.previous", "left", "move(-1)", "Previous button"),
        Action("delete.next", "right", "move(1)", "Next button"),
    ),
    _section(
        "costs",
        "Storage costs ($)",
        Action(
            "costs.close", "escape,q,dollar_sign", "close", "Back", show=True, key_display="esc"
        ),
        Action("costs.metric", "m", "metric", "Chart: next metric", show=True),
        Action("costs.sort_cost", "c", "sort('cost')", "Sort table by cost", show=True),
        Action("costs.sort_duration", "u", "sort('duration')", "Sort table by duration", show=True),
        Action("costs.sort_age", "a", "sort('age')", "Sort table by age", show=True),
    ),
    _section(
        "confirm",
        "Questions",
        Action("confirm.yes", "y", "yes", "Yes", show=True),
        Action("confirm.no", "n,escape", "no", "No", show=True),
        Action("confirm.previous", "left", "app.focus_previous", "Previous button"),
        Action("confirm.next", "right", "app.focus_next", "Next button"),
    ),
    _section("prompt", "Prompts", Action("prompt.cancel", "escape", "cancel", "Cancel", show=True)),
    _section(
        "search",
        "Transcript search",
        Action("search.cancel", "escape", "cancel", "Close", show=True),
        Action("search.play", "p", "play", "Play the highlighted hit"),
    ),
    _section(
        "export",
        "Export",
        Action(
            "export.confirm",
            "ctrl+s",
            "export",
            "Export",
            help="Export (also Enter in the file name)",
            show=True,
        ),
        Action("export.cancel", "escape", "cancel", "Cancel", show=True),
    ),
    _section(
        "help",
        "Help",
        Action(
            "help.close",
            "escape,q,question_mark,f1",
            "close",
            "Close help",
            help="Close help (esc in the search clears it first)",
        ),
        Action("help.next_page", "right,tab", "page(1)", "Next page"),
        Action("help.previous_page", "left,shift+tab", "page(-1)", "Previous page"),
        Action("help.search", "slash", "search", "Search every page", key_display="/"),
    ),
)

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

README_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("keys", ("app", "main", "table")),
    ("player", ("player",)),
    ("triage", ("triage",)),
    ("transcript", ("transcript",)),
)
"""README.md's key tables: the marker name (`<!-- keys:NAME -->`) and the sections it lists."""


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
    name = _README_KEY_NAMES.get(key, key)
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


_README_KEY_NAMES = {
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


def readme_keys(a: Action) -> str:
    if a.readme_keys:
        return a.readme_keys
    return " ".join(f"`{_README_KEY_NAMES.get(k, k)}`" for k in a.keys.split(","))


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


if __name__ == "__main__":
    sys.stdout.write("\n\n".join(readme_block(name) for name, _ in README_SECTIONS) + "\n")
