"""Media from the Plivo emulator over real HTTP: download, media auth (main account and
subaccount), truncated bodies resumed with Range, the original variant, and playing the result
through the real ALSA path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from audio_helpers import ffmpeg_pcm, file_sink_config, read_sink, run_helper

from rectui.emulator import LoggedRequest, RunningEmulator
from rectui.media import (
    DownloadIncompleteError,
    MediaCache,
    MediaStore,
    OriginalNotAvailableError,
    probe,
    waveform,
)
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.errors import AuthenticationError
from rectui.plivo.models import Recording


def pick(
    emu: RunningEmulator,
    *,
    fmt: str | None = None,
    owner: str | None = None,
    accept: Callable[[Recording], bool] = lambda r: True,
) -> Recording:
    """A short recording (media is synthesised on first request: keep tests quick)."""
    rows = sorted(emu.emulator.store.snapshot(owner), key=lambda r: r.duration_ms)
    for row in rows:
        if row.duration_s < 5 or (fmt and row.recording_format != fmt):
            continue
        rec = Recording.from_api(emu.emulator.recording_object(row.recording_id, emu.base_url))
        if accept(rec):
            return rec
    raise AssertionError("no recording fits")


def make_store(emu: RunningEmulator, tmp_path: Path, **kwargs: object) -> MediaStore:
    client = PlivoClient(Credentials(emu.auth_id, emu.auth_token), base_url=emu.base_url)
    return MediaStore(client, MediaCache(tmp_path / "cache"), **kwargs)  # type: ignore[arg-type]


def media_requests(emu: RunningEmulator, rec: Recording) -> list[LoggedRequest]:
    suffix = f"/{rec.recording_id}.{rec.recording_format}"
    return [r for r in emu.emulator.request_log if r.path.endswith(suffix)]


async def test_download_matches_server_bytes_and_decodes(emulator: RunningEmulator, tmp_path: Path):
    store = make_store(emulator, tmp_path)
    for fmt in ("mp3", "wav"):
        rec = pick(emulator, fmt=fmt)
        progress: list[tuple[int, int | None]] = []
        path = await store.fetch(rec, progress=lambda d, t, seen=progress: seen.append((d, t)))
        assert path.read_bytes() == httpx.get(rec.recording_url).content
        assert progress[-1] == (path.stat().st_size, path.stat().st_size)
        info = probe(path)
        assert info.duration == pytest.approx(rec.duration_s, abs=0.2)
        peaks = waveform(path, 50)
        assert len(peaks) == 50 and max(peaks) > 0
    await store.client.aclose()


async def test_media_auth_main_and_subaccount(emulator: RunningEmulator, tmp_path: Path):
    emulator.emulator.media_auth = True
    sub = emulator.subaccounts[0]
    mine = pick(emulator, owner=emulator.auth_id)
    theirs = pick(emulator, owner=sub.auth_id)
    store = make_store(emulator, tmp_path)
    assert (await store.fetch(mine)).stat().st_size > 0
    with pytest.raises(AuthenticationError) as caught:
        await store.fetch(theirs)  # the main account's credentials do not open it
    assert emulator.auth_id in str(caught.value) and emulator.auth_token not in str(caught.value)
    assert "HTTP auth on recordings is on" in str(caught.value)
    store.credentials_for = {sub.auth_id: Credentials(sub.auth_id, sub.auth_token)}
    path = await store.fetch(theirs)
    await store.client.aclose()
    assert path.read_bytes() == httpx.get(theirs.recording_url, auth=tuple(sub)).content


async def test_truncated_download_resumes_with_range(emulator: RunningEmulator, tmp_path: Path):
    rec = pick(emulator, fmt="wav")
    whole = httpx.get(rec.recording_url).content
    emulator.emulator.request_log.clear()
    emulator.emulator.truncate_media_for(rec.recording_id, keep_bytes=len(whole) // 3)
    store = make_store(emulator, tmp_path)
    with pytest.raises(DownloadIncompleteError):
        await store.fetch(rec)
    final = store.path_for(rec)
    assert not final.exists()
    assert store.cache.part_path(final).stat().st_size == len(whole) // 3
    path = await store.fetch(rec)
    await store.client.aclose()
    assert path.read_bytes() == whole
    assert [r.status for r in media_requests(emulator, rec)] == [200, 206]


async def test_original_variant(emulator: RunningEmulator, tmp_path: Path):
    rec = pick(emulator, fmt="mp3")
    store = make_store(emulator, tmp_path)
    default = await store.fetch(rec)
    original = await store.fetch(rec, original=True)
    assert original != default and original.read_bytes() != default.read_bytes()
    assert [r.query for r in media_requests(emulator, rec)] == [{}, {"type": "original"}]
    other = pick(emulator, fmt="mp3", accept=lambda r: r.recording_id != rec.recording_id)
    emulator.emulator.fail_next(other.recording_id, status=404, error="not found")
    with pytest.raises(OriginalNotAvailableError, match="pre-denoise"):
        await store.fetch(other, original=True)
    await store.client.aclose()


async def test_emulator_recording_plays_through_alsa(emulator: RunningEmulator, tmp_path: Path):
    store = make_store(emulator, tmp_path)
    path = await store.fetch(pick(emulator, fmt="mp3"))
    await store.client.aclose()
    config, out = file_sink_config(tmp_path)
    answer, stderr = run_helper("play", str(path), alsa_config=config)
    assert answer["state"] == "finished", answer
    info = probe(path)
    assert read_sink(out) == ffmpeg_pcm(path, info.playback_rate, info.playback_channels)
    assert stderr == ""
