"""Loading rectui's TOML configuration and the environment into one validated `AppConfig`.

Precedence, most specific first: command-line flags, then the environment (`PLIVO_AUTH_ID`,
`PLIVO_AUTH_TOKEN` as the official SDKs read them, `RECTUI_API_URL`), then the file. Every problem
becomes a `ConfigError` whose text is one line with a hint, never a traceback.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import platformdirs

from .index.sync import DEFAULT_MARGIN
from .listing.columns import COLUMN_NAMES, DEFAULT_COLUMNS
from .plivo.auth import PLIVO_API_URL, Credentials
from .plivo.client import DEFAULT_MAX_CONCURRENCY, PlivoClient
from .plivo.filters import RecordingFilter
from .plivo.ratelimit import RateLimiter, parse_rate
from .plivo.rules import RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS
from .plivo.urls import http_url_problem

APP_NAME = "rectui"
EXAMPLE_HINT = "see config.example.toml, or try `rectui --demo`"

_TOP_KEYS = {"default_profile", "settings", "profiles", "presets", "keymap"}
SETTINGS_KEYS = {"max_requests_in_flight",
    "timezone", "download_dir", "cache_dir", "cache_max_mb", "rate_limit", "index_margin_hours",
    "audio_device", "columns",
}  # fmt: skip
_PROFILE_KEYS = {"auth_id", "auth_token", "api_url", "subaccounts"}
PRESET_KEYS = set(RecordingFilter.field_names()) | {"range"}


class ConfigError(Exception):
    """A configuration problem, phrased as one line the user can act on."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass(frozen=True, slots=True)
class Settings:
    utc: bool = False
    download_dir: Path = field(default_factory=lambda: Path("~/Downloads/rectui").expanduser())
    cache_dir: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)))
    cache_max_bytes: int = 2048 * 1024 * 1024
    rate_limit: tuple[int, float] = (RATE_LIMIT_REQUESTS, RATE_LIMIT_PERIOD_S)
    max_requests_in_flight: int = DEFAULT_MAX_CONCURRENCY
    """The most page requests one listing may keep in flight; it finds its own level below."""
    index_margin: timedelta = DEFAULT_MARGIN
    """How long after a span of add_time ends the index trusts it to gain no recordings."""
    audio_device: str = ""
    """The output device to play on, as the palette lists it; empty: the system's default."""
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    """The table's columns, in order (rectui/listing/columns.py names them)."""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    credentials: Credentials
    api_url: str = PLIVO_API_URL
    subaccount_credentials: dict[str, Credentials] = field(default_factory=dict)

    def credentials_for(self, auth_id: str | None) -> Credentials:
        """A subaccount's own credentials when configured (its media needs them), else ours."""
        return self.subaccount_credentials.get(auth_id or "", self.credentials)


