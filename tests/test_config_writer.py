"""Writing the configuration back: presets, settings, profiles and `config init`.

tomli-w cannot keep comments, so a rewritten file loses them; every table, key and value must
survive, and the file must stay private (0600).
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from rectui.config import ConfigError, load_config
from rectui.config_writer import (
    STARTER_CONFIG,
    delete_preset,
    init_config,
    save_preset,
    save_profile,
    set_default_profile,
    set_setting,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text())
    path.chmod(0o644)  # even a file that was too open comes back private
    return path


def test_preset_round_trip_keeps_everything_else(config_file: Path) -> None:
    before = tomllib.loads(config_file.read_text())

    save_preset(
        config_file,
        "uk calls",
        {"from_number": "+447700900123", "range": "30d", "to_number": "", "call_uuid": None},
    )

    after = tomllib.loads(config_file.read_text())
    assert after["presets"]["uk calls"] == {"from_number": "+447700900123", "range": "30d"}
    assert {k: v for k, v in after.items() if k != "presets"} == {
        k: v for k, v in before.items() if k != "presets"
    }
    for name, table in before["presets"].items():
        assert after["presets"][name] == table
    assert mode(config_file) == 0o600
    assert "# " not in config_file.read_text()  # tomli-w drops comments: documented
    config = load_config(config_file, env={})
    assert config.presets["uk calls"]["range"] == "30d"

    assert delete_preset(config_file, "uk calls") is True
    assert delete_preset(config_file, "uk calls") is False
    assert tomllib.loads(config_file.read_text()) == before
    assert mode(config_file) == 0o600


def test_invalid_changes_leave_the_file_alone(config_file: Path) -> None:
    original = config_file.read_bytes()
    with pytest.raises(ConfigError, match="unknown filter"):
        save_preset(config_file, "bad", {"colour": "red"})
    with pytest.raises(ConfigError, match="timezone"):
        set_setting(config_file, "timezone", "mars")
    with pytest.raises(ConfigError, match="unknown setting"):
        set_setting(config_file, "theme", "dark")
    with pytest.raises(ConfigError, match="not defined"):
        set_default_profile(config_file, "nope")
    assert config_file.read_bytes() == original
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["config.toml"]


def test_settings_and_profiles(config_file: Path) -> None:
    set_setting(config_file, "timezone", "utc")
    set_setting(config_file, "cache_max_mb", 64)
    save_profile(
        config_file, "staging", auth_id="MASTAGING", auth_token="tok", api_url="http://127.0.0.1:9"
    )
    set_default_profile(config_file, "staging")

    config = load_config(config_file, env={})
    assert config.settings.utc and config.settings.cache_max_bytes == 64 * 2**20
    assert config.profile.name == "staging" and config.profile.api_url == "http://127.0.0.1:9"
    assert config.profile_names == ["main", "staging"]
    assert load_config(config_file, profile="main", env={}).profile.credentials.auth_id == (
        "MAXXXXXXXXXXXXXXXXXX"
    )
    assert config.warnings == []  # 0600: the token is not readable by others


def test_a_missing_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_preset(path, "billed", {"recording_storage_duration__gt": "90"})
    assert tomllib.loads(path.read_text()) == {
        "presets": {"billed": {"recording_storage_duration__gt": "90"}}
    }
    assert mode(path) == 0o600


def test_writes_through_a_symlink(config_file: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(config_file)
    save_preset(link, "p", {"call_uuid": "abc"})
    assert link.is_symlink()
    assert tomllib.loads(config_file.read_text())["presets"]["p"] == {"call_uuid": "abc"}


def test_init_writes_a_private_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "rectui" / "config.toml"
    assert init_config(path) == path
    assert path.read_text() == STARTER_CONFIG
    assert mode(path) == 0o600

    with pytest.raises(ConfigError, match="--force"):
        init_config(path)
    path.write_text("# mine\n")
    init_config(path, force=True)
    assert path.read_text() == STARTER_CONFIG

    # The starter is valid and asks for credentials only when none are in the environment.
    with pytest.raises(ConfigError, match="PLIVO_AUTH_ID"):
        load_config(path, env={})
    env = {"PLIVO_AUTH_ID": "MAENV", "PLIVO_AUTH_TOKEN": "t"}
    config = load_config(path, env=env)
    assert config.profile.name == "main" and "billed-storage" in config.presets
    assert not os.access(path, os.X_OK)
