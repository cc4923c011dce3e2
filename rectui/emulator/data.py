"""Recording metadata: generated deterministically from a seed, or loaded from a JSON file.

Generated rows are kept compact (one slotted object with the fields filters need) and turned into
Plivo's JSON only when a page is served, so 100,000 recordings cost a few tens of megabytes and
about a second. Everything the pricing depends on goes through `rectui.plivo.pricing`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

from ..plivo import pricing
from ..plivo.models import MalformedRecord, Recording

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400 * 1_000_000
HISTORY_DAYS = 400
"""Generated add_times spread over this many days before the emulator's `now`."""

MEDIA_FORMATS = ("mp3", "wav")

DEFAULT_UTC_OFFSET = timedelta(hours=5, minutes=30)
"""The offset Plivo's add_time carries in the SDK fixtures (`2014-08-05 16:15:15.852059+05:30`)."""

TIMELESS_US = -(2**62)
"""add_us of a given object whose add_time cannot be read: it sorts last and, having no time to
exclude it by, appears in every time window (a client must cope with such objects)."""


@dataclass(slots=True)
class StoredRecording:
    """One recording as the emulator keeps it.

    `raw` is set for recordings loaded from a data file: those are served exactly as given, and
    the other fields only drive filtering, ordering and media synthesis.
    """

    recording_id: str
    add_us: int
    """add_time as whole microseconds since the epoch (UTC): cheap to sort and bisect."""
    owner: str
    """Auth id of the main account or subaccount the recording belongs to."""
    recording_type: str | None
    recording_format: str
    duration_ms: float
    call_uuid: str | None = None
    conference_name: str | None = None
    conference_uuid: str | None = None
    mpc_name: str | None = None
    mpc_uuid: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    fraction_digits: int = 6
    raw: Any = None

    @property
    def has_time(self) -> bool:
        return self.add_us != TIMELESS_US

    @property
    def add_time(self) -> datetime:
        """Only for rows that have a time (see `has_time`)."""
        return us_to_datetime(self.add_us)

    @property
    def duration_s(self) -> float:
        return self.duration_ms / 1000


