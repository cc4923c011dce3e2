"""The filter sidebar: every documented listing filter as a labelled field, validated as you type.

The sidebar edits a `FilterSpec` (what the user asked for, e.g. "last 7 days") rather than a
`RecordingFilter` (absolute UTC bounds): a quick range must be re-anchored to "now" on every
refresh, so the app keeps the spec and turns it into a filter only when it loads.

It also keeps the spec in force (`applied`). A field edited since is marked (●) with "Enter
applies · Esc reverts" below: only Enter (or ctrl+s) sends an edit; a quick range applies at once,
but by itself, so no other action ever sends what the user is still typing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from rectui.listing import quick_range
from rectui.listing.filter_spec import (
    DEFAULT_RANGE,
    QUICK_RANGES,
    RANGE_CUSTOM,
    RANGE_LABELS,
    RANGE_NONE,
    STORAGE_OPS,
    TEXT_FIELDS,
    FilterSpec,
    field_for_param,
    params_in_text,
)
from rectui.plivo.filters import FieldError
from rectui.plivo.rules import DEFAULT_WINDOW, MAX_WINDOW, format_filter_time

from ..actions import bindings
from .text_input import TextInput

Clock = Callable[[], datetime]


class FieldSelect(Select[str], inherit_bindings=False):
    """A Select that leaves up/down to the sidebar (next/previous field) and opens on Enter or
    space, so arrowing through the form never pops a menu open by surprise."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("select")


class FieldCaption(Label):
    """A field's caption; it carries the mark (●) of an edit not applied yet."""

    def __init__(self, text: str, *, id: str, classes: str = "field-caption") -> None:
        super().__init__(text, id=id, classes=classes, markup=False)
        self.text = text

    def mark(self, pending: bool) -> None:
        if pending != self.has_class("-pending"):
            self.set_class(pending, "-pending")
            self.update(f"{self.text} ●" if pending else self.text)


class FieldMessage(Label):
    """The one-line problem under a field; hidden while there is none. Its text can come from
    the server (a 400), so it is never read as markup."""

    _shown = ""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, markup=False)

    def show(self, message: str | None) -> None:
        # Validation runs on every keystroke: touch the widget (and the layout) only on change.
        text = message or ""
        if text != self._shown:
            self._shown = text
            self.update(text)
            self.set_class(bool(text), "-visible")


