"""`rectui emulator`: serve the Recording API emulator in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import gc
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from types import FrameType

from ..plivo.ratelimit import parse_rate
from .data import DEFAULT_UTC_OFFSET, format_offset, read_data_file
from .server import Emulator
from .threaded import base_url_of, bind_socket, make_server

DEFAULT_PORT = 8042


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rectui emulator",
        description=(
            "Serve a local emulation of Plivo's Recording API (listing, get, delete, media) "
            "over generated or given recordings."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument("--auth-id", help="main account auth id (default: from the seed)")
    parser.add_argument("--auth-token", help="main account auth token (default: from the seed)")
    parser.add_argument("--seed", type=int, default=0, help="seed for accounts and data")
    parser.add_argument("--count", type=_non_negative_int, default=1000, help="recordings")
    parser.add_argument(
        "--latency-ms", type=_non_negative_float, default=0.0, help="delay every response"
    )
    parser.add_argument(
        "--rate-limit",
        metavar="N/SECONDS",
        type=_rate,
        help="allow N requests per SECONDS per account, then answer 429 (Plivo: 300/5)",
    )
    parser.add_argument(
        "--media-auth",
        action="store_true",
        help="require HTTP basic auth (the owning account's) for media downloads",
    )
    parser.add_argument(
        "--data", metavar="FILE.json", help="serve these recording objects instead of generating"
    )
    parser.add_argument(
        "--subaccounts", type=_non_negative_int, default=2, help="number of subaccounts"
    )
    parser.add_argument(
        "--now",
        metavar="'YYYY-MM-DD HH:MM'",
        type=_utc_moment,
        help="freeze the server's clock at this UTC moment; generated data is relative to it",
    )
    parser.add_argument(
        "--utc-offset",
        metavar="±HH:MM",
        type=_utc_offset,
        default=DEFAULT_UTC_OFFSET,
        help="the offset add_time is written in, e.g. --utc-offset=-08:00 (default +05:30, as "
        "Plivo's fixtures); "
        "filters stay UTC",
    )
    parser.add_argument(
        "--numbers-as-strings",
        action="store_true",
        help='write storage numbers as the docs do ("209", "0.0004") instead of as JSON '
        "numbers like the SDK fixtures",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _utc_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("use YYYY-MM-DD HH:MM[:SS], in UTC") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_offset(text: str) -> timedelta:
    match = re.fullmatch(r"([+-])(\d\d):?(\d\d)", text.strip())
    if match is None or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise argparse.ArgumentTypeError("use ±HH:MM, e.g. +05:30 or -08:00")
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))


def _rate(text: str) -> tuple[int, float]:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _banner(emulator: Emulator, base_url: str, source: str, frozen: bool) -> str:
    main = emulator.account
    rate = emulator.rate_limit
    lines = [
        f"Plivo Recording API emulator at {base_url}",
        f"  main account  {main.auth_id}  token {main.auth_token}",
        *(f"  subaccount    {s.auth_id}  token {s.auth_token}" for s in emulator.subaccounts),
        f"  recordings    {source}",
        "  media auth    "
        + ("on (each recording needs its owner's credentials)" if emulator.media_auth else "off"),
        f"  rate limit    {f'{rate[0]} requests / {rate[1]:g} s per account' if rate else 'off'}",
        f"  latency       {emulator.latency_ms:g} ms",
        f"  add_time      {format_offset(emulator.style.utc_offset)}; storage figures as "
        + ("strings (the docs)" if emulator.style.numbers_as_strings else "numbers (the SDKs)"),
        *([f"  clock         frozen at {emulator.now:%Y-%m-%d %H:%M:%S} UTC"] if frozen else []),
        f"  try: curl -u {main.auth_id}:{main.auth_token} "
        f"{base_url}/v1/Account/{main.auth_id}/Recording/",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.auth_id is None) != (args.auth_token is None):
        parser.error("give --auth-id and --auth-token together")
    data = None
    if args.data:
        try:
            data = read_data_file(args.data)
        except (OSError, ValueError) as exc:
            parser.error(f"--data: {exc}")
    try:
        emulator = Emulator(
            seed=args.seed,
            count=args.count,
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            media_auth=args.media_auth,
            data=data,
            auth_id=args.auth_id,
            auth_token=args.auth_token,
            subaccount_count=args.subaccounts,
            now=args.now,
            utc_offset=args.utc_offset,
            numbers_as_strings=args.numbers_as_strings,
        )
    except ValueError as exc:
        parser.error(str(exc))
    # The recordings live as long as the server: out of the collector's way, a full collection
    # no longer walks all of them (at 1,000,000 that made the first requests 4× slower).
    gc.collect()
    gc.freeze()
    for warning in emulator.data_warnings:
        print(f"rectui emulator: warning: --data: {warning}", file=sys.stderr)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"rectui emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    if data is not None:
        source = f"{len(emulator.store)} from {args.data}"
    else:
        source = f"{len(emulator.store)} generated (seed {args.seed})"
    print(_banner(emulator, base_url_of(sock), source, args.now is not None), flush=True)

    def stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it; end like Ctrl+C then.
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        make_server(emulator, quiet=args.quiet).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        emulator.close()
    return 0
