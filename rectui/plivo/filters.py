"""The listing filter: every documented query parameter, validated by the server's own rules.

The same validation runs in the client (so the UI can show a message under the field) and in the
emulator (so it answers 400 exactly where Plivo would).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

from .rules import DEFAULT_WINDOW, MAX_LIMIT, MAX_WINDOW, format_filter_time, parse_filter_time

_NUMBER_RE = re.compile(r"^\+?[1-9]\d{1,14}$")
_SIP_RE = re.compile(r"^sips?:[^@\s]+@[^\s]+$")
# What people put between the digits of a phone number: "+1 (415) 555-0123".
_NUMBER_SEPARATORS = re.compile(r"[\s\-.()]")
# Plivo's ids are UUID-shaped, though not always hex (its own docs show `…-0026b945b52x`).
_UUID_RE = re.compile(r"^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$", re.I)
_SUBACCOUNT_RE = re.compile(r"^SA[A-Z0-9]{18}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UUID_FIELDS = ("call_uuid", "conference_uuid", "mpc_uuid")
NUMBER_FIELDS = ("from_number", "to_number")


def _is_whole_number(text: str) -> bool:
    # str.isdigit() alone accepts characters such as "²" that int() rejects.
    return text.isascii() and text.isdigit()


def typed_number(text: str) -> str:
    """A phone number as people write it ("+1 415-555 0123") in E.164 ("+14155550123"); a sip:
    URI, or anything that is not a number once its separators go, is left as it is."""
    value = text.strip()
    digits = _NUMBER_SEPARATORS.sub("", value)
    if not _NUMBER_RE.match(digits):
        return value
    return digits if digits.startswith("+") else "+" + digits


def typed_time(text: str) -> str:
    """A UTC time as people write it, in the add_time form: a bare date is its midnight, and
    ISO's `T` and `Z` are accepted (`2026-02-01T10:00Z`)."""
    value = text.strip().replace("T", " ").removesuffix("Z")
    return value + " 00:00" if _DATE_RE.match(value) else value


