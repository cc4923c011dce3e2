"""The palette's "Audio output device": list the devices, play on the one chosen, and keep it
as `audio_device` in the configuration. A narrow controller beside `Playback`, whose player it
switches and whose bar says what happened.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING

from textual.command import SimpleCommand

from rectui.config import ConfigError
from rectui.config_writer import set_setting
from rectui.error_text import one_line
from rectui.server_text import safe_text

from .workers import start_worker

if TYPE_CHECKING:
    from .playback import Playback


class AudioDevices:
    def __init__(self, playback: Playback) -> None:
        self.playback = playback

    def choose(self) -> None:
        """List the output devices in the palette (looking for them may take a moment)."""
        start_worker(self.playback.bar, self._choose, group="audio-devices", exclusive=True)

    def use(self, device: str | None) -> None:
        """Play on `device` (None: the system's default), and keep it in the configuration."""
        playback = self.playback
        if playback.player is None:
            return
        playback.player.set_device(device)
        where = device or "the default output"
        path = playback.session.config.path
        if path is None:
            playback.say(f"Playing on {where}")
            return
        try:
            set_setting(path, "audio_device", device or "")
        except (ConfigError, OSError) as exc:
            playback.say(f"Playing on {where}; not saved: {one_line(exc)}", "warning")
        else:
            playback.say(f"Playing on {where} (saved as audio_device in {path})")

    async def _choose(self) -> None:
        playback = self.playback
        player = playback.player
        if player is None:
            return
        names = await asyncio.to_thread(player.devices)
        if not names:
            output = player.output
            reason = f" ({output[1]})" if output is not None and not output[0] else ""
            playback.say(f"No audio output devices found{reason}", "warning")
            return
        current = player.device

        def mark(name: str | None) -> str:
            return "in use" if name == current else ""

        commands = [SimpleCommand("System default", lambda: self.use(None), mark(None))]
        commands += [
            SimpleCommand(safe_text(name), functools.partial(self.use, name), mark(name))
            for name in names
        ]
        if current is not None and current not in names:
            playback.say(f"{current} is not connected now", "warning")
        await playback.bar.app.search_commands(commands, placeholder="Audio output device…")