@dataclass(frozen=True, slots=True)
class AppConfig:
    profile: Profile
    settings: Settings = field(default_factory=Settings)
    path: Path | None = None
    profile_names: list[str] = field(default_factory=list)
    presets: dict[str, dict[str, str]] = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma separated), from the [keymap] table: the app applies it."""
    warnings: list[str] = field(default_factory=list)
    """Problems worth telling the user that do not stop the app (e.g. a readable token)."""


def _where(path: Path | None) -> str:
    return str(path) if path else "the configuration"


def _expect(value: Any, kind: type, key: str, path: Path | None) -> Any:
    # bool is an int subclass: `cache_max_mb = true` must not pass as 1.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = {
            str: "a string",
            int: "a whole number",
            dict: "a table",
            bool: "true or false",
            list: "a list",
        }
        wanted = names.get(kind, "a value")
        raise ConfigError(f"{_where(path)}: `{key}` must be {wanted}, not {value!r}")
    return value


def _check_keys(
    table: Mapping[str, Any], allowed: set[str], prefix: str, path: Path | None
) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        listed = ", ".join(f"`{prefix}{k}`" for k in unknown)
        raise ConfigError(
            f"{_where(path)}: unknown key {listed}; allowed: {', '.join(sorted(allowed))}"
        )


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already says "(at line N, column M)".
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None


def _settings(raw: Any, path: Path | None) -> Settings:
    table = _expect(raw, dict, "settings", path)
    _check_keys(table, SETTINGS_KEYS, "settings.", path)
    defaults = Settings()
    timezone = _expect(table.get("timezone", "local"), str, "settings.timezone", path)
    if timezone not in ("local", "utc"):
        raise ConfigError(f'{_where(path)}: `settings.timezone` must be "local" or "utc"')
    download_dir = _expect(table.get("download_dir", ""), str, "settings.download_dir", path)
    cache_dir = _expect(table.get("cache_dir", ""), str, "settings.cache_dir", path)
    cache_mb = _expect(
        table.get("cache_max_mb", defaults.cache_max_bytes // 2**20),
        int,
        "settings.cache_max_mb",
        path,
    )
    if cache_mb < 1:
        raise ConfigError(f"{_where(path)}: `settings.cache_max_mb` must be at least 1")
    rate_text = _expect(table.get("rate_limit", "300/5"), str, "settings.rate_limit", path)
    try:
        rate = parse_rate(rate_text)
    except ValueError as exc:
        raise ConfigError(f"{_where(path)}: `settings.rate_limit`: {exc}") from None
    in_flight = _expect(
        table.get("max_requests_in_flight", defaults.max_requests_in_flight),
        int,
        "settings.max_requests_in_flight",
        path,
    )
    if in_flight < 1:
        raise ConfigError(f"{_where(path)}: `settings.max_requests_in_flight` must be at least 1")
    margin_hours = _expect(
        table.get("index_margin_hours", defaults.index_margin // timedelta(hours=1)),
        int,
        "settings.index_margin_hours",
        path,
    )
    if margin_hours < 1:
        raise ConfigError(f"{_where(path)}: `settings.index_margin_hours` must be at least 1")
    audio_device = _expect(table.get("audio_device", ""), str, "settings.audio_device", path)
    columns = _columns(table.get("columns", list(DEFAULT_COLUMNS)), path)
    return Settings(
        utc=timezone == "utc",
        download_dir=Path(download_dir).expanduser() if download_dir else defaults.download_dir,
        cache_dir=Path(cache_dir).expanduser() if cache_dir else defaults.cache_dir,
        cache_max_bytes=cache_mb * 2**20,
        rate_limit=rate,
        max_requests_in_flight=in_flight,
        index_margin=timedelta(hours=margin_hours),
        audio_device=audio_device.strip(),
        columns=columns,
    )


def _columns(raw: Any, path: Path | None) -> tuple[str, ...]:
    key = "settings.columns"
    names = _expect(raw, list, key, path)
    allowed = ", ".join(COLUMN_NAMES)
    for name in names:
        if name not in COLUMN_NAMES:
            raise ConfigError(f"{_where(path)}: `{key}`: no column {name!r}; columns: {allowed}")
    if not names or len(set(names)) != len(names):
        raise ConfigError(f"{_where(path)}: `{key}` must list columns once each, from: {allowed}")
    return tuple(names)


def _presets(raw: Any, path: Path | None) -> dict[str, dict[str, str]]:
    presets: dict[str, dict[str, str]] = {}
    for name, table in _expect(raw, dict, "presets", path).items():
        _expect(table, dict, f"presets.{name}", path)
        _check_keys(table, PRESET_KEYS, f"presets.{name}.", path)
        presets[name] = {k: _expect(v, str, f"presets.{name}.{k}", path) for k, v in table.items()}
    return presets


def _keymap(raw: Any, path: Path | None) -> dict[str, str]:
    table = _expect(raw, dict, "keymap", path)
    keymap = {
        binding_id: _expect(keys, str, f"keymap.{binding_id}", path).replace(" ", "")
        for binding_id, keys in table.items()
    }
    for binding_id, keys in keymap.items():
        if not keys or "" in keys.split(","):
            raise ConfigError(
                f'{_where(path)}: keymap.{binding_id} must name keys, e.g. "f5" or "r,f5"'
            )
    return keymap


def _profile_token_readable(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def _read(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The file's contents and its path; an absent default file is no error (env may suffice)."""
    explicit = path is not None
    path = path or default_config_path()
    if path.exists():
        return read_toml(path), path
    if explicit:
        raise ConfigError(f"{path}: no such file; {EXAMPLE_HINT}")
    return {}, None


def check_document(
    data: Mapping[str, Any], path: Path | None = None
) -> tuple[Settings, dict[str, dict[str, str]], dict[str, dict[str, Any]]]:
    """Check a configuration document's structure, as read and before it is written back.

    Returns its settings, presets and profile tables. Credentials are not required here: they
    may come from the environment.
    """
    _check_keys(data, _TOP_KEYS, "", path)
    settings = _settings(data.get("settings", {}), path)
    presets = _presets(data.get("presets", {}), path)
    profiles = _expect(data.get("profiles", {}), dict, "profiles", path)
    for name, table in profiles.items():
        _expect(table, dict, f"profiles.{name}", path)
        _check_keys(table, _PROFILE_KEYS, f"profiles.{name}.", path)
    default_name = data.get("default_profile")
    if default_name is not None:
        _expect(default_name, str, "default_profile", path)
        if default_name not in profiles:
            raise ConfigError(f"{_where(path)}: default_profile {default_name!r} is not defined")
    return settings, presets, profiles


