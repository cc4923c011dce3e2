"""Transcripts kept beside the index, and a full-text search over their words (SQLite FTS5).

Its own tables in the account's index file, through its own connection (WAL lets it share the
file with `IndexStore` and with other processes). One row per recording in `transcripts`, one
FTS row per speaker turn in `transcript_lines`, so a hit can show the line that matched.
Stored text is the server's, unsanitised; whatever shows it passes it through `server_text`.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..plivo.transcription import Transcript, TranscriptLine, transcript_lines
from .store import BUSY_TIMEOUT_S, wait_while_busy, write_transaction

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS transcripts (
        recording_id TEXT PRIMARY KEY, text TEXT NOT NULL, cost TEXT, rate TEXT,
        fetched_us INTEGER NOT NULL
    )""",
    # porter: "refunds" finds "refund"; unicode61 folds case and diacritics.
    """CREATE VIRTUAL TABLE IF NOT EXISTS transcript_lines USING fts5(
        text, recording_id UNINDEXED, speaker UNINDEXED, line_no UNINDEXED,
        tokenize = 'porter unicode61'
    )""",
)
_WORD = re.compile(r"\w+")
MAX_HITS = 500


@dataclass(frozen=True, slots=True)
class SearchHit:
    recording_id: str
    speaker: str | None
    line: str
    """The first matching line, as the server sent it."""
    matches: int
    """How many of the recording's lines match."""


@dataclass(frozen=True, slots=True)
class StoredTranscript:
    recording_id: str
    text: str
    cost: Decimal | None
    rate: Decimal | None

    def lines(self) -> list[TranscriptLine]:
        return transcript_lines(self.text)


def fts_query(words: str) -> str | None:
    """Every word must appear in one line, each quoted: no FTS syntax from the user,
    so `refund OR "x` is three words, not an error. None if there is no word at all."""
    tokens = _WORD.findall(words)
    return " ".join(f'"{token}"' for token in tokens) or None


class TranscriptIndex:
    """Stored transcripts of one account's index file. Use from one thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = wait_while_busy(lambda: self._connect(path))

    def _connect(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            with write_transaction(db):
                for statement in _SCHEMA:
                    db.execute(statement)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranscriptIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, transcript: Transcript) -> None:
        """Store a finished transcript (replacing an older one); one in progress is not kept."""
        if not transcript.ready:
            return
        rid = transcript.recording_id
        with write_transaction(self._db):
            self._forget(rid)
            self._db.execute(
                "INSERT INTO transcripts VALUES (?, ?, ?, ?, ?)",
                (
                    rid,
                    transcript.text,
                    None if transcript.cost is None else str(transcript.cost),
                    None if transcript.rate is None else str(transcript.rate),
                    time.time_ns() // 1000,
                ),
            )
            self._db.executemany(
                "INSERT INTO transcript_lines (text, recording_id, speaker, line_no) "
                "VALUES (?, ?, ?, ?)",
                [(ln.text, rid, ln.speaker, n) for n, ln in enumerate(transcript.lines())],
            )

    def forget(self, recording_ids: Sequence[str]) -> None:
        with write_transaction(self._db):
            for rid in recording_ids:
                self._forget(rid)

    def _forget(self, rid: str) -> None:
        self._db.execute("DELETE FROM transcripts WHERE recording_id = ?", (rid,))
        self._db.execute("DELETE FROM transcript_lines WHERE recording_id = ?", (rid,))

    def get(self, recording_id: str) -> StoredTranscript | None:
        row = self._db.execute(
            "SELECT text, cost, rate FROM transcripts WHERE recording_id = ?", (recording_id,)
        ).fetchone()
        if row is None:
            return None
        text, cost, rate = row
        return StoredTranscript(
            recording_id,
            text,
            None if cost is None else Decimal(cost),
            None if rate is None else Decimal(rate),
        )

    def texts(self, recording_ids: Sequence[str]) -> dict[str, str]:
        """recording id -> stored text, for those that have one (export's column)."""
        found: dict[str, str] = {}
        ids = list(recording_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(
                self._db.execute(
                    f"SELECT recording_id, text FROM transcripts WHERE recording_id IN ({marks})",
                    chunk,
                ).fetchall()
            )
        return found

    def last_rate(self) -> Decimal | None:
        """The rate of the transcript fetched last: what the server charges per minute."""
        row = self._db.execute(
            "SELECT rate FROM transcripts WHERE rate IS NOT NULL ORDER BY fetched_us DESC LIMIT 1"
        ).fetchone()
        return None if row is None else Decimal(row[0])

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM transcripts").fetchone()[0])

    def search(self, words: str, *, limit: int = MAX_HITS) -> list[SearchHit]:
        """Recordings whose transcript has every word in one speaker's line, best first."""
        query = fts_query(words)
        if query is None:
            return []
        rows = self._db.execute(
            "SELECT recording_id, speaker, text, count(*) OVER (PARTITION BY recording_id), "
            "row_number() OVER (PARTITION BY recording_id ORDER BY rank, line_no) AS nth "
            "FROM transcript_lines WHERE transcript_lines MATCH ? ORDER BY rank",
            (query,),
        ).fetchall()
        hits = [SearchHit(rid, spk, text, n) for rid, spk, text, n, nth in rows if nth == 1]
        return hits[:limit]
