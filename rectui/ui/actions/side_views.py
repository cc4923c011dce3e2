"""The keys of everything around the table: the filter sidebar, the task panel, the dialogs and the
other screens (costs, transcript search, help)."""

from __future__ import annotations

from .model import Action, Section, section

SIDE_VIEWS: tuple[Section, ...] = (
    section(
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
    section(
        "select", "Filter choices", Action("select.choose", "enter,space", "show_overlay", "Choose")
    ),
    section(
        "task",
        "Task panel (bulk delete, export)",
        Action("task.escape", "escape", "escape", "Cancel / close"),
        Action("task.retry", "R", "retry", "Retry failed"),
    ),
    section(
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
    section(
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
    section(
        "confirm",
        "Questions",
        Action("confirm.yes", "y", "yes", "Yes", show=True),
        Action("confirm.no", "n,escape", "no", "No", show=True),
        Action("confirm.previous", "left", "app.focus_previous", "Previous button"),
        Action("confirm.next", "right", "app.focus_next", "Next button"),
    ),
    section("prompt", "Prompts", Action("prompt.cancel", "escape", "cancel", "Cancel", show=True)),
    section(
        "search",
        "Transcript search",
        Action("search.cancel", "escape", "cancel", "Close", show=True),
        Action("search.play", "p", "play", "Play the highlighted hit"),
    ),
    section(
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
    section(
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
