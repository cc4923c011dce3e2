"""Command line entry point: the TUI by default, plus the emulator and scriptable commands."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import __version__
from .atomic_file import atomic_write
from .config import (
    AppConfig,
    ConfigError,
    Profile,
    Settings,
    client_for,
    load_config,
    load_settings,
)
from .plivo.auth import Credentials

DEMO_COUNT = 5000
DEMO_SEED = 2026


def _tui_parser() -> argparse.ArgumentParser:
    from .commands.parser import command_summaries

    commands = [*command_summaries(), ("emulator", "serve the built-in Plivo API emulator")]
    width = max(len(name) for name, _ in commands)
    parser = argparse.ArgumentParser(
        prog="rectui",
        description="Browse, play and clean up Plivo call recordings from the terminal.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands (no TUI; `rectui COMMAND --help` shows each one's options and "
        "examples):\n"
        + "\n".join(f"  {name:<{width}}  {summary}" for name, summary in commands)
        + "\n\nexamples:\n  rectui --demo\n  rectui --profile work\n"
        "  rectui list --since 7d --format csv > week.csv",
    )
    parser.add_argument("--version", action="version", version=f"rectui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open against a built-in emulator with sample data"
    )
    parser.add_argument("--config", type=Path, help="configuration file (TOML)")
    parser.add_argument("--profile", help="profile from the configuration file")
    parser.add_argument("--api-url", help="API base URL, e.g. a running `rectui emulator`")
    return parser


def _demo_config(
    base_url: str,
    credentials: Credentials,
    settings: Settings,
    subaccounts: Iterable[tuple[str, str]] = (),
) -> AppConfig:
    # The demo keeps its media apart so that it never mixes with a real account's cache.
    demo_settings = replace(settings, cache_dir=settings.cache_dir / "demo")
    # Media auth is on in the demo: a subaccount's recordings need its own credentials, as a
    # real profile's [profiles.NAME.subaccounts] table provides them.
    subs = {auth_id: Credentials(auth_id, token) for auth_id, token in subaccounts}
    profile = Profile("demo", credentials, base_url, subs)
    return AppConfig(profile=profile, settings=demo_settings)


DEMO_HISTORY_DAYS = 30
"""The demo keeps the same recordings (and port) this long, so that its second start opens from
the local index; then it makes a fresh history."""


def _demo_state(state_dir: Path) -> tuple[datetime, int] | None:
    """(end of the demo's history, its port) from the last demo start, if still current."""
    try:
        state = json.loads((state_dir / "demo-state.json").read_text())
        history_end = datetime.fromisoformat(state["history_end"])
        port = int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if datetime.now(UTC) - history_end > timedelta(days=DEMO_HISTORY_DAYS):
        return None
    return history_end, port


def _save_demo_state(
    state_dir: Path,
    history_end: datetime,
    base_url: str,
    previous: tuple[datetime, int] | None,
    auth_id: str,
) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    if previous != (history_end, port):
        # The demo index describes another history or names another port in its media URLs.
        from .index import IndexStore, index_path

        IndexStore.discard(index_path(state_dir, auth_id))
    state_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(state_dir / "demo-state.json") as handle:
        json.dump({"history_end": history_end.isoformat(), "port": port}, handle)


def run_tui(argv: list[str]) -> int:
    args = _tui_parser().parse_args(argv)
    try:
        if args.demo:
            settings = load_settings(args.config)
        else:
            config = load_config(args.config, profile=args.profile, api_url=args.api_url)
    except ConfigError as exc:
        print(f"rectui: {exc}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        if args.demo:
            from .emulator import Emulator, run_emulator_in_thread

            state_dir = settings.cache_dir / "demo"
            previous = _demo_state(state_dir)
            history_end, port = previous or (datetime.now(UTC), 0)
            emulator = Emulator(
                seed=DEMO_SEED,
                count=DEMO_COUNT,
                media_auth=True,
                rate_limit=(300, 5.0),
                generated_at=history_end,
            )
            # The emulator's rows live as long as the app: keep the collector from rescanning
            # them on every full collection (visible as pauses while scrolling).
            gc.freeze()
            stack.callback(emulator.close)  # its generated media, once the server has stopped
            try:
                base_url = stack.enter_context(run_emulator_in_thread(emulator, port=port))
            except OSError:  # the last port is taken now
                base_url = stack.enter_context(run_emulator_in_thread(emulator))
            auth_id, auth_token = emulator.account
            config = _demo_config(
                base_url, Credentials(auth_id, auth_token), settings, emulator.subaccounts
            )
            _save_demo_state(state_dir, history_end, base_url, previous, auth_id)

        from .media import native_stderr_to
        from .ui.app import RectuiApp

        # C libraries (PortAudio when a device goes away) must not print over the TUI.
        stack.enter_context(native_stderr_to(config.settings.cache_dir / "stderr.log"))
        from .index import IndexUnavailable

        try:
            client = client_for(config, indexed=True)
        except IndexUnavailable as exc:
            print(f"rectui: {exc}", file=sys.stderr)
            return 1
        app = RectuiApp(config, client, demo=args.demo)
        app.run()
    return app.return_code or 0  # 1 if it stopped on an error (Textual has shown it)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["emulator"]:
        from .emulator.cli import main as emulator_main

        return emulator_main(argv[1:])
    from .commands import is_command

    if is_command(argv):
        from .commands import main as commands_main

        return commands_main(argv)
    return run_tui(argv)
