"""How the recording table paints: its component classes and default CSS, and one row as a
`Strip` from the row's cells (rectui/ui/widgets/table_layout.py) and the component styles.
The widget (rectui/ui/widgets/recording_table.py) caches the strips and decides what to paint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...plivo.models import Recording
from .table_layout import MARK_WIDTH, Layout, cells, fit

COMPONENTS: set[str] = {
    "recording-table--header",
    "recording-table--cursor",
    "recording-table--marked",
    "recording-table--mark",
    "recording-table--placeholder",
    "recording-table--failed",
    "recording-table--unavailable",
    "recording-table--billed",
    "recording-table--muted",
    "recording-table--match",
    "recording-table--status",
}

TABLE_CSS = """
    RecordingTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        & > .recording-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .recording-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .recording-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .recording-table--marked {
            background: $accent 15%;
        }
        & > .recording-table--mark {
            color: $accent;
            text-style: bold;
        }
        & > .recording-table--placeholder {
            color: $text-muted;
            text-style: italic;
        }
        & > .recording-table--failed {
            color: $text-error;
        }
        & > .recording-table--unavailable {
            color: $text-warning;
        }
        & > .recording-table--billed {
            color: $foreground;
        }
        & > .recording-table--muted {
            color: $text-muted;
        }
        & > .recording-table--match {
            color: $text-warning;
            text-style: bold underline;
        }
        & > .recording-table--status {
            background: $panel;
            color: $foreground;
        }
    }
    """


def overlay(style: Style) -> Style:
    """Foreground attributes of a component (its background is the row's business)."""
    return Style(color=style.color, bold=style.bold, italic=style.italic, dim=style.dim)


@dataclass(frozen=True, slots=True)
class RowPaint:
    base: Style
    """The widget's own style."""
    component: Callable[[str], Style]
    """A component class's style (the widget's `get_component_rich_style`)."""
    glyph: str
    """The mark shown on marked rows."""

    def row(
        self,
        row: Any,
        ident: Any,
        is_cursor: bool,
        marked: bool,
        width: int,
        layout: Layout,
        utc: bool,
        now: datetime,
        query: str = "",
    ) -> Strip:
        """A recording's cells, or the placeholder for a row loading, failed or unavailable
        (`ident` is "loading", "failed" or ("unavailable", reason))."""
        base = self.base
        if marked:
            base = base + self.component("recording-table--marked")
        cursor = self.component("recording-table--cursor") if is_cursor else None

        def styled(style: Style) -> Style:
            return style + cursor if cursor is not None else style

        def over(name: str) -> Style:
            return styled(base + overlay(self.component(name)))

        row_style = styled(base)
        segments = [
            Segment(self.glyph if marked else " ", over("recording-table--mark")),
            Segment(" ", row_style),
        ]
        if isinstance(row, Recording):
            gap = Segment(" " * layout.gap, row_style)
            overlays: dict[str, Style] = {}
            for number, (text, style_name) in enumerate(cells(row, layout, utc, now)):
                if number:
                    segments.append(gap)
                if style_name and style_name not in overlays:
                    overlays[style_name] = over(style_name)
                style = overlays[style_name] if style_name else row_style
                if query:
                    segments.extend(self._found(text, query, style, over))
                else:
                    segments.append(Segment(text, style))
        else:
            if ident == "loading":
                text, style_name = "loading…", "recording-table--placeholder"
            elif ident == "failed":
                text, style_name = "not loaded (r retries)", "recording-table--failed"
            else:
                text, style_name = f"unavailable: {ident[1]}", "recording-table--unavailable"
            segments.append(Segment(fit(text, max(0, width - MARK_WIDTH)), over(style_name)))
        return Strip(segments).adjust_cell_length(width, row_style).simplify()

    @staticmethod
    def _found(text: str, query: str, style: Style, over: Callable[[str], Style]) -> list[Segment]:
        """A cell with what a search found in it marked (the cell as it is shown: a match cut
        off by the column's width is not marked)."""
        folded, wanted = text.casefold(), query.casefold()
        if wanted not in folded or len(folded) != len(text):
            return [Segment(text, style)]
        found = style + over("recording-table--match")
        out: list[Segment] = []
        start = 0
        while (at := folded.find(wanted, start)) >= 0:
            out += [Segment(text[start:at], style), Segment(text[at : at + len(wanted)], found)]
            start = at + len(wanted)
        out.append(Segment(text[start:], style))
        return out
