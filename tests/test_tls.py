"""https through a real TLS server on loopback (a certificate made by openssl, in front of the
emulator): verified against what the environment trusts, refused when nothing trusts it, and
the trusted certificates never read by a session on plain http."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from app_helpers import no_sleep, serve

from rectui.emulator import RunningEmulator
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.errors import NetworkError

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="dev.sh installs openssl")


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    with serve(seed=5) as served:
        yield served


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@contextlib.asynccontextmanager
async def tls_front(emu: RunningEmulator, certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    """An https base URL whose TLS ends here and whose bytes go on to the emulator."""
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(*certificate)
    host, port = emu.base_url.removeprefix("http://").split(":")

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_side)
    try:
        yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


def client(emu: RunningEmulator, base_url: str, *, max_retries: int = 0) -> PlivoClient:
    credentials = Credentials(emu.auth_id, emu.auth_token)
    return PlivoClient(credentials, base_url=base_url, max_retries=max_retries, sleep=no_sleep)


async def first_page(emu: RunningEmulator, base_url: str) -> list[str]:
    async with client(emu, base_url) as plivo:
        page = await plivo.list_recordings()
    return [rec.recording_id for rec in page.recordings]


async def test_https_is_verified_against_the_certificates_the_environment_trusts(
    emu: RunningEmulator, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # instead of certifi's, as in httpx
    async with tls_front(emu, certificate) as url:
        assert await first_page(emu, url) == await first_page(emu, emu.base_url)


async def test_a_server_nothing_trusts_is_refused_in_one_line(
    emu: RunningEmulator, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    async with tls_front(emu, certificate) as url, client(emu, url) as plivo:
        with pytest.raises(NetworkError) as caught:
            await plivo.list_recordings()
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


async def test_a_session_on_plain_http_never_reads_the_trusted_certificates(
    emu: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading them costs 20-40 ms of CPU per client; a file that is not there shows any read.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    assert await first_page(emu, emu.base_url)


async def test_trusted_certificates_that_cannot_be_read_are_one_line_and_not_retried(
    emu: RunningEmulator,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "missing.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    async with tls_front(emu, certificate) as url:
        # Retries on, as the app has them: this machine's setup is not a server to wait for.
        plivo = client(emu, url, max_retries=3)
        notices: list[object] = []
        plivo.on_retry = notices.append
        async with plivo:
            with pytest.raises(NetworkError) as caught:
                await plivo.list_recordings()
    assert str(caught.value) == (
        f"Cannot read the trusted certificates {missing} (No such file or directory); "
        "set SSL_CERT_FILE or SSL_CERT_DIR to readable ones"
    )
    assert notices == []


async def test_https_media_on_a_plain_http_session_is_verified_when_it_is_first_asked_for(
    emu: RunningEmulator, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The API on http, the media behind TLS (as Plivo's media host is another host): the trust
    # is read at that request, not when the client was built nor at the first API request.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    async with tls_front(emu, certificate) as url, client(emu, emu.base_url) as plivo:
        recording = (await plivo.list_recordings()).recordings[0]
        plain = recording.recording_url
        secure = url + "/" + plain.split("/", 3)[3]

        async def media(at: str) -> bytes:
            async with plivo.stream_media(at) as response:
                return b"".join([chunk async for chunk in response.aiter_bytes()])

        assert (await media(secure)) == (await media(plain))