def datetime_to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def us_to_datetime(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def format_add_time(
    add_us: int, fraction_digits: int = 6, utc_offset: timedelta = timedelta(0)
) -> str:
    """Plivo's add_time text in the account's offset: `2020-08-05 21:45:15.852059+05:30`."""
    moment = us_to_datetime(add_us).astimezone(timezone(utc_offset))
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if fraction_digits:
        text += "." + f"{moment.microsecond:06d}"[:fraction_digits]
    return text + format_offset(utc_offset)


def recording_span_ms(rec: StoredRecording) -> tuple[int, int]:
    """recording_start_ms and recording_end_ms (epoch milliseconds)."""
    # The recording ends a little before Plivo creates the object (add_time).
    end_ms = rec.add_us // 1000 - 400 - rec.add_us % 1300
    return end_ms - int(rec.duration_ms), end_ms


def format_offset(offset: timedelta) -> str:
    """`+05:30`, `-08:00`, `+00:00`: as add_time and --utc-offset write it."""
    minutes = offset // timedelta(minutes=1)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True, slots=True)
class RenderStyle:
    """How the account's objects are written: the SDK fixtures' shape by default."""

    utc_offset: timedelta = DEFAULT_UTC_OFFSET
    numbers_as_strings: bool = False
    """The documentation's `"209"` and `"0.0004"` instead of the fixtures' 209 and 0.0004.
    The `*_ms` fields are strings in both."""


def render_recording(
    rec: StoredRecording, *, base_url: str, now: datetime, style: RenderStyle = RenderStyle()
) -> Any:
    """The recording object as the API returns it.

    `recording_url` points at this emulator's own media route; `resource_uri` names the account
    that owns the recording. Given objects are returned as given (a dict, or whatever else the
    data file held).
    """
    if rec.raw is not None:
        return dict(rec.raw) if isinstance(rec.raw, dict) else rec.raw
    rounded = pricing.rounded_duration_seconds(rec.duration_ms)
    days = pricing.storage_days(rec.add_time, now)
    amount = pricing.expected_monthly_amount(pricing.STORAGE_RATE, rounded, days)
    numbers: dict[str, Any] = {
        "monthly_recording_storage_amount": f"{amount:.5f}",
        "recording_storage_duration": str(days),
        "recording_storage_rate": str(pricing.STORAGE_RATE),
        "rounded_recording_duration": str(rounded),
    }
    if not style.numbers_as_strings:
        numbers = {
            "monthly_recording_storage_amount": float(round(amount, 5)),
            "recording_storage_duration": days,
            "recording_storage_rate": float(pricing.STORAGE_RATE),
            "rounded_recording_duration": rounded,
        }
    start_ms, end_ms = recording_span_ms(rec)
    obj: dict[str, Any] = {
        "add_time": format_add_time(rec.add_us, rec.fraction_digits, style.utc_offset),
        "call_uuid": rec.call_uuid,
        "conference_name": rec.conference_name,
    }
    if rec.conference_uuid is not None:
        obj["conference_uuid"] = rec.conference_uuid
    if rec.from_number is not None:
        obj["from_number"] = rec.from_number
    if rec.mpc_uuid is not None:
        obj["mpc_name"] = rec.mpc_name
        obj["mpc_uuid"] = rec.mpc_uuid
    obj.update(
        {
            "monthly_recording_storage_amount": numbers["monthly_recording_storage_amount"],
            "recording_duration_ms": f"{rec.duration_ms:.5f}",
            "recording_end_ms": f"{end_ms}.00000",
            "recording_format": rec.recording_format,
            "recording_id": rec.recording_id,
            "recording_start_ms": f"{start_ms}.00000",
            "recording_storage_duration": numbers["recording_storage_duration"],
            "recording_storage_rate": numbers["recording_storage_rate"],
            "recording_type": rec.recording_type,
            "recording_url": media_url(base_url, rec),
            "resource_uri": f"/v1/Account/{rec.owner}/Recording/{rec.recording_id}/",
            "rounded_recording_duration": numbers["rounded_recording_duration"],
        }
    )
    if rec.to_number is not None:
        obj["to_number"] = rec.to_number
    return obj


def media_url(base_url: str, rec: StoredRecording) -> str:
    return (
        f"{base_url.rstrip('/')}/v1/Account/{rec.owner}/Recording/"
        f"{rec.recording_id}.{rec.recording_format}"
    )


# --- generation -------------------------------------------------------------------------------

_CONFERENCE_WORDS = (
    "standup", "sales", "support", "board", "onboarding", "escalation", "weekly-sync",
    "interview", "all-hands", "retro", "incident", "pricing", "partner", "training",
)  # fmt: skip
_SIP_USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "support", "sales", "frontdesk")
# Names real conference recordings carry when nobody named the room.
_UNNAMED_CONFERENCES = (None, "", "noname")


def _uuid_text(bits: int, version: str = "1") -> str:
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{version}{h[13:16]}-{h[16:20]}-{h[20:]}"