class FilterSidebar(VerticalScroll):
    """Every documented filter, grouped; Enter applies, the time range applies as it changes."""

    BORDER_TITLE = "Filters"
    BINDINGS: ClassVar[list[BindingType]] = bindings("filters")

    class Applied(Message):
        """The user asked for this filter (Enter, or a new time range); it is valid and
        normalised (what the form shows now)."""

        def __init__(self, spec: FilterSpec) -> None:
            super().__init__()
            self.spec = spec

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._server_errors: dict[str, str] = {}
        # The quick range in force before a storage filter switched the range off, so that
        # clearing the storage field brings it back.
        self._range_before_storage: str | None = None
        self._range_note = ""
        # The range the select showed last: a Select posts Changed when it mounts, and that
        # must not apply the default range a second time.
        self._range_shown = DEFAULT_RANGE
        self.applied = FilterSpec()
        """The filter in force: what the form shows before any edit, and what Esc reverts to."""
        self._pending: set[str] = set()
        self._building: asyncio.Future[None] | None = None
        self._built = False

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The fields are about 40 widgets, the larger part of the screen's start: `build` mounts
        # them once the screen has painted its first rows. Until then the filter in force
        # (`applied`) stands for the form.
        yield from ()

    @property
    def built(self) -> bool:
        """Whether the fields are mounted (`build`)."""
        return self._built

    async def build(self) -> None:
        """Mount the fields, once: every caller waits for the same mount (and sees it fail)."""
        if self._building is None:
            self._building = asyncio.ensure_future(self._mount_fields())
        await asyncio.shield(self._building)

    async def finish_building(self) -> None:
        """Wait for a mount of the fields already under way (none is started). A failed one
        does not raise here: whoever started it sees the failure, and quitting must go on."""
        if self._building is not None:
            await asyncio.wait([self._building])

    async def _mount_fields(self) -> None:
        await self.mount_all(self._fields())
        if not self.children:
            return  # the app closed meanwhile (other than by q, which waits) and took them down
        self._show(self.applied)
        self._built = True
        self.validate()  # the filter in force and any problem already found with it

    async def focus_first_field(self) -> None:
        await self.build()
        # Now, not deferred like focus(): keys typed right after must land in the field.
        self.screen.set_focus(self._select("range"))

    def _fields(self) -> Iterator[Widget]:
        yield FieldCaption("Time range", id="c-range", classes="group-title -first")
        yield FieldSelect(
            [(label, key) for key, label in RANGE_LABELS.items()],
            value=DEFAULT_RANGE,
            allow_blank=False,
            compact=True,
            id="f-range",
            classes="filter-control",
        )
        yield Static("", id="range-note", classes="field-note", markup=False)
        yield FieldMessage(id="e-range", classes="field-error")
        yield FieldCaption("From (UTC, inclusive)", id="c-since")
        yield TextInput(
            placeholder="YYYY-MM-DD [HH:MM]", compact=True, id="f-since", classes="filter-control"
        )
        yield FieldMessage(id="e-since", classes="field-error")
        yield FieldCaption("Until (UTC, exclusive)", id="c-until")
        yield TextInput(
            placeholder="YYYY-MM-DD [HH:MM]", compact=True, id="f-until", classes="filter-control"
        )
        yield FieldMessage(id="e-until", classes="field-error")

        group = None
        for group_name, key, caption, placeholder in TEXT_FIELDS:
            if group_name != group:
                group = group_name
                yield Label(group_name, classes="group-title")
            yield FieldCaption(caption, id=f"c-{key}")
            yield TextInput(
                placeholder=placeholder, compact=True, id=f"f-{key}", classes="filter-control"
            )
            yield FieldMessage(id=f"e-{key}", classes="field-error")

        yield FieldCaption("Storage duration (days)", id="c-storage_days", classes="group-title")
        yield Horizontal(
            FieldSelect(
                [(op, op) for op in STORAGE_OPS],
                value="=",
                allow_blank=False,
                compact=True,
                id="f-storage_op",
                classes="filter-control",
            ),
            TextInput(
                placeholder="days, e.g. 90",
                compact=True,
                id="f-storage_days",
                classes="filter-control",
            ),
            id="storage-row",
        )
        yield FieldMessage(id="e-storage_days", classes="field-error")
        yield Static(
            "Enter applies · ctrl+l clears · esc back", classes="field-note", id="sidebar-hint"
        )
        # Docked: on screen wherever the form is scrolled to. Two lines fit the narrow sidebar.
        yield Static("● Enter applies\n  Esc reverts", id="sidebar-pending", markup=False)

    # -- reading and writing the form ------------------------------------------------------------

    def _input(self, key: str) -> Input:
        return self.query_one(f"#f-{key}", Input)

    def _select(self, key: str) -> Select[str]:
        return self.query_one(f"#f-{key}", Select)

    @property
    def spec(self) -> FilterSpec:
        """What the form shows (the filter in force until the fields are built)."""
        if not self.built:
            return self.applied
        values = {key: self._input(key).value for _, key, _, _ in TEXT_FIELDS}
        return FilterSpec(
            range=str(self._select("range").value),
            since=self._input("since").value,
            until=self._input("until").value,
            storage_op=str(self._select("storage_op").value),
            storage_days=self._input("storage_days").value,
            **values,
        )

    def load_spec(self, spec: FilterSpec) -> None:
        """Show the spec in force (after applying, clearing, a preset) without re-applying; any
        edit not applied is dropped."""
        self.applied = spec
        if self.built:
            self._show(spec)
        self._server_errors.clear()
        self._range_before_storage = None
        self.validate()

    def _show(self, spec: FilterSpec) -> None:
        with self.prevent(Input.Changed, Select.Changed):
            self._select("range").value = self._range_shown = spec.range
            self._select("storage_op").value = spec.storage_op
            self._input("since").value = spec.since
            self._input("until").value = spec.until
            self._input("storage_days").value = spec.storage_days
            for _, key, _, _ in TEXT_FIELDS:
                self._input(key).value = getattr(spec, key)

    # -- validation -----------------------------------------------------------------------------

    def validate(self) -> list[FieldError]:
        """Check the form as the server would (but allowing long spans: the engine windows them)
        and put each problem under its field. Returns the problems."""
        spec = self.spec
        now = self.clock()
        problems = spec.problems(now)
        by_field: dict[str, str] = {}
        for problem in problems:
            target = field_for_param(problem.field, spec) or "range"
            by_field.setdefault(target, problem.message)
        for target, message in self._server_errors.items():
            by_field.setdefault(target, message)
        for message_widget in self.query(FieldMessage):
            key = (message_widget.id or "").removeprefix("e-")
            message_widget.show(by_field.get(key))
        for control in self.query(".filter-control"):
            key = (control.id or "").removeprefix("f-")
            control.set_class(key in by_field, "-has-error")
        self._refresh_range_note()
        self._mark_pending(spec)
        return problems

    @property
    def pending(self) -> set[str]:
        """The fields edited since the filter in force was applied."""
        return set(self._pending)

    def _mark_pending(self, spec: FilterSpec) -> None:
        pending = spec.pending(self.applied)
        if "storage_op" in pending:
            pending = (pending - {"storage_op"}) | {"storage_days"}  # one caption for both
        if pending == self._pending:
            return
        self._pending = pending
        for caption in self.query(FieldCaption):
            caption.mark((caption.id or "").removeprefix("c-") in pending)
        for control in self.query(".filter-control"):
            key = (control.id or "").removeprefix("f-")
            control.set_class(
                key in pending or (key == "storage_op" and "storage_days" in pending), "-pending"
            )
        # On the hint, not the sidebar: a class on the sidebar restyles each of its widgets.
        self.query_one("#sidebar-pending").set_class(bool(pending), "-shown")
        self.refresh_bindings()  # esc: revert while something is pending, back otherwise

    def show_server_error(self, text: str) -> bool:
        """Put a 400's message under the field it names. False if it names none we show."""
        spec = self.spec
        for param in params_in_text(text):
            target = field_for_param(param, spec)
            if target:
                self._server_errors[target] = text
                self.validate()
                return True
        return False

    @property
    def first_error_field(self) -> Widget | None:
        for control in self.query(".filter-control.-has-error"):
            return control
        return None

    def _refresh_range_note(self) -> None:
        if not self.built:
            return
        spec = self.spec
        now = self.clock()
        note = self.query_one("#range-note", Static)
        if spec.range in QUICK_RANGES:
            start, end = quick_range(spec.range, now)
            text = f"{format_filter_time(start)[:16]} → {format_filter_time(end)[:16]} UTC"
            if end - start > MAX_WINDOW:
                text += f"\nsearched in {MAX_WINDOW.days}-day windows"
        elif spec.range == RANGE_CUSTOM:
            text = "Give From and/or Until below (UTC)"
        elif spec.storage_days.strip():
            text = "Off: Plivo cannot combine a storage duration with a time range"
        else:
            text = f"No time filter: Plivo searches the last {DEFAULT_WINDOW.days} days"
        if text != self._range_note:
            self._range_note = text
            note.update(text)

    # -- events ---------------------------------------------------------------------------------

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("f-")
        self._server_errors.pop(key, None)
        range_select = self._select("range")
        if key in ("since", "until") and event.value.strip():
            self._server_errors.pop("range", None)
            if range_select.value != RANGE_CUSTOM:
                with self.prevent(Select.Changed):
                    range_select.value = RANGE_CUSTOM
        elif key == "storage_days":
            self._server_errors.pop("range", None)
            self._storage_changed(event.value.strip())
        self.validate()

    def _storage_changed(self, days: str) -> None:
        """A storage duration cannot be combined with add_time: switch the range off (and back)."""
        range_select = self._select("range")
        with self.prevent(Select.Changed):
            if days and range_select.value != RANGE_NONE:
                self._range_before_storage = str(range_select.value)
                range_select.value = RANGE_NONE
                if self._range_before_storage == RANGE_CUSTOM:
                    self._input("since").value = ""
                    self._input("until").value = ""
            elif not days and self._range_before_storage and range_select.value == RANGE_NONE:
                range_select.value = self._range_before_storage
                self._range_before_storage = None

    @on(Select.Changed, "#f-range")
    def _range_changed(self) -> None:
        shown = str(self._select("range").value)
        if shown == self._range_shown:
            return
        self._range_shown = shown
        self._server_errors.pop("range", None)
        self._range_before_storage = None
        # The select's value now, not the event's: a storage filter may have switched it off
        # since the event was posted.
        shown = str(self._select("range").value)
        if shown in QUICK_RANGES:
            self.apply_range(shown)
            return
        self.validate()

    def apply_range(self, key: str) -> None:
        """A quick range is complete by itself: apply it at once, as a user expects, but alone:
        the filter in force with this range, never the other edits still pending."""
        applied = replace(self.applied, range=key, since="", until="", storage_days="")
        if self.built:
            with self.prevent(Input.Changed, Select.Changed):
                self._select("range").value = self._range_shown = key
                self._input("since").value = ""
                self._input("until").value = ""
                if "storage_days" not in self._pending:
                    self._input("storage_days").value = ""
        self._server_errors.clear()
        self._range_before_storage = None
        self.applied = applied
        self.validate()
        if not applied.problems(self.clock()):
            self.post_message(self.Applied(applied))

    @on(Select.Changed, "#f-storage_op")
    def _op_changed(self) -> None:
        self.validate()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    # -- actions --------------------------------------------------------------------------------

    def action_apply(self) -> None:
        self._server_errors.clear()
        if self.validate():
            first = self.first_error_field
            if first is not None:
                first.focus()
            self.app.bell()
            return
        spec = self.spec.normalised()
        range_before_storage = self._range_before_storage  # clearing the days still restores it
        self.load_spec(spec)  # the form shows what is sent: +14155550123, 2026-02-01 00:00
        self._range_before_storage = range_before_storage
        self.post_message(self.Applied(spec))

    def action_revert(self) -> None:
        """Esc with edits pending: back to the filter in force (a second Esc leaves)."""
        self.load_spec(self.applied)
        self.notify("Filter edits reverted", timeout=2)

    def action_back(self) -> None:
        self.screen.action_escape()  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revert":
            return bool(self._pending)
        if action == "back":
            return not self._pending
        return True

    def _controls(self) -> list[Widget]:
        return [w for w in self.query(".filter-control") if w.focusable]

    def _move(self, step: int) -> None:
        controls = self._controls()
        if not controls:
            return
        focused = self.screen.focused
        index = controls.index(focused) if focused in controls else -step
        # Set focus now rather than with widget.focus(), which defers it: held or fast arrow
        # keys must each start from where the previous one landed.
        self.screen.set_focus(controls[(index + step) % len(controls)])

    def action_next_field(self) -> None:
        self._move(1)

    def action_previous_field(self) -> None:
        self._move(-1)
