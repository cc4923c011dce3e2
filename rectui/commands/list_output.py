"""`rectui list` output: table, CSV, TSV, JSON or JSON lines, with chosen columns.

Every format takes `--columns` (any CSV column, computed ones included, or any field of the
server's object) and `--no-header`. Server text is made terminal-safe in every format; the table
fits the terminal's width by narrowing its widest columns, then leaving out the last ones.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from ..formatting import format_money
from ..plivo.models import Recording
from ..server_text import csv_cell, safe_json, safe_text
from ..triage import fields
from ..triage.export import CSV_COLUMNS, json_row, row_values
from .errors import EXIT_USAGE, CommandError
from .render import TABLE_COLUMNS, TableColumn, table_values

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
MIN_CELL = 10
"""A table column is never narrowed below this (the last ones are left out instead)."""


def parse_columns(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise CommandError("--columns: name at least one column", EXIT_USAGE)
    unknown = [n for n in names if not n.replace("_", "").isalnum()]
    if unknown:
        raise CommandError(f"--columns: {unknown[0]!r} is not a field name", EXIT_USAGE)
    return names


@dataclass
class ListWriter:
    """Writes recordings one at a time; `close()` ends the output (the JSON array); a table's
    `summary` is the caller's to show."""

    out: TextIO
    fmt: str
    now: datetime
    columns: tuple[str, ...] | None = None
    header: bool = True
    width: int | None = None
    """The terminal's width for a table; None: as wide as the columns want."""
    utc: bool = False
    count: int = 0
    _cost: Decimal = Decimal(0)
    _table: list[TableColumn] = field(default_factory=list)
    _csv: Any = None
    """The csv writer of csv and tsv (the csv module exports no type for it)."""

    def __post_init__(self) -> None:
        if self.fmt == "table":
            self._table = fit_columns(self._table_columns(), self.width)
            if self.header:
                headings = [c.heading for c in self._table]
                if self.columns is None and self.utc:
                    headings[1] += " (UTC)"
                self._line(headings)
        elif self.fmt in ("csv", "tsv"):
            self._csv = csv.writer(
                self.out, delimiter="\t" if self.fmt == "tsv" else ",", lineterminator="\n"
            )
            if self.header:
                self._csv.writerow(self.columns or CSV_COLUMNS)
        elif self.fmt == "json":
            self.out.write("[")

    def _table_columns(self) -> list[TableColumn]:
        if self.columns is None:
            return list(TABLE_COLUMNS)
        known = {c.field: c for c in TABLE_COLUMNS}
        return [known.get(n) or TableColumn(n.upper(), 20, "<", n) for n in self.columns]

    def _line(self, values: Sequence[str]) -> None:
        cells = []
        for value, column in zip(values, self._table, strict=True):
            text = safe_text(value)
            if len(text) > column.width:
                text = text[: column.width - 1] + "…"
            cells.append(f"{text:{column.align}{column.width}}")
        self.out.write("  ".join(cells).rstrip() + "\n")

    def _selected(self, rec: Recording) -> dict[str, Any]:
        if self.columns is None:
            return json_row(rec, self.now)
        values = row_values(rec, self.now)
        return {name: values.get(name) for name in self.columns}

    def write(self, rec: Recording) -> None:
        if self.fmt == "table":
            values = table_values(rec, self.now, self.utc)
            if self.columns is not None:
                others = row_values(rec, self.now)
                values = {n: values.get(n, _cell_text(others.get(n))) for n in self.columns}
            self._line([values[c.field] for c in self._table])
            self._cost += fields.compute(rec, self.now).monthly_cost
        elif self.fmt in ("csv", "tsv"):
            values = row_values(rec, self.now)
            names = self.columns or CSV_COLUMNS
            self._csv.writerow([csv_cell(safe_text(_cell_text(values.get(n)))) for n in names])
        else:
            line = safe_json(self._selected(rec), separators=(",", ":"))
            if self.fmt == "json":
                line = ("\n " if self.count == 0 else ",\n ") + line
                self.out.write(line)
            else:
                self.out.write(line + "\n")
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")

    @property
    def summary(self) -> str | None:
        """The table's closing line (count and monthly cost): for stderr, not among the rows."""
        if self.fmt != "table" or not self.header:
            return None
        return f"{self.count:,} recordings, {format_money(self._cost)} per month"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)


def fit_columns(columns: list[TableColumn], width: int | None) -> list[TableColumn]:
    """The columns narrowed, widest first and none below MIN_CELL, to fit `width`; when even
    that is too wide, the last columns are left out (a cut cell ends in "…")."""
    if width is None:
        return columns
    kept = list(columns)
    while len(kept) > 1 and _gaps(kept) + MIN_CELL * len(kept) > width:
        kept.pop()
    widths = [c.width for c in kept]
    while sum(widths) + _gaps(kept) > width:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= MIN_CELL:
            break
        widths[widest] -= 1
    return [TableColumn(c.heading, w, c.align, c.field) for c, w in zip(kept, widths, strict=True)]


def _gaps(columns: list[TableColumn]) -> int:
    return 2 * (len(columns) - 1)