def _phone_number(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return f"+1{rng.randint(2, 9)}{rng.randrange(10**9):09d}"
    if r < 0.75:
        return f"+447{rng.randrange(10**9):09d}"
    if r < 0.9:
        return f"+91{rng.randint(7, 9)}{rng.randrange(10**9):09d}"
    return f"+614{rng.randrange(10**8):08d}"


def _duration_ms(rng: random.Random) -> int:
    """Mostly calls of a minute or two; a few long meetings of up to an hour."""
    r = rng.random()
    if r < 0.01:
        seconds = rng.uniform(20 * 60, 60 * 60)
    elif r < 0.06:
        seconds = rng.uniform(5 * 60, 20 * 60)
    else:
        seconds = min(300.0, 3 + rng.expovariate(1 / 60))
    return int(seconds * 1000)


def generate_recordings(
    *,
    seed: int,
    count: int,
    now: datetime,
    main_id: str,
    subaccount_ids: Sequence[str],
) -> list[StoredRecording]:
    """`count` recordings spread over the last HISTORY_DAYS days before `now`, newest first.

    The same seed, count, now and accounts always give the same recordings.
    """
    rng = random.Random(f"rectui-emulator-recordings:{seed}")
    random_ = rng.random
    conference_random = random.Random(f"rectui-emulator-conference-numbers:{seed}").random
    getrandbits = rng.getrandbits
    now_us = datetime_to_us(now)
    history_us = HISTORY_DAYS * DAY_US
    recent_us = 30 * DAY_US

    owners = [main_id, *subaccount_ids]
    # Main account 60 %, the rest split between subaccounts (the first busier than the others).
    owner_cuts: list[float] = []
    if subaccount_ids:
        share, cut = 0.4, 0.6
        for i in range(len(subaccount_ids)):
            part = share * (0.625 if i < len(subaccount_ids) - 1 else 1.0)
            owner_cuts.append(cut)
            cut += part
            share -= part

    conferences = []
    for n in range(max(3, count // 25)):
        if n % 7 == 3:
            name = _UNNAMED_CONFERENCES[n % 3]
        else:
            name = f"{rng.choice(_CONFERENCE_WORDS)}-{rng.randint(1, 99)}"
        conferences.append((name, _uuid_text(getrandbits(128), "4")))
    mpcs = [
        (f"mpc-{rng.choice(_CONFERENCE_WORDS)}-{n}", _uuid_text(getrandbits(128), "4"))
        for n in range(max(2, count // 40))
    ]
    numbers = [_phone_number(rng) for _ in range(max(8, count // 4))]
    sip_uris = [f"sip:{user}{rng.randint(1, 999)}@phone.plivo.com" for user in _SIP_USERS]
    # Objects older than this predate from_number/to_number and do not carry them.
    numbers_since_us = now_us - 300 * DAY_US

    seen: set[str] = set()
    rows: list[StoredRecording] = []
    last_call_uuid = _uuid_text(getrandbits(128))
    add_us = now_us
    for _ in range(count):
        if rows and random_() < 0.01:
            add_us = rows[-1].add_us  # same instant as another recording: exercises tie-breaks
        else:
            back = int(random_() * (recent_us if random_() < 0.2 else history_us))
            add_us = now_us - back
        r = random_()
        digits = 6 if r < 0.9 else 3 if r < 0.95 else 5 if r < 0.98 else 0
        if digits < 6:
            # Keep add_us exactly what the shortened text says, so filters agree with the text.
            step = 10 ** (6 - digits)
            add_us -= add_us % step

        r = random_()
        owner = owners[0]
        for i, cut in enumerate(owner_cuts):
            if r >= cut:
                owner = owners[i + 1]

        recording_id = _uuid_text(getrandbits(128))
        while recording_id in seen:
            recording_id = _uuid_text(getrandbits(128))
        seen.add(recording_id)

        call_uuid = last_call_uuid if random_() < 0.05 else _uuid_text(getrandbits(128))
        last_call_uuid = call_uuid
        rec = StoredRecording(
            recording_id,
            add_us,
            owner,
            "call",
            "wav" if random_() < 0.3 else "mp3",
            _duration_ms(rng),
            call_uuid,
            fraction_digits=digits,
        )
        kind = random_()
        if kind < 0.3:
            rec.recording_type = "conference"
            conference = conferences[int(random_() * len(conferences))]
            rec.conference_name, rec.conference_uuid = conference
        elif kind < 0.45:
            rec.recording_type = "normal"
            rec.mpc_name, rec.mpc_uuid = mpcs[int(random_() * len(mpcs))]
        elif kind < 0.7:
            rec.recording_type = "normal"
        if add_us >= numbers_since_us:
            # Conference rows carry the numbers of the call that joined, as the list fixtures
            # show; drawn from their own stream so every other row stays as it was for a seed.
            draw = conference_random if rec.recording_type == "conference" else random_
            rec.from_number = numbers[int(draw() * len(numbers))]
            if draw() < 0.1:
                rec.to_number = sip_uris[int(draw() * len(sip_uris))]
            else:
                rec.to_number = numbers[int(draw() * len(numbers))]
        rows.append(rec)
    rows.sort(key=sort_key)
    return rows


def sort_key(rec: StoredRecording) -> tuple[int, str]:
    """Newest first; recordings created in the same microsecond by id. Rows without a time all
    share one key, so a stable sort keeps them in the order given."""
    return (-rec.add_us, rec.recording_id if rec.add_us != TIMELESS_US else "")


# --- data files -------------------------------------------------------------------------------

_ACCOUNT_IN_URI = re.compile(r"/Account/([^/]+)/")


def _text_field(parsed: Recording | None, fields: Mapping[str, Any], name: str) -> str | None:
    """A text field of a given object: as the client parsed it, or raw when it could not."""
    value = getattr(parsed, name) if parsed is not None else fields.get(name)
    return value if isinstance(value, str) else None


def _is_list_response(content: Any) -> bool:
    return isinstance(content, dict) and isinstance(content.get("objects"), list)


def read_data_file(path: str | Path) -> list[Any]:
    """Read recording objects from JSON: a list of objects, a saved list response, or a list of
    saved list responses (the pages of one listing, in order)."""
    content = json.loads(Path(path).read_text(encoding="utf-8"))
    if _is_list_response(content):
        content = content["objects"]
    elif isinstance(content, list) and content and all(map(_is_list_response, content)):
        content = [obj for page in content for obj in page["objects"]]
    if not isinstance(content, list):
        raise ValueError(f"{path}: expected a JSON list of recording objects")
    return content


def load_recordings(
    objects: Iterable[Any],
    *,
    main_id: str,
    subaccount_ids: Sequence[str],
    warn: Callable[[str], None] = lambda message: None,
) -> list[StoredRecording]:
    """Wrap given recording objects, which will be served exactly as they are.

    The owner is the subaccount named in `resource_uri` when it is one of ours, else the main
    account. Values are read with the client's own lenient parser. Objects it rejects are
    served too, so clients can be tested against them: without a readable add_time they appear
    in every time window, after the others and in the order given; without a recording_id they
    get an internal one (`malformed-N`) and can only be listed. An id given twice (Plivo's own
    list fixture has one on two pages) is served once, the first object, with a `warn`ing.
    """
    rows: list[StoredRecording] = []
    seen: set[str] = set()
    subaccounts = set(subaccount_ids)
    for index, obj in enumerate(objects):
        fields = obj if isinstance(obj, Mapping) else {}
        try:
            parsed: Recording | None = Recording.from_api(obj)
        except MalformedRecord:
            parsed = None
        if parsed is not None:
            recording_id, add_us = parsed.recording_id, datetime_to_us(parsed.add_time)
        else:
            given_id = fields.get("recording_id")
            given = given_id if isinstance(given_id, str) and given_id else None
            recording_id = given or f"malformed-{index}"
            add_us = TIMELESS_US
        if recording_id in seen:
            warn(f"recording {recording_id} appears more than once; serving the first")
            continue
        seen.add(recording_id)
        text = partial(_text_field, parsed, fields)
        owner = main_id
        match = _ACCOUNT_IN_URI.search(text("resource_uri") or "")
        if match and match.group(1) in subaccounts:
            owner = match.group(1)
        fmt = (text("recording_format") or "").lower()
        if fmt not in MEDIA_FORMATS:
            url_ext = (text("recording_url") or "").rsplit(".", 1)[-1].lower()
            fmt = url_ext if url_ext in MEDIA_FORMATS else "mp3"
        duration_ms = parsed.recording_duration_ms if parsed is not None else None
        rows.append(
            StoredRecording(
                recording_id,
                add_us,
                owner,
                text("recording_type"),
                fmt,
                duration_ms if duration_ms and duration_ms > 0 else 10_000.0,
                text("call_uuid"),
                text("conference_name"),
                text("conference_uuid"),
                text("mpc_name"),
                text("mpc_uuid"),
                text("from_number"),
                text("to_number"),
                raw=obj if not isinstance(obj, dict) else dict(obj),
            )
        )
    rows.sort(key=sort_key)
    return rows
