"""Writing rectui's configuration back: presets, settings, profiles, and `rectui config init`.

Every change reads the file with tomllib, changes the one table it is about, checks the result
with the same rules `load_config` applies, and writes the whole document with tomli-w to a
temporary file in the same directory (mode 0600) that then replaces the original, so a crash
leaves either the old file or the new one and the token never becomes readable by others.

Other tables and keys survive intact (values, types and order), but tomli-w cannot carry
comments or the original layout over: a rewritten file loses its comments. `config init`
writes the commented starter; later changes from the app drop those comments.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import tomli_w

from .atomic_file import atomic_write
from .config import (
    PRESET_KEYS,
    SETTINGS_KEYS,
    ConfigError,
    check_document,
    default_config_path,
)

DIR_MODE = 0o700

STARTER_CONFIG = """\
# rectui configuration, written by `rectui config init`. Keep it private (chmod 600).
# The environment wins over this file: PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN (as Plivo's SDKs read them)
# and RECTUI_API_URL. Command-line flags (--profile, --api-url, --config) win over both.
# rectui rewrites this file when you save a preset or a setting from the app; it keeps every
# table and key, but comments like these are not preserved by that rewrite.

# The profile used when --profile is not given (default: the first one below).
default_profile = "main"

[settings]
# Show times in "local" time or in "utc". Filters are always entered in UTC, as Plivo wants.
timezone = "local"
# Where downloads go.
download_dir = "~/Downloads/rectui"
# Downloaded media is cached here; empty means the platform's user cache dir (~/.cache/rectui).
cache_dir = ""
# The cache is trimmed, least recently used first, to stay under this many MiB.
cache_max_mb = 2048
# Requests per seconds for the whole account. Plivo allows 300 per 5 s; rectui stays under it.
rate_limit = "300/5"
# The local index (cache_dir/index/<auth id>.sqlite3) trusts a span of add_time to gain no more
# recordings this many hours after it ended, and then proves it unchanged with one request.
index_margin_hours = 48

# One table per account or subaccount. auth_id is MA... for accounts and SA... for subaccounts.
[profiles.main]
# auth_id = "MAXXXXXXXXXXXXXXXXXX"
# auth_token = "your-auth-token"
# Another server speaking Plivo's API, such as a running `rectui emulator`:
# api_url = "http://127.0.0.1:8080"

# With HTTP auth on recordings, a subaccount's media needs that subaccount's own credentials.
# [profiles.main.subaccounts]
# SAXXXXXXXXXXXXXXXXXX = "subaccount-auth-token"

# Saved filters, recalled by name. Keys are the API's filter names; `range` is a quick range
# (24h, 7d, 30d, 90d, 1y). A storage-duration filter cannot be combined with a time range.
[presets.billed-storage]
recording_storage_duration__gt = "90"
"""


# -- reading and writing ------------------------------------------------------------------------


def read_document(path: Path) -> dict[str, Any]:
    """The file as a dict; a missing file is an empty document."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML, not changing it: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text`, completely or not at all, private to its owner."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    with atomic_write(path) as handle:
        handle.write(text)


def update_config(path: Path | None, change: Callable[[dict[str, Any]], None]) -> Path:
    """Read, `change(doc)` in place, validate, write atomically. Returns the path written."""
    path = (path or default_config_path()).expanduser()
    # Write through a symlink to its target rather than replacing the link with a file.
    target = path.resolve() if path.is_symlink() else path
    doc = read_document(target)
    change(doc)
    check_document(doc, target)
    try:
        write_text_atomic(target, tomli_w.dumps(doc))
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    return target


def _table(doc: dict[str, Any], key: str) -> dict[str, Any]:
    table = doc.setdefault(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"`{key}` in the configuration is not a table")
    return table


# -- presets ------------------------------------------------------------------------------------


def save_preset(path: Path | None, name: str, filter_params: Mapping[str, str | None]) -> Path:
    """Save (or replace) a named filter. Keys are RecordingFilter field names or `range`;
    empty values are left out."""
    name = name.strip()
    if not name:
        raise ConfigError("a preset needs a name")
    params = {k: str(v).strip() for k, v in filter_params.items() if v is not None}
    params = {k: v for k, v in params.items() if v}
    unknown = sorted(set(params) - PRESET_KEYS)
    if unknown:
        raise ConfigError(f"preset {name!r}: unknown filter {', '.join(unknown)}")
    if not params:
        raise ConfigError(f"preset {name!r}: no filter values to save")

    def change(doc: dict[str, Any]) -> None:
        _table(doc, "presets")[name] = params

    return update_config(path, change)


def delete_preset(path: Path | None, name: str) -> bool:
    """Remove a preset; False if there was none by that name (the file is then untouched)."""
    target = (path or default_config_path()).expanduser()
    presets = read_document(target).get("presets")
    if not isinstance(presets, dict) or name not in presets:
        return False

    def change(doc: dict[str, Any]) -> None:
        _table(doc, "presets").pop(name, None)
        if not doc["presets"]:
            del doc["presets"]

    update_config(target, change)
    return True


# -- settings and profiles ----------------------------------------------------------------------


def set_setting(path: Path | None, key: str, value: str | int) -> Path:
    """Set one `[settings]` key (validated as load_config would: e.g. timezone local/utc)."""
    if key not in SETTINGS_KEYS:
        raise ConfigError(f"unknown setting {key!r}; settings: {', '.join(sorted(SETTINGS_KEYS))}")

    def change(doc: dict[str, Any]) -> None:
        _table(doc, "settings")[key] = value

    return update_config(path, change)


def save_profile(
    path: Path | None,
    name: str,
    *,
    auth_id: str | None = None,
    auth_token: str | None = None,
    api_url: str | None = None,
) -> Path:
    """Create or update a profile; keys given as None are left as they are."""
    if not name.strip():
        raise ConfigError("a profile needs a name")
    values = {"auth_id": auth_id, "auth_token": auth_token, "api_url": api_url}

    def change(doc: dict[str, Any]) -> None:
        profile = _table(doc, "profiles").setdefault(name, {})
        profile.update({k: v for k, v in values.items() if v is not None})

    return update_config(path, change)


def set_default_profile(path: Path | None, name: str) -> Path:
    def change(doc: dict[str, Any]) -> None:
        doc["default_profile"] = name

    return update_config(path, change)


# -- config init --------------------------------------------------------------------------------


def init_config(path: Path | None = None, *, force: bool = False) -> Path:
    """Write the commented starter configuration (mode 0600). Refuses to replace an existing
    file unless `force`."""
    target = (path or default_config_path()).expanduser()
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; use --force to replace it")
    try:
        write_text_atomic(target, STARTER_CONFIG)
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    return target