TIME_FIELDS = ("add_time__gt", "add_time__gte", "add_time__lt", "add_time__lte")
STORAGE_FIELDS = (
    "recording_storage_duration",
    "recording_storage_duration__gt",
    "recording_storage_duration__gte",
    "recording_storage_duration__lt",
    "recording_storage_duration__lte",
)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class FilterError(ValueError):
    """One or more fields are invalid; `errors` names each field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class RecordingFilter:
    """All values are kept as the text the user typed (or the server received)."""

    from_number: str | None = None
    to_number: str | None = None
    subaccount: str | None = None
    call_uuid: str | None = None
    add_time__gt: str | None = None
    add_time__gte: str | None = None
    add_time__lt: str | None = None
    add_time__lte: str | None = None
    mpc_name: str | None = None
    mpc_uuid: str | None = None
    conference_name: str | None = None
    conference_uuid: str | None = None
    recording_storage_duration: str | None = None
    recording_storage_duration__gt: str | None = None
    recording_storage_duration__gte: str | None = None
    recording_storage_duration__lt: str | None = None
    recording_storage_duration__lte: str | None = None
    limit: str | None = None
    offset: str | None = None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_params(cls, params: dict[str, str]) -> RecordingFilter:
        """Build from query parameters; unknown parameters are ignored, as Plivo does."""
        names = set(cls.field_names())
        return cls(**{k: v for k, v in params.items() if k in names})

    def to_params(self) -> dict[str, str]:
        """Query parameters for the API: only the fields that are set, all as strings."""
        params: dict[str, str] = {}
        for name in self.field_names():
            value = getattr(self, name)
            if value is not None and str(value).strip() != "":
                params[name] = str(value).strip()
        return params

    def with_values(self, **changes: str | None) -> RecordingFilter:
        return replace(self, **changes)

    def normalised(self) -> RecordingFilter:
        """What a person typed, in the form the API matches: numbers in E.164, a bare date as
        its midnight (UTC), a subaccount id in capitals. The TUI and the CLI both send this."""
        changes: dict[str, str | None] = {}
        for name in NUMBER_FIELDS:
            if value := getattr(self, name):
                changes[name] = typed_number(value)
        for name in TIME_FIELDS:
            if value := getattr(self, name):
                changes[name] = typed_time(value)
        if self.subaccount:
            changes["subaccount"] = self.subaccount.strip().upper()
        return replace(self, **changes)

    def with_time_range(self, start: datetime | None, end: datetime | None) -> RecordingFilter:
        """Replace the add_time bounds by [start, end)."""
        return replace(
            self,
            add_time__gt=None,
            add_time__lte=None,
            add_time__gte=format_filter_time(start) if start else None,
            add_time__lt=format_filter_time(end) if end else None,
        )

    @property
    def has_time_filter(self) -> bool:
        # Blank values count as absent, exactly as in to_params().
        return any((getattr(self, name) or "").strip() for name in TIME_FIELDS)

    @property
    def has_storage_filter(self) -> bool:
        return any((getattr(self, name) or "").strip() for name in STORAGE_FIELDS)

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The lower and upper add_time bounds as given (None where absent). Assumes validity."""
        params = self.to_params()  # blank values count as absent
        lower = params.get("add_time__gte") or params.get("add_time__gt")
        upper = params.get("add_time__lt") or params.get("add_time__lte")
        return (
            parse_filter_time(lower) if lower else None,
            parse_filter_time(upper) if upper else None,
        )

    def search_span(self, now: datetime) -> tuple[datetime, datetime]:
        """The add_time span the server searches: a missing upper bound is now, a missing lower
        bound is the default window before the upper one.

        A storage-duration filter is a time filter in its own right (it cannot be combined with
        add_time), so it lifts the 7-day default; otherwise `recording_storage_duration__gt=90`
        could never match anything, and it is how old, billed recordings are found.
        """
        lower, upper = self.time_bounds()
        upper = upper or now
        if lower is None and self.has_storage_filter:
            return (datetime.min.replace(tzinfo=UTC), upper)
        return (lower or upper - DEFAULT_WINDOW, upper)

    def storage_days(self) -> tuple[int | None, int | None]:
        """The storage-duration bounds as (at least, at most) days stored; None: unbounded.
        Assumes validity."""
        at_least: int | None = None
        at_most: int | None = None
        for name, value in self.to_params().items():
            if name not in STORAGE_FIELDS:
                continue
            n = int(value)
            op = name.rpartition("__")[2] if "__" in name else "eq"
            if op in ("eq", "gte", "gt"):
                low = n + 1 if op == "gt" else n
                at_least = low if at_least is None else max(at_least, low)
            if op in ("eq", "lte", "lt"):
                high = n - 1 if op == "lt" else n
                at_most = high if at_most is None else min(at_most, high)
        return at_least, at_most

    def errors(
        self,
        *,
        now: datetime,
        check_window: bool = True,
        combined: bool = False,
        check_ids: bool = False,
    ) -> list[FieldError]:
        """Every problem, each naming its field. `check_window=False` allows spans over 30 days
        (the listing engine splits those into windows itself); `combined=True` allows storage
        duration with add_time, which the server refuses (rectui.plivo.combined splits it);
        `check_ids=True` also refuses ids that cannot be ids, which the server would just match
        nothing with (the TUI and the CLI check them; the emulator, like Plivo, does not)."""
        found: list[FieldError] = []
        params = self.to_params()
        if check_ids:
            found.extend(_id_errors(params))

        for name in NUMBER_FIELDS:
            value = params.get(name)
            if value and not (_NUMBER_RE.match(value) or _SIP_RE.match(value)):
                found.append(FieldError(name, "use an E.164 number (+14155550123) or a sip: URI"))

        times: dict[str, datetime] = {}
        for name in TIME_FIELDS:
            if name in params:
                try:
                    times[name] = parse_filter_time(params[name])
                except ValueError as exc:
                    found.append(FieldError(name, str(exc)))
        if "add_time__gt" in params and "add_time__gte" in params:
            found.append(FieldError("add_time__gte", "give either __gt or __gte, not both"))
        if "add_time__lt" in params and "add_time__lte" in params:
            found.append(FieldError("add_time__lte", "give either __lt or __lte, not both"))

        for name in STORAGE_FIELDS:
            value = params.get(name)
            if value is not None and not _is_whole_number(value):
                found.append(FieldError(name, "must be a whole number of days (0 or more)"))
        if self.has_storage_filter and self.has_time_filter and not combined:
            storage_field = next(n for n in STORAGE_FIELDS if n in params)
            found.append(
                FieldError(storage_field, "storage duration cannot be combined with add_time")
            )

        if "limit" in params:
            value = params["limit"]
            if not _is_whole_number(value) or not 1 <= int(value) <= MAX_LIMIT:
                found.append(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
        if "offset" in params and not _is_whole_number(params["offset"]):
            found.append(FieldError("offset", "must be 0 or more"))

        if not any(e.field in TIME_FIELDS for e in found) and times:
            lower = times.get("add_time__gte") or times.get("add_time__gt")
            upper = times.get("add_time__lt") or times.get("add_time__lte") or now
            upper_field = "add_time__lt" if "add_time__lt" in times else "add_time__lte"
            lower_field = "add_time__gte" if "add_time__gte" in times else "add_time__gt"
            if lower is not None and lower > upper:
                found.append(FieldError(upper_field, "the end is before the start"))
            elif check_window and lower is not None and upper - lower > MAX_WINDOW:
                found.append(
                    FieldError(lower_field, f"add_time spans at most {MAX_WINDOW.days} days")
                )
        return found

    def validate(
        self,
        *,
        now: datetime,
        check_window: bool = True,
        combined: bool = False,
        check_ids: bool = False,
    ) -> RecordingFilter:
        problems = self.errors(
            now=now, check_window=check_window, combined=combined, check_ids=check_ids
        )
        if problems:
            raise FilterError(problems)
        return self


def _id_errors(params: dict[str, str]) -> list[FieldError]:
    found = [
        FieldError(name, "not a UUID (8-4-4-4-12 characters, such as c2c128e2-1c8c-11e4-…)")
        for name in UUID_FIELDS
        if name in params and not _UUID_RE.match(params[name])
    ]
    if "subaccount" in params and not _SUBACCOUNT_RE.match(params["subaccount"]):
        found.append(FieldError("subaccount", "an auth id: SA and 18 letters or digits"))
    return found
