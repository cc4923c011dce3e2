"""The cache's file names, LRU eviction and cap, and the save/scp helpers."""

from __future__ import annotations

import os
import re
import shlex
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rectui.media import MediaCache, readable_name, remote_session, save_to, scp_command
from rectui.media.cache import default_cache_dir
from rectui.plivo.models import Recording

HOSTILE_IDS = [
    "../../etc/passwd",
    "a/b",
    "\x00",
    "..",
    ".",
    "",
    "/abs/path",
    "a\\b",
    "x\nnewline",
    "ünïcødé-ид",
    "\udcff-lone-surrogate",
    "-rf",
    "a" * 5000,
]


@pytest.mark.parametrize("recording_id", HOSTILE_IDS)
def test_hostile_ids_stay_inside_the_cache(tmp_path: Path, recording_id: str):
    cache = MediaCache(tmp_path / "cache")
    for original in (False, True):
        path = cache.path_for(recording_id, "mp3/../../x", original=original)
        assert path.resolve().parent == (tmp_path / "cache").resolve()
        assert "\x00" not in path.name and "/" not in path.name and ".." not in path.name
        assert len(path.name) < 200
        part = cache.part_path(path)
        part.write_bytes(b"data")  # writable, and where we expect it
        cache.commit(part, path)
        assert path.read_bytes() == b"data"
    assert {p.parent for p in (tmp_path / "cache").iterdir()} == {tmp_path / "cache"}
    assert list(tmp_path.iterdir()) == [tmp_path / "cache"]


def test_names_separate_ids_formats_and_variants(tmp_path: Path):
    cache = MediaCache(tmp_path)
    names = {
        cache.path_for("a/b", "mp3"),
        cache.path_for("a_b", "mp3"),  # same sanitised prefix, different id
        cache.path_for("a/b", "wav"),
        cache.path_for("a/b", "mp3", original=True),
    }
    assert len(names) == 4
    assert cache.path_for("c2186400-1c8c", "mp3").name.startswith("c2186400-1c8c-")


def test_default_cache_dir_is_the_platform_user_cache():
    import platformdirs

    assert default_cache_dir() == Path(platformdirs.user_cache_dir("rectui")) / "media"


def fill(cache: MediaCache, name: str, size: int, used: float) -> Path:
    path = cache.path_for(name, "mp3")
    path.write_bytes(b"x" * size)
    os.utime(path, (used, used))
    return path


def test_lru_eviction_under_cap(tmp_path: Path):
    cache = MediaCache(tmp_path, max_bytes=10_000)
    old = fill(cache, "old", 4000, 100)
    mid = fill(cache, "mid", 4000, 200)
    new = fill(cache, "new", 4000, 300)
    assert cache.usage() == 12_000
    assert cache.lookup("old", "mp3") == old  # touching makes "old" the most recent
    assert cache.evict() == [mid]
    assert old.exists() and new.exists() and cache.usage() <= 10_000


def test_pinned_and_just_written_files_survive(tmp_path: Path):
    cache = MediaCache(tmp_path, max_bytes=1000)
    playing = fill(cache, "playing", 800, 100)
    cache.pin(playing)
    os.utime(playing, (100, 100))
    other = fill(cache, "other", 800, 200)
    final = cache.path_for("huge", "mp3")
    part = cache.part_path(final)
    part.write_bytes(b"y" * 5000)  # bigger than the whole cap on its own
    cache.commit(part, final)
    assert final.exists() and playing.exists() and not other.exists()
    cache.unpin(playing)
    cache.max_bytes = 0
    assert not playing.exists() and not final.exists()


def test_eviction_ignores_foreign_files_and_symlinks(tmp_path: Path):
    cache = MediaCache(tmp_path, max_bytes=0)
    (tmp_path / "notes.txt").write_bytes(b"mine" * 100)
    target = tmp_path / "elsewhere.bin"
    target.write_bytes(b"z" * 100)
    link = cache.path_for("linked", "mp3")
    link.symlink_to(target)
    fill(cache, "ours", 100, 1)
    assert len(cache.evict()) == 1
    assert (tmp_path / "notes.txt").exists() and link.is_symlink() and target.exists()


def test_stale_part_files_count_and_are_evicted(tmp_path: Path):
    cache = MediaCache(tmp_path, max_bytes=100)
    part = cache.part_path(cache.path_for("abandoned", "mp3"))
    part.write_bytes(b"p" * 500)
    os.utime(part, (1, 1))
    assert cache.usage() == 500
    assert cache.evict() == [part]


def rec(recording_type: str | None = "conference") -> Recording:
    return Recording(
        recording_id="c2186400/../1c8c",
        add_time=datetime(2026, 11, 20, 15, 4, tzinfo=UTC),
        recording_type=recording_type,
        recording_format="mp3",
    )


def test_readable_name():
    local = datetime(2026, 11, 20, 15, 4, tzinfo=UTC).astimezone().strftime("%Y-%m-%d_%H%M")
    plain = replace(rec(), recording_id="c2186400-1c8c")
    assert readable_name(plain, "mp3") == f"{local}_conference_c2186400-1c8c.mp3"
    # An id that is not a plain name is sanitised, and a hash of it keeps the name unique.
    name = readable_name(rec(None), "wav", original=True)
    assert re.fullmatch(rf"{local}_recording_c2186400_1c8c-[0-9a-f]{{16}}_original\.wav", name)


def test_two_recordings_never_save_over_each_other(tmp_path: Path):
    source = tmp_path / "cached.mp3"
    source.write_bytes(b"ID3 audio")
    twins = [replace(rec(), recording_id=rid) for rid in ("a/b", "a_b", "a\x1bb")]
    saved = {save_to(tmp_path / "out", twin, source) for twin in twins}
    assert len(saved) == 3
    # Private, like downloads and exports: a call recording.
    assert {stat.S_IMODE(path.stat().st_mode) for path in saved} == {0o600}


def test_save_to_creates_dir_and_copies(tmp_path: Path):
    source = tmp_path / "cached.mp3"
    source.write_bytes(b"ID3 audio")
    saved = save_to(tmp_path / "Downloads" / "rectui", rec(), source)
    assert saved.parent == tmp_path / "Downloads" / "rectui"
    assert saved.read_bytes() == b"ID3 audio"
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no temp file left


def test_scp_command():
    line = scp_command("/home/me/Downloads/rectui/a b.mp3", user="me", host="box")
    assert line == "scp 'me@box:/home/me/Downloads/rectui/a b.mp3' ."
    assert shlex.split(line)[1] == "me@box:/home/me/Downloads/rectui/a b.mp3"
    default = scp_command("/tmp/x.mp3")
    assert default.startswith("scp ") and default.endswith(":/tmp/x.mp3 .")


def test_remote_session(monkeypatch):
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    assert remote_session() is False
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
    assert remote_session() is True
