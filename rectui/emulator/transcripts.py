"""The emulator's Transcription API state: which recordings have a transcript, and its text.

A request is in progress until `delay` seconds have passed on the emulator's clock (a test steps
that clock instead of sleeping), then a success. The text is generated from the recording id, so
it is the same on every run: two speakers taking turns, one turn per few seconds of audio, from
a vocabulary wide enough that a word search finds some calls and not others.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..plivo import pricing

IN_PROGRESS = "in-progress"
SUCCESS = "success"

_TOPICS = (
    "refund", "invoice", "subscription", "router", "password", "delivery", "warranty",
    "upgrade", "cancellation", "outage", "voicemail", "headset", "contract", "discount",
    "appointment", "shipment", "firmware", "billing", "porting", "reservation",
)  # fmt: skip
_NAMES = (
    "Alice", "Bashir", "Chen", "Dolores", "Emeka", "Farah", "Gustavo", "Hiroshi", "Ingrid",
    "Jamal", "Keiko", "Lars", "Meera", "Nikolai", "Olu", "Priya",
)  # fmt: skip
_CITIES = (
    "Austin", "Bangalore", "Cairo", "Denver", "Lisbon", "Madrid", "Nairobi", "Osaka",
    "Seattle", "Toronto", "Warsaw", "Zurich",
)  # fmt: skip
_AGENT = (
    "Thank you for calling, my name is {name}. How can I help you today?",
    "I can see the {topic} on your account from {city}.",
    "Let me check the status of order {number} for you.",
    "I understand, a {topic} like that should not take this long.",
    "I have escalated the {topic} to our team in {city}.",
    "Could you confirm the last four digits, {number}?",
    "Is there anything else I can help you with today?",
    "You should see the {topic} reflected within three business days.",
)
_CALLER = (
    "Hi, I am calling about my {topic}.",
    "It has been a week and the {topic} still has not arrived.",
    "The order number is {number}, it was placed in {city}.",
    "Can I speak to {name}? They handled my {topic} last time.",
    "I would like a {topic}, please, the {other} did not work.",
    "Yes, that is right, {number}.",
    "No, that is all, thank you very much.",
    "Honestly I am thinking about cancelling if the {topic} is not fixed.",
)

SECONDS_PER_TURN = 6
MAX_TURNS = 80


def transcript_text(recording_id: str, duration_ms: float) -> str:
    """Plivo's shape: `"\\nSpeaker 0: …\\nSpeaker 1: …"`, the same for the same recording."""
    rng = random.Random(hashlib.sha256(recording_id.encode()).digest())
    topic = rng.choice(_TOPICS)
    turns = max(2, min(MAX_TURNS, int(duration_ms / 1000 / SECONDS_PER_TURN)))
    parts = []
    for turn in range(turns):
        template = rng.choice(_AGENT if turn % 2 == 0 else _CALLER)
        line = template.format(
            topic=topic if rng.random() < 0.7 else rng.choice(_TOPICS),
            other=rng.choice(_TOPICS),
            name=rng.choice(_NAMES),
            city=rng.choice(_CITIES),
            number=rng.randrange(1000, 99999),
        )
        parts.append(f"\nSpeaker {turn % 2}: {line}")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class TranscriptJob:
    requested_at: float
    """The emulator's clock when it was requested (-inf: there from the start)."""
    text: str | None = None
    """Served instead of the generated text."""


@dataclass(frozen=True, slots=True)
class TranscriptState:
    status: str
    text: str
    cost: Decimal
    rate: Decimal


_DONE = TranscriptJob(float("-inf"))


class TranscriptDesk:
    """Transcripts per recording id; thread-safe (the server runs in its own thread).

    Recordings `pretranscribed` picks have a finished transcript from the start (decided per id
    when asked, so a million recordings cost nothing up front).
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        delay: float,
        rate: Decimal,
        pretranscribed: Callable[[str], bool] = lambda _id: False,
    ):
        self._clock = clock
        self.delay = delay
        """Seconds on the emulator's clock from a request to its transcript."""
        self.rate = rate
        """Dollars per billable minute (pricing.transcription_minutes)."""
        self._defaults = (delay, rate)
        self._pretranscribed = pretranscribed
        self._jobs: dict[str, TranscriptJob] = {}
        self._removed: set[str] = set()
        self._lock = threading.Lock()
        self.requests = 0
        """Transcription requests accepted (each one charged)."""

    def _job(self, recording_id: str) -> TranscriptJob | None:
        job = self._jobs.get(recording_id)
        if job is None and recording_id not in self._removed and self._pretranscribed(recording_id):
            return _DONE
        return job

    def put(self, recording_id: str, text: str) -> None:
        """Serve exactly `text` as the recording's finished transcript (for hostile tests)."""
        with self._lock:
            self._jobs[recording_id] = TranscriptJob(float("-inf"), text)

    def has(self, recording_id: str) -> bool:
        with self._lock:
            return self._job(recording_id) is not None

    def request(self, recording_id: str) -> None:
        """Start one, unless the recording already has one (in progress or done)."""
        with self._lock:
            if self._job(recording_id) is not None:
                return
            self.requests += 1
            self._jobs[recording_id] = TranscriptJob(self._clock())

    def state(self, recording_id: str, duration_ms: float) -> TranscriptState | None:
        with self._lock:
            job = self._job(recording_id)
        if job is None:
            return None
        done = self._clock() - job.requested_at >= self.delay
        text = job.text if job.text is not None else transcript_text(recording_id, duration_ms)
        return TranscriptState(
            SUCCESS if done else IN_PROGRESS,
            text if done else "",
            pricing.transcription_cost(self.rate, duration_ms),
            self.rate,
        )

    def delete(self, recording_id: str) -> bool:
        with self._lock:
            existed = self._job(recording_id) is not None
            self._jobs.pop(recording_id, None)
            self._removed.add(recording_id)
            return existed

    def reset(self) -> None:
        """Back to the constructor's transcripts, delay and rate."""
        with self._lock:
            self.delay, self.rate = self._defaults
            self._jobs.clear()
            self._removed.clear()
            self.requests = 0
