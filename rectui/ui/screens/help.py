"""The help screen: rectui's own keys (the action registry, rectui/ui/actions, with the user's
keymap applied), a page per part of the app so that each page fits 80×24, and a search over all
of them. Textual's built-in bindings (focus next, scroll left…) are not rectui's and not listed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType, Keymap
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ..actions import BY_NAME, HELP_PAGES, bindings
from ..widgets.text_input import TextInput

Row = tuple[str, str]
"""(keys, what they do), as the help shows one action."""


def section_rows(name: str, keymap: Keymap, key_display: Callable[[Binding], str]) -> list[Row]:
    """One registry section's actions, each with its keys as the user's keymap has them."""
    found = BindingsMap(bindings(name))
    if keymap:
        found.apply_keymap(keymap)
    by_id: dict[str, list[str]] = {}
    for on_key in found.key_to_bindings.values():
        for binding in on_key:
            keys = by_id.setdefault(binding.id or "", [])
            if (shown := key_display(binding)) not in keys:
                keys.append(shown)
    return [(" ".join(by_id.get(a.id, [])), a.text) for a in BY_NAME[name].actions]


def matches(row: Row, title: str, words: list[str]) -> bool:
    haystack = f"{row[0]} {row[1]} {title}".lower()
    return all(word in haystack for word in words)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("help")

    def __init__(self) -> None:
        super().__init__(id="help-screen")
        self.page = 0
        """The page → and ← are on."""
        self.shown: tuple[int, str] | None = None
        """The page and search on screen now (filled in once its rows are mounted)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "← → pages · / search · esc closes"
            yield Static("", id="help-pages")
            yield TextInput(
                placeholder="/ search every page: a key or a word", id="help-search", compact=True
            )
            yield VerticalScroll(id="help-page", can_focus=True)

    async def on_mount(self) -> None:
        self.query_one("#help-page").focus()
        await self._show()

    @property
    def query_text(self) -> str:
        return self.query_one("#help-search", Input).value

    async def _show(self) -> None:
        """Fill the page: the current page's sections, or every row the search matches."""
        words = self.query_text.lower().split()
        keymap, display = self.app._keymap, self.app.get_key_display
        tabs = Text(no_wrap=True, overflow="ellipsis")
        for n, (title, _) in enumerate(HELP_PAGES):
            if n:
                tabs.append(" · ", style="dim")
            current = n == self.page and not words
            tabs.append(title, style="bold reverse" if current else "")
        self.query_one("#help-pages", Static).update(tabs)
        pages = HELP_PAGES if words else HELP_PAGES[self.page : self.page + 1]
        parts: list[Label | Static] = []
        for _, names in pages:
            for name in names:
                section = BY_NAME[name]
                rows = section_rows(name, keymap, display)
                if words:
                    rows = [row for row in rows if matches(row, section.title, words)]
                if not rows:
                    continue
                parts.append(Label(section.title, classes="help-section", markup=False))
                table = Table.grid(padding=(0, 2))
                table.add_column(style="bold", no_wrap=True, min_width=12)
                table.add_column()
                for keys, description in rows:
                    table.add_row(Text(keys), Text(description))
                parts.append(Static(table, classes="help-table"))
        if not parts:
            parts.append(Label(f"No key matches “{self.query_text}”", classes="help-none"))
        page = self.query_one("#help-page", VerticalScroll)
        await page.remove_children()
        await page.mount_all(parts)
        page.scroll_home(animate=False)
        self.shown = (self.page, self.query_text)

    @on(Input.Changed, "#help-search")
    async def _search_changed(self) -> None:
        await self._show()

    @on(Input.Submitted, "#help-search")
    def _search_done(self) -> None:
        self.query_one("#help-page").focus()  # results stay; ← → and esc work again

    async def action_page(self, step: int) -> None:
        if isinstance(self.focused, Input):
            return  # there ← → move the cursor (the field takes them first anyway)
        self.page = (self.page + step) % len(HELP_PAGES)
        search = self.query_one("#help-search", Input)
        with self.prevent(Input.Changed):
            search.value = ""
        await self._show()

    def action_search(self) -> None:
        self.query_one("#help-search", Input).focus()

    async def action_close(self) -> None:
        """esc: out of the search first (clearing it), then out of the help."""
        search = self.query_one("#help-search", Input)
        if self.focused is search or search.value:
            search.value = ""
            self.query_one("#help-page").focus()
            await self._show()
            return
        self.dismiss()
