"""What the filter form holds: `FilterSpec`, the filter as the user sees it ("last 7 days", the
text typed in each field), and how it becomes a `RecordingFilter` (absolute UTC bounds).

A quick range must be re-anchored to "now" on every refresh, so the app keeps the spec and turns
it into a filter only when it loads. Presets in the configuration are specs too (`from_preset`,
`to_preset`). No Textual here: the sidebar (rectui/ui/widgets/filter_sidebar.py) edits one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import datetime

from ..plivo.filters import STORAGE_FIELDS, TIME_FIELDS, FieldError, RecordingFilter
from .ranges import QUICK_RANGE_LABELS, quick_range

QUICK_RANGES: dict[str, str] = dict(QUICK_RANGE_LABELS)
"""Key → label of the quick ranges, in the listing engine's order."""
RANGE_CUSTOM = "custom"
RANGE_NONE = "none"
RANGE_LABELS: dict[str, str] = {
    **QUICK_RANGES,
    RANGE_CUSTOM: "Custom (UTC)",
    RANGE_NONE: "None (storage)",
}
DEFAULT_RANGE = "7d"
"""Plivo's own default window, so an unfiltered rectui shows what the console would."""

STORAGE_OPS: dict[str, str] = {
    "=": "recording_storage_duration",
    ">": "recording_storage_duration__gt",
    "≥": "recording_storage_duration__gte",
    "<": "recording_storage_duration__lt",
    "≤": "recording_storage_duration__lte",
}

# The plain text fields, in the order the sidebar shows them: (key, caption, placeholder).
# The key is both the FilterSpec attribute and the API parameter.
TEXT_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("Numbers", "from_number", "From", "+14155550123 or sip:…"),
    ("Numbers", "to_number", "To", "+14155550123 or sip:…"),
    ("Call", "call_uuid", "Call UUID", "call uuid"),
    # The server matches names exactly (no part of a name, case counts): the caption says so.
    ("Conference", "conference_name", "Name (exact match)", "whole name, e.g. retro-10"),
    ("Conference", "conference_uuid", "UUID", "conference uuid"),
    ("Multiparty call", "mpc_name", "Name (exact match)", "whole name"),
    ("Multiparty call", "mpc_uuid", "UUID", "multiparty call uuid"),
    ("Account", "subaccount", "Subaccount", "SA… auth id"),
)


