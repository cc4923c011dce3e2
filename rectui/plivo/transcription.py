"""Typed views of what the Transcription API returns.

`GET /v1/Account/{auth_id}/Transcription/{recording_id}/` answers, as in the SDK's fixture:
`{"api_id", "cost": 0.05, "rate": 0.05, "recording_duration_ms": 22780, "recording_start_ms": …,
"status": "success", "transcription": "\\nSpeaker 0: …\\nSpeaker 1: …"}`. The text is the server's,
unsanitised: whatever shows it passes it through `rectui.server_text` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .models import _decimal, _float, _text

SUCCESS = "success"

_SPEAKER = re.compile(r"^\s*Speaker\s+(\w{1,20})\s*:\s?(.*)$")
MAX_TRANSCRIPT_CHARS = 4_000_000
"""More than four hours of speech; a longer text is cut (it could only be a hostile server)."""


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    speaker: str | None
    """"0", "1", … as the server labels speakers; None for text before any label."""
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    recording_id: str
    status: str | None
    text: str
    """The transcription exactly as sent (empty while it is in progress)."""
    cost: Decimal | None = None
    rate: Decimal | None = None
    recording_duration_ms: float | None = None
    recording_start_ms: float | None = None
    api_id: str | None = None

    @property
    def ready(self) -> bool:
        return self.status == SUCCESS

    @classmethod
    def from_api(cls, recording_id: str, obj: dict[str, Any]) -> Transcript:
        text = obj.get("transcription")
        return cls(
            recording_id=recording_id,
            status=_text(obj.get("status")),
            text=(text if isinstance(text, str) else "")[:MAX_TRANSCRIPT_CHARS],
            cost=_decimal(obj.get("cost")),
            rate=_decimal(obj.get("rate")),
            recording_duration_ms=_float(obj.get("recording_duration_ms")),
            recording_start_ms=_float(obj.get("recording_start_ms")),
            api_id=_text(obj.get("api_id")),
        )

    def lines(self) -> list[TranscriptLine]:
        return transcript_lines(self.text)


def transcript_lines(text: str) -> list[TranscriptLine]:
    """The text as speaker turns. A paragraph without a label continues the last speaker's turn
    (Plivo breaks long turns into paragraphs); blank lines are dropped."""
    lines: list[TranscriptLine] = []
    speaker: str | None = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        match = _SPEAKER.match(raw)
        if match is not None:
            speaker, raw = match.group(1), match.group(2)
        lines.append(TranscriptLine(speaker, raw.strip()))
    return lines
