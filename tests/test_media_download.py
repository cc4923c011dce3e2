"""Downloads over real HTTP on loopback: progress, resume, length checks, auth and its host rule."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from media_server import MediaServer

from rectui import file_lock
from rectui.media import (
    DownloadBusyError,
    DownloadIncompleteError,
    MediaCache,
    MediaStore,
    MediaUnavailableError,
    OriginalNotAvailableError,
    media_url,
)
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.errors import AuthenticationError
from rectui.plivo.models import Recording

MAIN = Credentials("MA" + "A" * 18, "main-token-secret")
SUB = Credentials("SA" + "B" * 18, "sub-token-secret")
BODY = os.urandom(300_000)


def recording(url: str, recording_id: str = "rec-1", fmt: str = "mp3") -> Recording:
    return Recording(
        recording_id=recording_id,
        add_time=datetime(2026, 11, 20, 15, 4, tzinfo=UTC),
        recording_type="conference",
        recording_format=fmt,
        recording_url=url,
    )


@pytest.fixture
def server() -> Iterator[MediaServer]:
    srv = MediaServer(files={f"/v1/Account/{MAIN.auth_id}/Recording/rec-1.mp3": BODY})
    yield srv
    srv.close()


@pytest.fixture
def other_host() -> Iterator[MediaServer]:
    """A second server on another loopback address: a storage bucket, not the API host."""
    srv = MediaServer(host="127.0.0.2", files={"/recordings_2013/rec-1.mp3": BODY})
    yield srv
    srv.close()


def media_path(server: MediaServer) -> str:
    return server.url(f"/v1/Account/{MAIN.auth_id}/Recording/rec-1.mp3")


async def make_store(server: MediaServer, tmp_path: Path, **kwargs: object) -> MediaStore:
    client = PlivoClient(MAIN, base_url=server.base_url)
    return MediaStore(client, MediaCache(tmp_path / "cache"), **kwargs)  # type: ignore[arg-type]


def basic_user(headers: dict[str, str]) -> str | None:
    value = headers.get("Authorization")
    if not value:
        return None
    return base64.b64decode(value.split()[1]).decode().partition(":")[0]


async def test_download_streams_to_cache_with_progress(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    seen: list[tuple[int, int | None]] = []
    path = await store.fetch(
        recording(media_path(server)), progress=lambda d, t: seen.append((d, t))
    )
    await store.client.aclose()
    assert path.read_bytes() == BODY
    assert path.parent == store.cache.directory
    assert not store.cache.part_path(path).exists()
    assert seen[0] == (0, len(BODY)) and seen[-1] == (len(BODY), len(BODY))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    # A second fetch is served from the cache: no request.
    count = len(server.requests)
    assert await store.fetch(recording(media_path(server))) == path
    assert len(server.requests) == count


async def test_truncated_body_keeps_part_then_resumes_with_range(
    server: MediaServer, tmp_path: Path
):
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    final = store.path_for(rec)
    server.cut_next = 100_000
    with pytest.raises(DownloadIncompleteError) as caught:
        await store.fetch(rec)
    assert "try again to resume" in str(caught.value)
    part = store.cache.part_path(final)
    assert not final.exists(), "an incomplete download must never look whole"
    assert part.stat().st_size == 100_000
    path = await store.fetch(rec)
    await store.client.aclose()
    assert server.requests[-1].headers.get("Range") == "bytes=100000-"
    assert path.read_bytes() == BODY
    assert not part.exists()


async def test_an_error_whose_body_breaks_off_is_told_by_its_status_and_not_sent_again(
    server: MediaServer, tmp_path: Path
):
    store = await make_store(server, tmp_path)
    server.cut_next = 5  # of the 404's body
    with pytest.raises(MediaUnavailableError, match="HTTP 404"):
        await store.fetch(recording(server.url(f"/v1/Account/{MAIN.auth_id}/Recording/gone.mp3")))
    await store.client.aclose()
    assert len(server.requests) == 1


async def test_server_ignoring_range_restarts_from_zero(server: MediaServer, tmp_path: Path):
    server.ranges = False
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    server.cut_next = 50_000
    with pytest.raises(DownloadIncompleteError):
        await store.fetch(rec)
    path = await store.fetch(rec)
    await store.client.aclose()
    assert server.requests[-1].headers.get("Range") == "bytes=50000-"  # asked, got 200
    assert path.read_bytes() == BODY


async def test_partial_longer_than_file_gets_416_and_restarts(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    part = store.cache.part_path(store.path_for(rec))
    part.write_bytes(b"x" * (len(BODY) + 10))  # e.g. the file changed on the server
    path = await store.fetch(rec)
    await store.client.aclose()
    assert path.read_bytes() == BODY


async def test_cancelled_download_keeps_part_and_resumes(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    server.stall_after = 120_000
    progress: list[int] = []
    task = asyncio.create_task(store.fetch(rec, progress=lambda d, t: progress.append(d)))
    await asyncio.to_thread(server.stalled.wait, 10)
    deadline = time.monotonic() + 30
    while not progress or progress[-1] < 120_000:  # the stalled bytes are on their way
        assert time.monotonic() < deadline, f"the first 120,000 bytes never arrived: {progress}"
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    server.release.set()
    part = store.cache.part_path(store.path_for(rec))
    assert part.stat().st_size == 120_000
    assert not store.path_for(rec).exists()
    path = await store.fetch(rec)
    await store.client.aclose()
    assert server.requests[-1].headers.get("Range") == "bytes=120000-"
    assert path.read_bytes() == BODY


async def test_media_auth_uses_account_credentials(server: MediaServer, tmp_path: Path):
    server.auth = (MAIN.auth_id, MAIN.auth_token)
    store = await make_store(server, tmp_path)
    path = await store.fetch(recording(media_path(server)))
    await store.client.aclose()
    assert path.read_bytes() == BODY
    assert basic_user(server.requests[-1].headers) == MAIN.auth_id


async def test_rejected_media_auth_names_auth_id_never_token(server: MediaServer, tmp_path: Path):
    server.auth = (MAIN.auth_id, "another-token")
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    with pytest.raises(AuthenticationError) as caught:
        await store.fetch(rec)
    await store.client.aclose()
    message = str(caught.value)
    assert "HTTP auth on recordings is on" in message and MAIN.auth_id in message
    assert MAIN.auth_token not in message
    assert not store.cache.part_path(store.path_for(rec)).exists()


async def test_subaccount_recording_uses_subaccount_credentials(
    server: MediaServer, tmp_path: Path
):
    path_ = f"/v1/Account/{SUB.auth_id}/Recording/rec-9.mp3"
    server.files[path_] = BODY
    server.auth = (MAIN.auth_id, MAIN.auth_token)
    server.accounts = {SUB.auth_id: SUB.auth_token}
    store = await make_store(server, tmp_path, credentials_for={SUB.auth_id: SUB})
    await store.fetch(recording(server.url(path_), "rec-9"))
    # The callable form too.
    store.credentials_for = lambda rec: SUB if rec.recording_id == "rec-8" else None
    server.files[path_.replace("rec-9", "rec-8")] = BODY
    await store.fetch(recording(server.url(path_.replace("rec-9", "rec-8")), "rec-8"))
    await store.client.aclose()
    assert [basic_user(r.headers) for r in server.requests] == [SUB.auth_id, SUB.auth_id]


async def test_credentials_never_sent_to_another_host(
    server: MediaServer, other_host: MediaServer, tmp_path: Path
):
    store = await make_store(server, tmp_path)
    url = other_host.url("/recordings_2013/rec-1.mp3")
    path = await store.fetch(recording(url))
    assert path.read_bytes() == BODY
    assert "Authorization" not in other_host.requests[-1].headers
    # If that host wants auth, the message says the auth id was not sent there.
    other_host.auth = (MAIN.auth_id, MAIN.auth_token)
    with pytest.raises(AuthenticationError) as caught:
        await store.fetch(recording(url, "rec-2"))
    await store.client.aclose()
    assert "not sent to this host" in str(caught.value)
    assert all("Authorization" not in r.headers for r in other_host.requests)


async def test_original_variant_query_and_cache_key(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    original = await store.fetch(rec, original=True)
    default = await store.fetch(rec)
    await store.client.aclose()
    assert original != default and ".original." in original.name
    assert server.requests[0].query == {"type": ["original"]}
    assert server.requests[1].query == {}


async def test_original_variant_missing_says_so(server: MediaServer, tmp_path: Path):
    server.original_missing = True
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    with pytest.raises(OriginalNotAvailableError) as caught:
        await store.fetch(rec, original=True)
    await store.client.aclose()
    assert str(caught.value) == (
        "the original (pre-denoise) recording is not available for this recording"
    )
    assert list(store.cache.directory.iterdir()) == []


async def test_missing_media_is_a_clear_error(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    with pytest.raises(MediaUnavailableError, match="no media for this recording"):
        await store.fetch(recording(server.url("/nothing.mp3")))
    with pytest.raises(MediaUnavailableError, match="no media URL"):
        await store.fetch(recording(""))
    await store.client.aclose()


async def test_concurrent_fetches_of_one_file_download_once(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    paths = await asyncio.gather(*(store.fetch(rec) for _ in range(3)))
    await store.client.aclose()
    assert len(set(paths)) == 1 and paths[0].read_bytes() == BODY
    assert len(server.requests) == 1


async def test_download_evicts_older_files_over_cap(server: MediaServer, tmp_path: Path):
    for name in ("a", "b", "c"):
        server.files[f"/m/{name}.mp3"] = BODY
    store = await make_store(server, tmp_path)
    store.cache.max_bytes = 2 * len(BODY)
    a = await store.fetch(recording(server.url("/m/a.mp3"), "a"))
    b = await store.fetch(recording(server.url("/m/b.mp3"), "b"))
    os.utime(a, (1, 1))  # a used longest ago...
    os.utime(b, (2, 2))
    assert store.cached(recording("", "a")) == a  # ...until used again now
    c = await store.fetch(recording(server.url("/m/c.mp3"), "c"))
    await store.client.aclose()
    assert a.exists() and c.exists() and not b.exists()


def test_media_url_original_appends_to_existing_query():
    rec = recording("https://media.plivo.com/v1/Account/MA1/Recording/x.mp3")
    assert media_url(rec) == rec.recording_url
    assert media_url(rec, original=True).endswith("/x.mp3?type=original")
    with_query = recording("https://h/x.mp3?sig=a%2Fb&type=default")
    assert media_url(with_query, original=True) == "https://h/x.mp3?sig=a%2Fb&type=original"


async def test_save_copies_with_readable_name(server: MediaServer, tmp_path: Path):
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    with pytest.raises(MediaUnavailableError, match="not been downloaded"):
        store.save_to(tmp_path / "dl", rec)
    saved = await store.save(rec, tmp_path / "dl")
    await store.client.aclose()
    assert saved.parent == tmp_path / "dl"
    local = rec.add_time.astimezone().strftime("%Y-%m-%d_%H%M")
    assert saved.name == f"{local}_conference_rec-1.mp3"
    assert saved.read_bytes() == BODY
    assert store.save_to(tmp_path / "dl", rec) == saved  # again: same name, replaced


async def test_second_process_downloading_same_file_is_refused(
    server: MediaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import fcntl

    monkeypatch.setattr(file_lock, "LOCK_WAIT_S", 0.1)  # the holder is not letting go
    store = await make_store(server, tmp_path)
    rec = recording(media_path(server))
    part = store.cache.part_path(store.path_for(rec))
    with part.open("wb") as other:  # another rectui holds the lock on this .part
        other.write(b"partial")
        other.flush()
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with pytest.raises(DownloadBusyError, match="another rectui"):
            await store.fetch(rec)
        assert part.read_bytes() == b"partial"  # untouched
    path = await store.fetch(rec)  # once released, resumed from its 7 bytes
    await store.client.aclose()
    assert server.requests[-1].headers.get("Range") == "bytes=7-"
    assert path.read_bytes()[7:] == BODY[7:]