SUMMARY_WORDS: dict[str, str] = {
    "from_number": "from",
    "to_number": "to",
    "call_uuid": "call",
    "conference_name": "conf",
    "conference_uuid": "conf",
    "mpc_name": "mpc",
    "mpc_uuid": "mpc",
}
"""How the header names each text field (the subaccount is named by the header itself)."""


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """The sidebar's state as the user sees it; all values are the text typed."""

    range: str = DEFAULT_RANGE
    since: str = ""
    until: str = ""
    from_number: str = ""
    to_number: str = ""
    call_uuid: str = ""
    conference_name: str = ""
    conference_uuid: str = ""
    mpc_name: str = ""
    mpc_uuid: str = ""
    subaccount: str = ""
    storage_op: str = "="
    storage_days: str = ""

    @classmethod
    def from_preset(cls, preset: dict[str, str]) -> FilterSpec:
        """A configuration preset: API parameter names plus an optional `range`."""
        spec = cls(range=preset.get("range", DEFAULT_RANGE))
        if spec.range not in RANGE_LABELS:
            spec = replace(spec, range=DEFAULT_RANGE)
        known = {f.name for f in fields(cls)}
        spec = replace(spec, **{k: v for k, v in preset.items() if k in known and k != "range"})
        if "add_time__gte" in preset or "add_time__gt" in preset or "add_time__lt" in preset:
            spec = replace(
                spec,
                range=RANGE_CUSTOM,
                since=preset.get("add_time__gte") or preset.get("add_time__gt") or "",
                until=preset.get("add_time__lt") or preset.get("add_time__lte") or "",
            )
        for op, param in STORAGE_OPS.items():
            if preset.get(param):
                spec = replace(spec, storage_op=op, storage_days=preset[param], range=RANGE_NONE)
        return spec

    def to_preset(self) -> dict[str, str]:
        """This filter as a configuration preset (the inverse of `from_preset`)."""
        params: dict[str, str] = {}
        storage = self.storage_days.strip()
        if self.range in QUICK_RANGES:
            params["range"] = self.range
        elif self.range == RANGE_CUSTOM:
            params["add_time__gte"] = self.since.strip()
            params["add_time__lt"] = self.until.strip()
        elif self.range == RANGE_NONE and not storage:
            params["range"] = RANGE_NONE
        for _, key, _, _ in TEXT_FIELDS:
            params[key] = getattr(self, key).strip()
        if storage:
            params[STORAGE_OPS[self.storage_op]] = storage
        return {k: v for k, v in params.items() if v}

    def normalised(self) -> FilterSpec:
        """The same filter as the API is sent it (numbers in E.164, a bare date at 00:00 UTC, a
        subaccount in capitals), for the form to show once applied."""
        flt = RecordingFilter(
            from_number=self.from_number, to_number=self.to_number, subaccount=self.subaccount,
            add_time__gte=self.since, add_time__lt=self.until,
        ).normalised()  # fmt: skip
        return replace(
            self,
            from_number=flt.from_number or "",
            to_number=flt.to_number or "",
            subaccount=flt.subaccount or "",
            since=flt.add_time__gte or "",
            until=flt.add_time__lt or "",
        )

    def pending(self, applied: FilterSpec) -> set[str]:
        """The fields (FilterSpec attribute names) where this form differs from `applied`, the
        filter in force: what Enter would change."""
        mine, theirs = self.normalised(), applied.normalised()
        changed = {
            f.name
            for f in fields(self)
            if str(getattr(mine, f.name)).strip() != str(getattr(theirs, f.name)).strip()
        }
        if not (mine.storage_days.strip() or theirs.storage_days.strip()):
            changed.discard("storage_op")  # a comparison with no days to compare changes nothing
        return changed

    def to_filter(self, now: datetime) -> RecordingFilter:
        flt = RecordingFilter(
            **{key: (getattr(self, key).strip() or None) for _, key, _, _ in TEXT_FIELDS}
        )
        if self.range in QUICK_RANGES:
            flt = flt.with_time_range(*quick_range(self.range, now))
        elif self.range == RANGE_CUSTOM:
            flt = flt.with_values(
                add_time__gte=self.since.strip() or None, add_time__lt=self.until.strip() or None
            )
        if self.storage_days.strip():
            flt = flt.with_values(**{STORAGE_OPS[self.storage_op]: self.storage_days.strip()})
        return flt.normalised()

    def problems(self, now: datetime) -> list[FieldError]:
        """What stops this filter from being sent, as the form and the CLI check it (ids too;
        spans over 30 days are fine: the engine windows them)."""
        return self.to_filter(now).errors(now=now, check_window=False, check_ids=True)

    def summary(self) -> str:
        """The filter in a few words, every field named, for the header:
        `last 30 days · from +14155550123 · conf support-31 · storage > 90 d`. (The
        subaccount is left to the caller, which names it apart.)"""
        if self.range in QUICK_RANGES:
            parts = [QUICK_RANGES[self.range].lower()]
        elif self.range == RANGE_CUSTOM:
            parts = [f"{self.since.strip() or '…'} → {self.until.strip() or 'now'} UTC"]
        else:
            parts = []
        for key, word in SUMMARY_WORDS.items():
            value = getattr(self, key).strip()
            if value:
                # A uuid is told apart by its start; the header has little room.
                shown = f"{value[:8]}…" if key.endswith("uuid") and len(value) > 9 else value
                parts.append(f"{word} {shown}")
        if self.storage_days.strip():
            parts.append(f"storage {self.storage_op} {self.storage_days.strip()} d")
        return " · ".join(parts) or "last 7 days (Plivo default)"


# Which sidebar field an API parameter's problem belongs under.
_PARAM_TO_FIELD: dict[str, str] = {
    "add_time__gte": "since",
    "add_time__gt": "since",
    "add_time__lt": "until",
    "add_time__lte": "until",
    **{name: "storage_days" for name in STORAGE_FIELDS},
    **{key: key for _, key, _, _ in TEXT_FIELDS},
}


def field_for_param(param: str, spec: FilterSpec) -> str | None:
    if param in TIME_FIELDS and spec.range != RANGE_CUSTOM:
        return "range"  # quick ranges have no since/until of their own to point at
    if param == "add_time":
        return "since" if spec.range == RANGE_CUSTOM else "range"
    return _PARAM_TO_FIELD.get(param)


def params_in_text(text: str) -> Iterator[str]:
    """API parameter names mentioned in a server message, most specific first."""
    names = sorted({*_PARAM_TO_FIELD, "add_time"}, key=len, reverse=True)
    for name in names:
        # Underscores are word characters, so `add_time` does not match inside `add_time__gt`.
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
            yield name
