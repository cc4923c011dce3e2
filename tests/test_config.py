"""Configuration: every mistake a user can make ends in one clear line, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rectui.config import ConfigError, client_for, load_config
from rectui.plivo.auth import Credentials

TOKEN = "s3cr3t-token-value-xyz"
ENV: dict[str, str] = {}


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_profile_from_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
default_profile = "prod"
[settings]
timezone = "utc"
cache_max_mb = 10
rate_limit = "100/5"
max_requests_in_flight = 12
[profiles.prod]
auth_id = "MAXXXXXXXXXXXXXXXXXX"
auth_token = "{TOKEN}"
[profiles.prod.subaccounts]
SAYYYYYYYYYYYYYYYYYY = "sub-token"
[profiles.staging]
auth_id = "MAZZZZZZZZZZZZZZZZZZ"
auth_token = "other"
api_url = "http://127.0.0.1:8080/"
""",
    )
    config = load_config(path, env=ENV)
    assert config.profile.name == "prod"
    assert config.profile.credentials.auth_id == "MAXXXXXXXXXXXXXXXXXX"
    assert config.profile.api_url == "https://api.plivo.com"
    assert config.profile.credentials_for("SAYYYYYYYYYYYYYYYYYY").auth_token == "sub-token"
    assert config.profile.credentials_for("SAunknown").auth_id == "MAXXXXXXXXXXXXXXXXXX"
    assert config.settings.utc and config.settings.cache_max_bytes == 10 * 2**20
    assert config.settings.rate_limit == (100, 5.0)
    assert client_for(config).max_concurrency == 12  # every listing's ceiling
    assert config.profile_names == ["prod", "staging"]
    assert config.warnings == []
    assert TOKEN not in repr(config)

    staging = load_config(path, profile="staging", env=ENV)
    assert staging.profile.api_url == "http://127.0.0.1:8080"


def test_a_profile_named_on_the_command_line_wins_over_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[profiles.a]\nauth_id = "MAFILE"\nauth_token = "file"\napi_url = "http://10.0.0.5:8080"\n',
    )
    env = {"PLIVO_AUTH_ID": "MAENV", "PLIVO_AUTH_TOKEN": "env"}
    named = load_config(path, profile="a", env=env)
    assert named.profile.credentials == Credentials("MAFILE", "file")
    assert any("plain HTTP" in w for w in named.warnings)
    with pytest.raises(ConfigError, match="both"):
        load_config(path, env={"PLIVO_AUTH_ID": "MAENV"})


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.a]\nauth_id = "MAFILE"\nauth_token = "file"\n')
    env = {"PLIVO_AUTH_ID": "MAENV", "PLIVO_AUTH_TOKEN": "env", "RECTUI_API_URL": "http://x:1"}
    config = load_config(path, env=env)
    assert config.profile.credentials.auth_id == "MAENV"
    assert config.profile.api_url == "http://x:1"
    assert load_config(path, env=env, api_url="http://y:2").profile.api_url == "http://y:2"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[profiles.a\nauth_id = 1", "line 1"),
        ('[profiles.a]\nauth_id = "MA"\nauth_token = "t"\ncolour = "red"\n', "profiles.a.colour"),
        ('[settings]\ncache_max_mb = "big"\n', "settings.cache_max_mb"),
        ("[settings]\ncache_max_mb = true\n", "settings.cache_max_mb"),
        ('[settings]\ntimezone = "mars"\n', "settings.timezone"),
        ('[settings]\nrate_limit = "fast"\n', "settings.rate_limit"),
        ("[settings]\nmax_requests_in_flight = 0\n", "settings.max_requests_in_flight"),
        ('[profiles.a]\nauth_id = "MA"\n', "No Plivo auth token"),
        ('default_profile = "nope"\n', "nope"),
        ('[profiles.a]\nauth_id = "MA"\nauth_token = "t"\napi_url = "ftp://x"\n', "http"),
    ],
)
def test_mistakes_give_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env=ENV)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_missing_file_and_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", env=ENV)
    path = write(tmp_path, '[profiles.a]\nauth_id = "MA"\nauth_token = "t"\n')
    with pytest.raises(ConfigError, match="profiles: a"):
        load_config(path, profile="b", env=ENV)


def test_token_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path, f'[profiles.a]\nauth_id = "MA"\nauth_token = "{TOKEN}"\n', mode=0o644)
    config = load_config(path, env=ENV)
    assert len(config.warnings) == 1 and "chmod 600" in config.warnings[0]
    assert TOKEN not in config.warnings[0]


def test_example_config_loads(tmp_path: Path) -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    config = load_config(example, env=ENV)
    assert config.profile.name == "main"


def test_cli_reports_config_errors_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[profiles\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "RECTUI_"))}
    result = subprocess.run(
        [sys.executable, "-m", "rectui", "--config", str(path)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("rectui: ") and "not valid TOML" in result.stderr
    assert result.stderr.count("\n") == 1


def test_keymap_table_is_read_and_checked(tmp_path: Path) -> None:
    base = '[profiles.main]\nauth_id = "MAAAAAAAAAAAAAAAAAAA"\nauth_token = "t"\n'
    path = write(tmp_path, base + '[keymap]\n"main.refresh" = "f5, r"\n')
    assert load_config(path, env=ENV).keymap == {"main.refresh": "f5,r"}
    for bad in ('"main.refresh" = ""', '"main.refresh" = 5', '"main.refresh" = "f5,,r"'):
        with pytest.raises(ConfigError, match=r"keymap\.main\.refresh"):
            load_config(write(tmp_path, base + f"[keymap]\n{bad}\n"), env=ENV)
