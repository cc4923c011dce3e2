"""Profiles and presets on the main screen: switching to another profile of the configuration
(a new client and session, the marks dropped) and saving the filter as a preset."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rectui.config import ConfigError, default_config_path, load_config
from rectui.config_writer import save_preset as write_preset
from rectui.index import IndexUnavailable

from .screens.dialogs import PromptScreen
from .workers import start_worker

if TYPE_CHECKING:
    from .screens.main import MainScreen


def switch_profile(screen: MainScreen, name: str) -> None:
    session = screen.session
    if name == session.config.profile.name:
        session.note(f"Already using profile {name}")
        return
    if screen.triage.busy_refusal():
        return
    try:
        config = load_config(session.config.path, profile=name)
        client = screen.client_factory(config)
    except (ConfigError, IndexUnavailable) as exc:
        session.note(f"Cannot switch profile: {exc}", "error")
        return
    for warning in config.warnings:
        session.note(warning, "warning")
    old = session.client
    client.on_retry = old.on_retry  # retry notices go on
    screen.use_session(session.with_account(config, client))
    screen.table.clear_marks()  # ids of another account
    screen.triage.forget_last_run()
    screen.header.set_identity(client.credentials.auth_id, config.profile.name)
    screen.load(screen.session.spec)
    start_worker(screen, old.aclose, group="close-client")
    screen.session.note(f"Switched to profile {name} ({client.credentials.auth_id})")


def save_preset(screen: MainScreen) -> None:
    session = screen.session
    path = session.config.path or default_config_path()
    if session.demo:
        session.note(
            "Demo mode: presets are not saved. With a configuration file they go to "
            f"[presets.NAME] in {path}",
            "warning",
        )
        return
    spec = session.spec
    params = spec.to_preset()

    def named(name: str | None) -> None:
        if not name:
            return
        try:
            written = write_preset(path, name, params)
        except ConfigError as exc:
            screen.session.note(f"Preset not saved: {exc}", "error")
            return
        config = screen.session.config
        replaced = name in config.presets
        presets = {**config.presets, name: params}
        config = replace(config, presets=presets, path=written)
        screen.use_session(screen.session.with_account(config, screen.session.client))
        verb = "Replaced" if replaced else "Saved"
        screen.session.note(f"{verb} preset “{name}” in {written}")

    screen.app.push_screen(
        PromptScreen(
            "Save filter as preset",
            f"Name for the filter “{spec.summary()}”",
            placeholder="e.g. billed storage",
            note=(
                f"Written to [presets.NAME] in {path}; the rest of the file is kept "
                "(comments are not). The palette lists it as “Preset: NAME”."
            ),
        ),
        named,
    )
