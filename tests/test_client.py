"""The API client against the emulator over real loopback HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from clocks import stepped_limiter

from rectui.emulator import Emulator, RunningEmulator, run_emulator_in_thread
from rectui.plivo.auth import Credentials, account_in_url, media_credentials_allowed
from rectui.plivo.client import PlivoClient
from rectui.plivo.errors import (
    AuthenticationError,
    BadResponseError,
    MethodNotAllowedError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.ratelimit import RateLimiter


async def no_sleep(_seconds: float) -> None:
    """Backoff without waiting: the retry logic is under test, not the clock."""


def make_client(running: RunningEmulator, **kwargs) -> PlivoClient:
    kwargs.setdefault("sleep", no_sleep)
    kwargs.setdefault("limiter", stepped_limiter())
    return PlivoClient(
        Credentials(running.auth_id, running.auth_token), base_url=running.base_url, **kwargs
    )


def api_requests(running: RunningEmulator, method: str = "GET") -> list:
    return [r for r in running.emulator.request_log if r.method == method]


async def test_list_first_page_is_the_default_seven_days_newest_first(emulator) -> None:
    now = emulator.emulator.clock()
    async with make_client(emulator) as client:
        page = await client.list_recordings()
    assert page.meta.limit == 20 and page.meta.offset == 0
    assert 0 < len(page.recordings) <= 20
    assert all(now - r.add_time <= timedelta(days=7) for r in page.recordings)
    times = [r.add_time for r in page.recordings]
    assert times == sorted(times, reverse=True)
    (logged,) = emulator.emulator.request_log
    assert logged.query == {"limit": "20", "offset": "0"}


async def test_every_filter_reaches_the_server_as_given(emulator) -> None:
    flt = RecordingFilter(
        from_number="+14155550123", to_number="sip:a@phone.plivo.com", subaccount="SAX",
        call_uuid="cu", add_time__gt="2026-11-01 00:00", add_time__lte="2026-11-20 00:00:00.5",
        mpc_name="m", mpc_uuid="mu", conference_name="c", conference_uuid="cfu",
        limit="5", offset="10",
    )  # fmt: skip
    async with make_client(emulator) as client:
        page = await client.list_recordings(flt)
    assert page.recordings == []
    assert emulator.emulator.request_log[-1].query == flt.to_params()


async def test_pagination_follows_offsets_without_overlap(emulator) -> None:
    start = emulator.emulator.clock() - timedelta(days=29)
    flt = RecordingFilter().with_time_range(start, None)
    async with make_client(emulator) as client:
        first = await client.list_recordings(flt.with_values(limit="20", offset="0"))
        second = await client.list_recordings(flt.with_values(limit="20", offset="20"))
    assert first.meta.total_count == second.meta.total_count > 40
    assert first.meta.next is not None and "offset=20" in first.meta.next
    ids = [r.recording_id for r in first.recordings + second.recordings]
    assert len(set(ids)) == 40
    assert first.recordings[-1].add_time >= second.recordings[0].add_time


async def test_get_and_delete_semantics(emulator) -> None:
    async with make_client(emulator) as client:
        page = await client.list_recordings()
        target = page.recordings[0]
        fetched = await client.get_recording(target.recording_id)
        assert fetched.recording_id == target.recording_id
        assert fetched.recording_duration_ms == target.recording_duration_ms
        assert await client.delete_recording(target.recording_id) is True
        assert await client.delete_recording(target.recording_id) is False  # 404: already gone
        with pytest.raises(NotFoundError, match="not found"):
            await client.get_recording(target.recording_id)
    deletes = [r.status for r in api_requests(emulator, "DELETE")]
    assert deletes == [204, 404]


async def test_delete_after_a_lost_response_counts_as_done(emulator) -> None:
    async with make_client(emulator) as client:
        target = (await client.list_recordings()).recordings[0]
        emulator.emulator.fail_next(target.recording_id, status=503, method="DELETE")
        assert await client.delete_recording(target.recording_id) is True
        other = (await client.list_recordings()).recordings[0]
        # The server deletes, then the connection drops: the retry meets a 404.
        emulator.emulator.drop_connection_for(other.recording_id)
        assert await client.delete_recording(other.recording_id) in (True, False)
        with pytest.raises(NotFoundError):
            await client.get_recording(other.recording_id)


async def test_validation_error_carries_the_servers_text(emulator) -> None:
    now = emulator.emulator.clock()
    flt = RecordingFilter().with_time_range(now - timedelta(days=40), now)
    async with make_client(emulator) as client:
        with pytest.raises(ValidationError) as info:
            await client.list_recordings(flt)
    assert "30" in str(info.value) and "\n" not in str(info.value)
    assert len(api_requests(emulator)) == 1, "a 400 is not retried"


async def test_wrong_token_is_an_authentication_error_that_never_shows_the_token(emulator):
    bad = PlivoClient(Credentials(emulator.auth_id, "wrong-token-123"), base_url=emulator.base_url)
    async with bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.list_recordings()
    assert "401" in str(info.value)
    assert "wrong-token-123" not in str(info.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, ServerError), (503, ServerError), (405, MethodNotAllowedError)],
)  # 429: test_rate_learning (retried until no progress is made for a while)
async def test_error_statuses_map_to_their_exception(emulator, status, error) -> None:
    emulator.emulator.fail_next("/Recording/", status=status, times=None, error="boom")
    async with make_client(emulator, max_retries=2) as client:
        with pytest.raises(error) as info:
            await client.list_recordings()
    assert "boom" in str(info.value)
    retried = status in (500, 503)
    assert len(api_requests(emulator)) == (3 if retried else 1)


async def test_transient_failures_are_retried(emulator) -> None:
    emulator.emulator.fail_next("/Recording/", status=500, times=2)
    async with make_client(emulator) as client:
        page = await client.list_recordings()
    assert page.recordings
    assert [r.status for r in api_requests(emulator)] == [500, 500, 200]


async def test_retry_after_is_honoured(emulator) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    emulator.emulator.fail_next("/Recording/", status=429, headers={"Retry-After": "3"})
    async with make_client(emulator, sleep=record) as client:
        await client.list_recordings()
    assert waits == [3.0]


async def test_dropped_connection_is_retried_then_reported(emulator) -> None:
    emulator.emulator.drop_connection_for("/Recording/", times=None)
    async with make_client(emulator, max_retries=1) as client:
        with pytest.raises(NetworkError) as info:
            await client.list_recordings()
    assert "Cannot reach" in str(info.value) or "did not answer" in str(info.value)


async def test_network_down_is_one_clear_line() -> None:
    client = PlivoClient(Credentials("MAX", "t"), base_url="http://127.0.0.1:9", sleep=no_sleep)
    async with client:
        with pytest.raises(NetworkError) as info:
            await client.list_recordings()
    assert str(info.value).startswith("Cannot reach 127.0.0.1:9")


async def test_a_body_that_is_not_json(emulator) -> None:
    emulator.emulator.fail_next("/Recording/", status=200, body="<html>maintenance</html>")
    async with make_client(emulator) as client:
        with pytest.raises(BadResponseError, match="not answer with JSON"):
            await client.list_recordings()


async def test_malformed_objects_are_skipped_and_reported(tmp_path: Path) -> None:
    good = {"recording_id": "good", "add_time": "2026-11-24 10:00:00+00:00", "recording_format": "mp3",
            "recording_duration_ms": "1000.00000"}  # fmt: skip
    bad = {"recording_id": "broken", "add_time": "last tuesday"}
    emulator = Emulator(data=[good, bad], now=None)
    with run_emulator_in_thread(emulator) as base_url:
        running = RunningEmulator(base_url, emulator)
        flt = RecordingFilter(add_time__gte="2026-11-01 00:00", add_time__lt="2026-11-30 00:00")
        async with make_client(running) as client:
            page = await client.list_recordings(flt)
    assert [r.recording_id for r in page.recordings] == ["good"]
    assert [m.recording_id for m in page.malformed] == ["broken"]


async def test_limiter_keeps_a_burst_under_the_servers_limit(emulator) -> None:
    emulator.emulator.rate_limit = (10, 1.0)
    limiter = RateLimiter(10, 1.0)
    async with make_client(emulator, limiter=limiter, max_retries=0) as client:
        await asyncio.gather(*(client.list_recordings() for _ in range(25)))
    logged = api_requests(emulator)
    statuses = [r.status for r in logged]
    # It logged 35 once in a full run, most likely because the server counted the first ten
    # more than a period late (test_rate_learning reproduces that); say what they were.
    assert len(statuses) == 25 and 429 not in statuses, [
        (r.path, r.query, r.status) for r in logged
    ]


async def test_without_the_limiter_the_same_burst_meets_429(emulator) -> None:
    """The control for the test above: the server really does enforce its limit."""
    emulator.emulator.rate_limit = (10, 1.0)
    async with make_client(
        emulator, limiter=RateLimiter(1000, 1.0), max_retries=0, stall_seconds=0.0
    ) as client:
        results = await asyncio.gather(
            *(client.list_recordings() for _ in range(25)), return_exceptions=True
        )
    assert any(isinstance(r, RateLimitedError) for r in results)


async def test_media_stream_uses_basic_auth_on_the_api_host(emulator) -> None:
    emulator.emulator.media_auth = True
    owners = {a.auth_id: Credentials(*a) for a in [emulator.account, *emulator.subaccounts]}
    async with make_client(emulator) as client:
        recordings = (await client.list_recordings()).recordings
        by_sub = next(r for r in recordings if account_in_url(r.recording_url) != emulator.auth_id)
        by_main = next(r for r in recordings if account_in_url(r.recording_url) == emulator.auth_id)
        async with client.stream_media(by_main.recording_url) as response:
            body = b"".join([chunk async for chunk in response.aiter_bytes()])
            length = int(response.headers["content-length"])
        # A subaccount's media needs the subaccount's own credentials, as Plivo documents.
        with pytest.raises(AuthenticationError, match=emulator.auth_id):
            async with client.stream_media(by_sub.recording_url):
                pass
        owner = owners[account_in_url(by_sub.recording_url) or ""]
        async with client.stream_media(by_sub.recording_url, credentials=owner) as response:
            assert response.status_code == 200
    assert len(body) == length > 0
    assert httpx.get(by_main.recording_url, auth=emulator.auth).content == body
    assert httpx.get(by_main.recording_url).status_code == 401


async def test_media_credentials_never_go_to_another_host(emulator) -> None:
    emulator.emulator.media_auth = True
    async with make_client(emulator) as client:
        rec = (await client.list_recordings()).recordings[0]
        # Same server, other host name: a stand-in for a storage bucket's URL.
        foreign = rec.recording_url.replace("127.0.0.1", "localhost")
        with pytest.raises(AuthenticationError) as info:
            async with client.stream_media(foreign):
                pass
    assert "not sent to this host" in str(info.value)
    assert emulator.auth_token not in str(info.value)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8042/v1/Account/MA1/Recording/x.mp3", True),
        ("http://127.0.0.1:9999/v1/Account/MA1/Recording/x.mp3", False),
        ("https://127.0.0.1:8042/x.mp3", False),
        ("https://media.plivo.com/v1/Account/MA1/Recording/x.mp3", True),
        ("http://media.plivo.com/v1/Account/MA1/Recording/x.mp3", False),
        ("http://s3.amazonaws.com/recordings_2013/x.mp3", False),
        ("not a url", False),
    ],
)
def test_credentials_only_go_to_the_api_origin_and_plivos_media_host(url, allowed) -> None:
    assert media_credentials_allowed(url, "http://127.0.0.1:8042") is allowed


async def test_media_on_a_kept_alive_connection_the_server_closed_is_fetched_again() -> None:
    """The server drops an idle connection just as the client reuses it (their keep-alive
    timeouts race): nothing was answered, so the GET goes again on a new connection. The
    server here answers the first request of each connection and closes on the second."""
    body = b"ID3" + bytes(997)
    requests_seen: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = len(requests_seen)
        requests_seen.append(0)
        while await reader.readuntil(b"\r\n\r\n"):
            requests_seen[connection] += 1
            if requests_seen[connection] > 1:
                break  # closed without a response, as an idle timeout would
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/Account/MA0000000000000000AA/Recording/x.mp3"
    client = PlivoClient(Credentials("MA0000000000000000AA", "token"), base_url=url)
    try:
        for _ in range(2):
            async with client.stream_media(url) as response:
                assert await response.aread() == body
    finally:
        await client.aclose()
        server.close()
    assert requests_seen == [2, 1]  # the second GET died with the first connection, then went again
