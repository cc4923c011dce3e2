"""`rectui transcript ID` and `rectui search WORDS`: transcripts beside the audio.

A transcript fetched is stored in the local index, so `search` answers from it alone (no
request). Requesting one is charged, so `--request` first says what it will cost.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from ..config import AppConfig
from ..index import index_path
from ..index.transcripts import TranscriptIndex
from ..plivo import pricing
from ..plivo.client import PlivoClient
from ..plivo.transcription import Transcript, TranscriptLine
from ..server_text import safe_json, safe_text
from .errors import EXIT_NOT_FOUND, EXIT_OK
from .output import Output

WAIT_POLL_S = 2.0


def add_parsers(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    transcript = command("transcript", "show, request or delete a recording's transcript")
    transcript.add_argument("id", metavar="ID")
    action = transcript.add_mutually_exclusive_group()
    action.add_argument(
        "--request", action="store_true", help="ask Plivo to transcribe it (charged per minute)"
    )
    action.add_argument("--delete", action="store_true", help="delete its transcript")
    transcript.add_argument(
        "--wait", action="store_true", help="with --request: wait until it is ready, then show it"
    )
    transcript.add_argument("--format", choices=("text", "json"), default="text")

    search = command("search", "recordings whose stored transcript has every one of WORDS")
    search.add_argument("words", nargs="+", metavar="WORD")
    search.add_argument("--format", choices=("table", "json"), default="table", help="json: lines")


def open_transcripts(config: AppConfig) -> TranscriptIndex:
    auth_id = config.profile.credentials.auth_id
    return TranscriptIndex(index_path(config.settings.cache_dir, auth_id))


def speaker_label(line: TranscriptLine) -> str:
    return f"Speaker {safe_text(line.speaker)}" if line.speaker is not None else "—"


def transcript_json(transcript: Transcript) -> dict[str, Any]:
    return {
        "recording_id": transcript.recording_id,
        "status": transcript.status,
        "cost": None if transcript.cost is None else str(transcript.cost),
        "rate": None if transcript.rate is None else str(transcript.rate),
        "recording_duration_ms": transcript.recording_duration_ms,
        "transcription": transcript.text,
        "lines": [{"speaker": ln.speaker, "text": ln.text} for ln in transcript.lines()],
    }


def _print_transcript(io: Output, transcript: Transcript, fmt: str) -> None:
    if fmt == "json":
        io.out.write(safe_json(transcript_json(transcript)) + "\n")
        return
    for line in transcript.lines():
        io.out.write(f"{speaker_label(line)}: {safe_text(line.text)}\n")


async def _request(client: PlivoClient, config: AppConfig, io: Output, recording_id: str) -> None:
    rec = await client.get_recording(recording_id)
    with open_transcripts(config) as stored:
        rate = stored.last_rate() or pricing.TRANSCRIPTION_RATE
    cost = f" (charged {pricing.transcription_charge_text(rec.recording_duration_ms, rate)})"
    message = await client.request_transcription(recording_id)
    io.message(f"{recording_id}: {message}{cost}")


async def cmd_transcript(
    args: argparse.Namespace, config: AppConfig, io: Output, client: PlivoClient
) -> int:
    async with client:
        if args.delete:
            deleted = await client.delete_transcription(args.id)
            with open_transcripts(config) as stored:
                stored.forget([args.id])
            done = "deleted the transcript of" if deleted else "there was no transcript of"
            io.message(f"{done} {args.id}")
            return EXIT_OK
        if args.request:
            await _request(client, config, io, args.id)
            if not args.wait:
                return EXIT_OK
        transcript = await client.get_transcription(args.id)
        while args.wait and transcript is not None and not transcript.ready:
            await asyncio.sleep(WAIT_POLL_S)
            transcript = await client.get_transcription(args.id)
    if transcript is None:
        io.message(f"{args.id} has no transcript yet (`rectui transcript {args.id} --request`)")
        return EXIT_NOT_FOUND
    if not transcript.ready:
        io.message(f"{args.id}: transcription {safe_text(transcript.status or 'in progress')}")
        if args.format == "json":
            io.out.write(safe_json(transcript_json(transcript)) + "\n")
        return EXIT_OK
    with open_transcripts(config) as stored:
        stored.put(transcript)
    _print_transcript(io, transcript, args.format)
    return EXIT_OK


async def cmd_search(args: argparse.Namespace, config: AppConfig, io: Output) -> int:
    words = " ".join(args.words)
    with open_transcripts(config) as stored:
        hits = stored.search(words)
        total = stored.count()
    if not hits:
        io.message(f"no stored transcript has {words!r} ({total} transcripts stored)")
        return EXIT_NOT_FOUND
    for hit in hits:
        if args.format == "json":
            record = {
                "recording_id": hit.recording_id,
                "speaker": hit.speaker,
                "line": hit.line,
                "matches": hit.matches,
            }
            io.out.write(safe_json(record) + "\n")
        else:
            speaker = "—" if hit.speaker is None else f"Speaker {hit.speaker}"
            io.out.write(
                f"{safe_text(hit.recording_id)}  {safe_text(speaker)}: {safe_text(hit.line)}\n"
            )
    return EXIT_OK
