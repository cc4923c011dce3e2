"""Typed views of what the Recording API returns, parsed leniently.

Plivo's documentation sends numbers as strings (`"345100.00000"`), its SDK fixtures send them as
numbers, and old objects lack fields newer ones have. Everything is accepted; anything that cannot
be understood, or a number out of bounds, becomes None (that field shows as unavailable), except the
recording id and add_time, without which a row is useless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .auth import account_in_url

_KNOWN_FIELDS = {
    "recording_id", "add_time", "call_uuid", "conference_name", "conference_uuid",
    "recording_url", "resource_uri", "recording_format", "recording_type",
    "recording_duration_ms", "recording_start_ms", "recording_end_ms",
    "rounded_recording_duration", "recording_storage_duration", "recording_storage_rate",
    "monthly_recording_storage_amount", "from_number", "to_number", "mpc_name", "mpc_uuid",
    "api_id",
}  # fmt: skip


class MalformedRecord(ValueError):
    """A recording object that cannot be used; carries the id when there is one."""

    def __init__(self, recording_id: str | None, reason: str):
        super().__init__(f"recording {recording_id or '<no id>'}: {reason}")
        self.recording_id = recording_id


_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_add_time(value: Any) -> datetime:
    """Parse `2020-08-05 16:15:15.852059+05:30` (any offset, 1–6 fraction digits); naive is UTC."""
    if not isinstance(value, str):
        raise ValueError("add_time is not a string")
    if len(value) > 64:
        raise ValueError("add_time is too long")
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Years near 1 or 9999 overflow when converted to another zone (local time, UTC) or when
    # the free period is added: out of range, not a crash later.
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError("add_time is out of range")
    return moment


MAX_NUMBER_TEXT = 40
"""Longest numeric text parsed: more digits than any real field has (`345100.00000`)."""
MAX_DIGITS_BEFORE_POINT = 15
"""Bound on every numeric field: under 1e15 (1e15 ms is 31,000 years; 1e15 days or dollars are
absurd). A bigger value (`"1e5000"`) would make `int()` take seconds and floats overflow."""


def _decimal(value: Any) -> Decimal | None:
    """A number within bounds, or None (that field is unavailable; the row is kept)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int) and value.bit_length() > 64:
        return None  # str() of a 5000-digit int raises; it is out of bounds anyway
    text = value.strip() if isinstance(value, str) else str(value)
    if len(text) > MAX_NUMBER_TEXT:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if number.is_zero():
        return Decimal(0)  # not 0E-1000000
    # adjusted() needs no arithmetic context, so "1e1000000" cannot overflow or take long here.
    if not -MAX_DIGITS_BEFORE_POINT <= number.adjusted() < MAX_DIGITS_BEFORE_POINT:
        return None
    return number


def _float(value: Any) -> float | None:
    number = _decimal(value)
    return None if number is None else float(number)


def _int(value: Any) -> int | None:
    number = _decimal(value)
    return None if number is None else int(number)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class Recording:
    recording_id: str
    add_time: datetime
    recording_type: str | None = None
    recording_format: str | None = None
    recording_url: str | None = None
    resource_uri: str | None = None
    call_uuid: str | None = None
    conference_name: str | None = None
    conference_uuid: str | None = None
    mpc_name: str | None = None
    mpc_uuid: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    recording_duration_ms: float | None = None
    recording_start_ms: float | None = None
    recording_end_ms: float | None = None
    rounded_recording_duration: int | None = None
    recording_storage_duration: int | None = None
    recording_storage_rate: Decimal | None = None
    monthly_recording_storage_amount: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields this version of rectui does not know, kept as sent."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The object exactly as the server sent it (written to archive manifests)."""

    @classmethod
    def from_api(cls, obj: Any) -> Recording:
        if not isinstance(obj, dict):
            raise MalformedRecord(None, "not a JSON object")
        recording_id = obj.get("recording_id")
        if not isinstance(recording_id, str) or not recording_id:
            raise MalformedRecord(None, "missing recording_id")
        try:
            add_time = parse_add_time(obj.get("add_time"))
        except ValueError as exc:
            raise MalformedRecord(
                recording_id, f"bad add_time {obj.get('add_time')!r} ({exc})"
            ) from None
        return cls(
            recording_id=recording_id,
            add_time=add_time,
            recording_type=_text(obj.get("recording_type")),
            recording_format=_text(obj.get("recording_format")),
            recording_url=_text(obj.get("recording_url")),
            resource_uri=_text(obj.get("resource_uri")),
            call_uuid=_text(obj.get("call_uuid")),
            conference_name=_text(obj.get("conference_name")),
            conference_uuid=_text(obj.get("conference_uuid")),
            mpc_name=_text(obj.get("mpc_name")),
            mpc_uuid=_text(obj.get("mpc_uuid")),
            from_number=_text(obj.get("from_number")),
            to_number=_text(obj.get("to_number")),
            recording_duration_ms=_float(obj.get("recording_duration_ms")),
            recording_start_ms=_float(obj.get("recording_start_ms")),
            recording_end_ms=_float(obj.get("recording_end_ms")),
            rounded_recording_duration=_int(obj.get("rounded_recording_duration")),
            recording_storage_duration=_int(obj.get("recording_storage_duration")),
            recording_storage_rate=_decimal(obj.get("recording_storage_rate")),
            monthly_recording_storage_amount=_decimal(obj.get("monthly_recording_storage_amount")),
            extra={k: v for k, v in obj.items() if k not in _KNOWN_FIELDS},
            raw=dict(obj),
        )

    @property
    def duration_s(self) -> float | None:
        return None if self.recording_duration_ms is None else self.recording_duration_ms / 1000

    @property
    def owner_auth_id(self) -> str | None:
        """The account or subaccount that made the recording, read from its URLs: the object
        has no field for it, and media behind HTTP auth needs the owner's credentials."""
        return account_in_url(self.resource_uri) or account_in_url(self.recording_url)

    @property
    def meeting_name(self) -> str | None:
        """The conference or multiparty call name; Plivo's placeholder "noname" counts as none."""
        for name in (self.conference_name, self.mpc_name):
            if name and name != "noname":
                return name
        return None


@dataclass(frozen=True, slots=True)
class Meta:
    limit: int
    offset: int
    total_count: int
    next: str | None
    previous: str | None

    @classmethod
    def from_api(cls, obj: Any) -> Meta:
        if not isinstance(obj, dict):
            raise ValueError("meta is not an object")
        total = _int(obj.get("total_count"))
        if total is None:
            raise ValueError("meta has no total_count")
        return cls(
            limit=_int(obj.get("limit")) or 0,
            offset=_int(obj.get("offset")) or 0,
            total_count=total,
            next=_text(obj.get("next")) or None,
            previous=_text(obj.get("previous")) or None,
        )


@dataclass(frozen=True, slots=True)
class RecordingPage:
    meta: Meta
    recordings: list[Recording]
    malformed: list[MalformedRecord] = field(default_factory=list)
    """Objects on this page that could not be parsed; they are skipped, not fatal."""
    api_id: str | None = None