def load_settings(path: Path | None = None) -> Settings:
    """Only the [settings] table: what the demo needs from a user's configuration."""
    data, path = _read(path)
    return check_document(data, path)[0]


def load_config(
    path: Path | None = None,
    *,
    profile: str | None = None,
    api_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> AppConfig:
    """Resolve the configuration. `path=None` uses the default path if that file exists."""
    env = os.environ if env is None else env
    data, path = _read(path)
    settings, presets, profiles = check_document(data, path)
    keymap = _keymap(data.get("keymap", {}), path)
    names = list(profiles)
    name = profile or data.get("default_profile") or (names[0] if names else "default")
    if profile and profile not in profiles:
        known = ", ".join(names) or "none"
        raise ConfigError(f"profile {profile!r} is not in {_where(path)} (profiles: {known})")

    table = profiles.get(name, {})
    file_pair = (
        _expect(table.get("auth_id", ""), str, f"profiles.{name}.auth_id", path),
        _expect(table.get("auth_token", ""), str, f"profiles.{name}.auth_token", path),
    )
    env_pair = (env.get("PLIVO_AUTH_ID", ""), env.get("PLIVO_AUTH_TOKEN", ""))
    if any(env_pair) and not all(env_pair):
        raise ConfigError("Set both PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or neither")
    # Credentials travel as a pair: an id from one place with a token from another would send
    # the token to the wrong account. The environment wins over the file, except over a
    # profile named on the command line, which the user asked for explicitly.
    explicit_profile = profile is not None and all(file_pair)
    auth_id, auth_token = file_pair if explicit_profile or not all(env_pair) else env_pair
    if not auth_id or not auth_token:
        missing = "auth id" if not auth_id else "auth token"
        raise ConfigError(
            f"No Plivo {missing}: set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or add them to "
            f"{path or default_config_path()} ({EXAMPLE_HINT})"
        )
    subaccounts = _expect(table.get("subaccounts", {}), dict, f"profiles.{name}.subaccounts", path)
    sub_credentials = {
        sub_id: Credentials(
            sub_id, _expect(tok, str, f"profiles.{name}.subaccounts.{sub_id}", path)
        )
        for sub_id, tok in subaccounts.items()
    }
    url = (
        api_url
        or env.get("RECTUI_API_URL")
        or _expect(table.get("api_url", PLIVO_API_URL), str, f"profiles.{name}.api_url", path)
    )
    if (problem := http_url_problem(url)) is not None:
        raise ConfigError(f"API URL {url!r} cannot be used: {problem}")

    warnings: list[str] = []
    host = httpx.URL(url).host.lower()
    if (
        url.startswith("http://")
        and host not in ("localhost", "::1")
        and not host.startswith("127.")
    ):
        warnings.append(f"{url} is plain HTTP: the auth token crosses the network unencrypted")
    token_in_file = bool(table.get("auth_token") or subaccounts)
    if path is not None and token_in_file and _profile_token_readable(path):
        warnings.append(
            f"{path} holds an auth token and other users can read it: run `chmod 600 {path}`"
        )
    return AppConfig(
        profile=Profile(name, Credentials(auth_id, auth_token), url.rstrip("/"), sub_credentials),
        settings=settings,
        path=path,
        profile_names=names or [name],
        presets=presets,
        keymap=keymap,
        warnings=warnings,
    )


def client_for(config: AppConfig, *, indexed: bool = False, **options: Any) -> PlivoClient:
    """The client for a configuration's profile, with its own rate limiter: the command line,
    the scriptable commands and a profile switch in the app all build theirs here. `indexed`:
    one that writes through to the account's local index (`client.index`). `options` go to
    `PlivoClient` (tests pass quick retries)."""
    if indexed:
        from .index import IndexStore, WriteThroughClient

        store = IndexStore.for_account(
            config.settings.cache_dir, config.profile.credentials.auth_id
        )
        options["index"] = store
        factory: type[PlivoClient] = WriteThroughClient
    else:
        factory = PlivoClient
    return factory(
        config.profile.credentials,
        base_url=config.profile.api_url,
        limiter=RateLimiter(*config.settings.rate_limit),
        max_concurrency=config.settings.max_requests_in_flight,
        **options,
    )
