"""Command line entry point: the TUI by default, plus the emulator and scriptable commands."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from . import __version__
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

            emulator = Emulator(
                seed=DEMO_SEED, count=DEMO_COUNT, media_auth=True, rate_limit=(300, 5.0)
            )
            # The emulator's rows live as long as the app: keep the collector from rescanning
            # them on every full collection (visible as pauses while scrolling).
            gc.freeze()
            stack.callback(emulator.close)  # its generated media, once the server has stopped
            base_url = stack.enter_context(run_emulator_in_thread(emulator))
            auth_id, auth_token = emulator.account
            config = _demo_config(
                base_url, Credentials(auth_id, auth_token), settings, emulator.subaccounts
            )

        from .media import native_stderr_to
        from .ui.app import RectuiApp

        # C libraries (PortAudio when a device goes away) must not print over the TUI.
        stack.enter_context(native_stderr_to(config.settings.cache_dir / "stderr.log"))
        RectuiApp(config, client_for(config), demo=args.demo).run()
    return 0


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
