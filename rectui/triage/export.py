"""Export every row of a listing to CSV or JSON lines, with computed fields.

    count = await export_to_path(listing.iter_all(), Path("out.csv"), "csv",
                                 total=listing.total, progress=lambda done, total: ...)

Computed fields (from `fields.compute`, as of one `now` for the whole export):
`billable_minutes`, `days_stored`, `free_storage_until` (UTC date), `past_free_storage`, and
`monthly_cost` (recomputed: 0 while free, else rate × billable minutes). JSON lines carry the
server's whole object as sent plus those fields; CSV has a fixed set of columns (below).
Money and rates stay decimal strings (no float rounding): `"0.02304"`.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TextIO

from ..atomic_file import atomic_write
from ..plivo.models import Recording
from ..plivo.recording_cost import rounded_seconds
from ..plivo.transcription import transcript_lines
from ..server_text import csv_cell, safe_json, safe_text
from . import fields

ExportFormat = Literal["csv", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")
TranscriptLookup = Callable[[str], str | None]
"""recording id -> its stored transcript text, or None (the optional `transcript` column)."""
ExportProgress = Callable[[int, int | None], None]
"""progress(rows written, total rows or None when unknown)."""

CSV_COLUMNS = (
    "recording_id", "add_time", "recording_type", "recording_format", "from_number",
    "to_number", "call_uuid", "conference_name", "mpc_name", "duration_s",
    "rounded_recording_duration", "billable_minutes", "days_stored", "free_storage_until",
    "past_free_storage", "recording_storage_rate", "monthly_recording_storage_amount",
    "monthly_cost", "recording_url",
)  # fmt: skip
COMPUTED_COLUMNS = (
    "billable_minutes", "days_stored", "free_storage_until", "past_free_storage", "monthly_cost",
)  # fmt: skip


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{value.normalize():f}"


def computed_values(rec: Recording, now: datetime) -> dict[str, Any]:
    c = fields.compute(rec, now)
    return {
        "billable_minutes": _decimal_text(c.billable_minutes),
        "days_stored": c.days_stored,
        "free_storage_until": c.free_until.astimezone(UTC).date().isoformat(),
        "past_free_storage": c.past_free,
        "monthly_cost": _decimal_text(c.monthly_cost),
    }


def csv_row(rec: Recording, now: datetime) -> list[str]:
    values = row_values(rec, now)
    # Cells are made visible (no raw controls on a terminal) and never run as a formula.
    return ["" if values[k] is None else csv_cell(safe_text(values[k])) for k in CSV_COLUMNS]


def row_values(rec: Recording, now: datetime) -> dict[str, Any]:
    """Every CSV column's value (None: empty), the server's other fields as sent after them."""
    computed = computed_values(rec, now)
    rounded = rounded_seconds(rec)
    values: dict[str, Any] = {
        "recording_id": rec.recording_id,
        "add_time": rec.add_time.astimezone(UTC).isoformat(),
        "recording_type": rec.recording_type,
        "recording_format": rec.recording_format,
        "from_number": rec.from_number,
        "to_number": rec.to_number,
        "call_uuid": rec.call_uuid,
        "conference_name": rec.conference_name,
        "mpc_name": rec.mpc_name,
        "duration_s": None if rec.duration_s is None else f"{rec.duration_s:.3f}",
        "rounded_recording_duration": rounded,
        "recording_storage_rate": _decimal_text(rec.recording_storage_rate),
        "monthly_recording_storage_amount": _decimal_text(rec.monthly_recording_storage_amount),
        "recording_url": rec.recording_url,
        **computed,
    }
    values["past_free_storage"] = "yes" if computed["past_free_storage"] else "no"
    return {**values, **{k: v for k, v in rec.raw.items() if k not in values}}


def json_row(rec: Recording, now: datetime) -> dict[str, Any]:
    """The server's object as sent, plus the computed fields."""
    computed = computed_values(rec, now)
    # billable minutes as a JSON number reads better in jq; money stays a decimal string.
    minutes = computed["billable_minutes"]
    computed["billable_minutes"] = None if minutes is None else float(Decimal(minutes))
    return {**rec.raw, **computed}


def transcript_cell(text: str) -> str:
    """A transcript on one line, for a CSV cell: `Speaker 0: … | Speaker 1: …`."""
    return " | ".join(
        (f"Speaker {ln.speaker}: " if ln.speaker is not None else "") + ln.text
        for ln in transcript_lines(text)
    )


class RowWriter:
    """Writes rows one at a time to an open text stream; with `transcripts`, a last column
    (CSV) or field (JSON lines) `transcript` holds each recording's stored transcript."""

    def __init__(
        self,
        out: TextIO,
        fmt: ExportFormat,
        *,
        now: datetime | None = None,
        transcripts: TranscriptLookup | None = None,
    ):
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
        self.out = out
        self.fmt = fmt
        self.now = now or datetime.now(UTC)
        self.count = 0
        self.transcripts = transcripts
        self._csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_COLUMNS + (("transcript",) if transcripts else ()))

    def write(self, rec: Recording) -> None:
        text = self.transcripts(rec.recording_id) if self.transcripts is not None else None
        if self._csv is not None:
            row = csv_row(rec, self.now)
            if self.transcripts is not None:
                row.append(csv_cell(safe_text(transcript_cell(text))) if text else "")
            self._csv.writerow(row)
        else:
            obj = json_row(rec, self.now)
            if self.transcripts is not None:
                obj["transcript"] = text
            self.out.write(safe_json(obj, separators=(",", ":")) + "\n")
        self.count += 1


async def export_rows(
    rows: AsyncIterable[Recording],
    out: TextIO,
    fmt: ExportFormat,
    *,
    total: int | None = None,
    progress: ExportProgress | None = None,
    now: datetime | None = None,
    transcripts: TranscriptLookup | None = None,
) -> int:
    """Write every row to `out`; returns the number written."""
    writer = RowWriter(out, fmt, now=now, transcripts=transcripts)
    if progress is not None:
        progress(0, total)
    async for rec in rows:
        writer.write(rec)
        if progress is not None:
            progress(writer.count, total)
    return writer.count


async def export_to_path(
    rows: AsyncIterable[Recording],
    path: Path,
    fmt: ExportFormat,
    *,
    total: int | None = None,
    progress: ExportProgress | None = None,
    now: datetime | None = None,
    transcripts: TranscriptLookup | None = None,
) -> int:
    """Like export_rows into a file that appears only when complete (temp file + rename): a
    cancelled or failed export leaves no half file that looks whole. The file is private
    (0600): it holds phone numbers."""
    with atomic_write(Path(path), newline="") as handle:
        return await export_rows(
            rows, handle, fmt, total=total, progress=progress, now=now, transcripts=transcripts
        )
