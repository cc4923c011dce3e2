"""The async Recording API client: one httpx connection pool, retries, and the shared limiter."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from .auth import PLIVO_API_URL, Credentials, media_credentials_allowed
from .errors import (
    AuthenticationError,
    BadResponseError,
    InvalidIdError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    error_for_status,
)
from .filters import RecordingFilter
from .http_pools import HttpPools
from .models import MAX_NUMBER_TEXT, MalformedRecord, Meta, Recording, RecordingPage
from .ratelimit import RateLimiter
from .tls import TrustUnreadable
from .transcription import Transcript
from .urls import http_url_problem

RETRY_STATUSES = frozenset({500, 502, 503, 504})
"""Retried with backoff, if the request is idempotent (a 429 is its own case: STALL_SECONDS)."""
DEFAULT_MAX_CONCURRENCY = 64
"""The most page requests one listing keeps in flight (it probes its way up to it)."""
STALL_SECONDS = 30.0
"""A request refused with 429 is sent again, unreported, until the client has gone this long
without any answer that was not a 429 or a 5xx: only then is it an error (RateLimitedError)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one HTTP attempt ended, for callers that adapt to the server (retries are attempts
    of their own)."""

    status: int | None
    """The HTTP status, or None when no answer came (a dropped connection, a timeout)."""
    sent: float
    """time.monotonic() when it was sent, after the rate limiter let it go."""
    answered: float

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


AttemptObserver = Callable[[Attempt], None]
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def _server_error_text(response: httpx.Response) -> tuple[str, str | None]:
    """The `error` text and api_id of an error body, tolerating bodies that are not JSON."""
    try:
        body = parse_json(response)
    except ValueError:
        return response.text.strip()[:200], None
    if isinstance(body, dict):
        error = body.get("error") or body.get("message") or ""
        if isinstance(error, dict):  # Plivo sometimes nests errors per field
            error = "; ".join(f"{k}: {v}" for k, v in error.items())
        return str(error)[:200], body.get("api_id")
    return str(body)[:200], None


def _bounded_int(text: str) -> int | str:
    # A 5000-digit integer would make the whole page unreadable (Python refuses to convert it);
    # kept as text, only its field is unavailable (models.py bounds every number).
    return int(text) if len(text) <= MAX_NUMBER_TEXT else text


def _finite_float(text: str) -> float | str:
    # 1e400 would be inf, which JSON output cannot hold; kept as the server's text instead.
    number = float(text)
    return number if math.isfinite(number) else text


def parse_json(response: httpx.Response) -> Any:
    """The body as JSON, numbers bounded (see _bounded_int); raises ValueError if not JSON."""
    try:
        return response.json(
            parse_int=_bounded_int, parse_float=_finite_float, parse_constant=lambda text: text
        )
    except RecursionError:  # `[[[[…` nested beyond Python's stack
        raise ValueError("JSON nested too deeply") from None


def _json_body(response: httpx.Response) -> Any:
    try:
        return parse_json(response)
    except ValueError:
        snippet = " ".join(response.text.split())[:80]
        raise BadResponseError(
            f"The server did not answer with JSON (HTTP {response.status_code}): {snippet!r}"
        ) from None


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class RetryNotice:
    reason: str
    """One line: why the last attempt failed."""
    attempt: int
    """The attempt about to be made (2 for the first retry)."""
    attempts: int

    def __str__(self) -> str:
        return f"{self.reason}; retrying, attempt {self.attempt} of {self.attempts}"


def recording_id_problem(recording_id: str) -> str | None:
    """Why `recording_id` cannot be one recording's path segment, or None if it can."""
    if not recording_id:
        return "it is empty"
    if recording_id in (".", ".."):
        return "it is a relative path"
    if "/" in recording_id or "\\" in recording_id:
        return "it contains a path separator"
    if not recording_id.isprintable():
        return "it contains control characters"
    return None


def check_recording_id(recording_id: str) -> None:
    if (problem := recording_id_problem(recording_id)) is not None:
        raise InvalidIdError(f"recording id {recording_id!r} refused: {problem}")


_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""How a connection the server closed while idle fails when it is reused (the client's and
the server's keep-alive timeouts race: both are often 5 s)."""


class PlivoClient:
    """Talks to Plivo (or the emulator). Every request, media included, passes the limiter."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str = PLIVO_API_URL,
        limiter: RateLimiter | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        stall_seconds: float = STALL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        """`max_retries` bounds the retries of a 5xx or a lost answer; a 429 is retried (the
        limiter slowing down) until `stall_seconds` pass on `clock` without progress."""
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter or RateLimiter()
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self.stall_seconds = stall_seconds
        self._clock = clock
        self._progress_at = float("-inf")
        """When the last answer that was neither a 429 nor a 5xx arrived (on `clock`)."""
        self.on_retry: Callable[[RetryNotice], None] | None = None
        """Called (on the event loop) before each retry of an API request (not after a 429:
        the limiter absorbs those)."""
        self.on_http: Callable[[str, str, int | None, float], None] | None = None
        """Hears every HTTP attempt: (method, URL, status or None if none came, milliseconds)."""
        self.retrying = 0
        """How many requests are being retried right now (a UI offers to stop waiting)."""
        self.max_concurrency = max_concurrency
        """Read by each Listing as its ceiling (settings.max_requests_in_flight)."""
        self._http = HttpPools(
            connections=max_concurrency, timeout=timeout, headers={"User-Agent": "rectui"}
        )

    async def __aenter__(self) -> PlivoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    # -- URLs ---------------------------------------------------------------------------------

    @property
    def account_path(self) -> str:
        return self._collection_path("Recording")

    def _collection_path(self, resource: str) -> str:
        return f"/v1/Account/{quote(self.credentials.auth_id, safe='')}/{resource}/"

    def recording_path(self, recording_id: str) -> str:
        """The one place a recording's URL path is built. An id that would address anything
        but `/Recording/{id}/` raises InvalidIdError."""
        return self._item_path("Recording", recording_id)

    def transcription_path(self, recording_id: str) -> str:
        """`/Transcription/{recording_id}/`, refused like recording_path."""
        return self._item_path("Transcription", recording_id)

    def _item_path(self, resource: str, recording_id: str) -> str:
        check_recording_id(recording_id)
        path = f"{self._collection_path(resource)}{quote(recording_id, safe='')}/"
        # What httpx will send (it resolves dot segments) must still be exactly that path.
        base = httpx.URL(self.base_url).raw_path.rstrip(b"/")
        if httpx.URL(self.base_url + path).raw_path != base + path.encode("ascii"):
            raise InvalidIdError(f"recording id {recording_id!r} does not stay in its path")
        return path

    # -- the API ------------------------------------------------------------------------------

    async def list_recordings(
        self, flt: RecordingFilter | None = None, *, observe: AttemptObserver | None = None
    ) -> RecordingPage:
        """One page. The filter is sent as given; validate it first for field-level messages.
        `observe` hears how each HTTP attempt ended (retries included)."""
        params = (flt or RecordingFilter()).to_params()
        params.setdefault("limit", "20")
        params.setdefault("offset", "0")
        body = await self._json("GET", self.account_path, params=params, observe=observe)
        try:
            meta = Meta.from_api(body.get("meta"))
            objects = body.get("objects")
            if not isinstance(objects, list):
                raise ValueError("no objects list")
        except ValueError as exc:
            raise BadResponseError(f"Unexpected listing from the server ({exc})") from None
        recordings: list[Recording] = []
        malformed: list[MalformedRecord] = []
        for obj in objects:
            try:
                recordings.append(Recording.from_api(obj))
            except MalformedRecord as problem:
                malformed.append(problem)
        return RecordingPage(meta, recordings, malformed, body.get("api_id"))

    async def get_recording(self, recording_id: str) -> Recording:
        try:
            body = await self._json("GET", self.recording_path(recording_id))
        except NotFoundError as exc:
            raise NotFoundError(
                f"Recording {recording_id} not found (HTTP 404)", api_id=exc.api_id
            ) from None
        try:
            return Recording.from_api(body)
        except MalformedRecord as exc:
            raise BadResponseError(f"Unusable recording from the server ({exc})") from None

    async def delete_recording(self, recording_id: str) -> bool:
        """Delete; True if this call deleted it, False if it was already gone (404).

        DELETE is idempotent here: if an answer is lost (or was a 5xx) and the retry finds 404,
        that earlier attempt most likely did the work, so it counts as deleted by this call.
        """
        statuses: list[int | None] = []
        try:
            await self._request(
                "DELETE",
                self.recording_path(recording_id),
                retry=True,
                observe=lambda attempt: statuses.append(attempt.status),
            )
        except NotFoundError:
            # Only 429s before the 404 (refused, so not done): it was gone before we asked.
            return any(status != 429 for status in statuses[:-1])
        return True

    async def request_transcription(
        self, recording_id: str, *, callback_url: str | None = None
    ) -> str:
        """Ask for a recording's transcript; the server's message ("transcription in progress").

        Not idempotent (each request may be charged), so only a 429, which the server answered
        without doing anything, is retried; a lost answer is an error the user can retry.
        """
        data = {} if callback_url is None else {"transcription_callback_url": callback_url}
        body = await self._json(
            "POST", self.transcription_path(recording_id), idempotent=False, json=data
        )
        return str(body.get("message") or "transcription requested")

    async def get_transcription(self, recording_id: str) -> Transcript | None:
        """The recording's transcript (perhaps still in progress), or None when it has none:
        a 404 here means "no transcript yet", not an error."""
        try:
            body = await self._json("GET", self.transcription_path(recording_id))
        except NotFoundError:
            return None
        return Transcript.from_api(recording_id, body)

    async def delete_transcription(self, recording_id: str) -> bool:
        """Delete a transcript; False if there was none (idempotent, like delete_recording)."""
        try:
            await self._request("DELETE", self.transcription_path(recording_id), retry=True)
        except NotFoundError:
            return False
        return True

    @asynccontextmanager
    async def stream_media(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        credentials: Credentials | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Open a media URL for streaming. A 2xx response is yielded (the caller reads
        `aiter_bytes()`); errors raise. Credentials are sent only where they belong."""
        if (problem := http_url_problem(url)) is not None:
            raise BadResponseError(f"The server's media URL cannot be used: {problem}")
        creds = credentials or self.credentials
        auth = creds.basic_auth() if media_credentials_allowed(url, self.base_url) else None
        slot = await self.limiter.acquire()
        sent = time.monotonic()
        opened = False
        try:
            for attempt in range(2):
                try:
                    async with (
                        self._http.lease() as http,
                        http.stream(
                            "GET", url, headers=headers, auth=auth, follow_redirects=True
                        ) as response,
                    ):
                        self.limiter.settle(slot, response.status_code)
                        self._heard("GET", url, response.status_code, sent)
                        if response.status_code in (401, 403):
                            raise AuthenticationError(
                                f"Media needs HTTP auth (HTTP {response.status_code}): HTTP "
                                f"auth on recordings is on and auth id {creds.auth_id} was "
                                + ("rejected" if auth else "not sent to this host"),
                                status=response.status_code,
                            )
                        if response.status_code >= 400:
                            try:
                                await response.aread()
                                text, api_id = _server_error_text(response)
                            except httpx.TransportError:
                                # Answered, and the body broke off: the status says enough (and
                                # the connection was not a stale one, to send this again on).
                                text, api_id = "", None
                            text = self.credentials.redact(creds.redact(text))
                            raise error_for_status(response.status_code, text, api_id)
                        opened = True
                        yield response
                        return
                except _STALE_CONNECTION:
                    # A kept-alive connection the server closed as it was reused: nothing
                    # was answered, so a GET is safely sent again, once, on a new connection.
                    if opened or attempt:
                        raise
        except httpx.TransportError as exc:
            if not isinstance(exc, TrustUnreadable):
                self.limiter.settle(slot, None)
            raise NetworkError(self._network_message(exc)) from None
        finally:
            self.limiter.settle(slot)  # cancelled (a no-op once settled)

    # -- plumbing -----------------------------------------------------------------------------

    async def _json(
        self,
        method: str,
        path: str,
        *,
        observe: AttemptObserver | None = None,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> dict[str, Any]:
        response = await self._request(
            method, path, retry=True, observe=observe, idempotent=idempotent, **kwargs
        )
        body = _json_body(response)
        if not isinstance(body, dict):
            raise BadResponseError("The server answered with JSON that is not an object")
        return body

    def _network_message(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, TrustUnreadable):
            return str(exc)
        host = self._host()
        if isinstance(exc, httpx.TimeoutException):
            return f"{host} did not answer in time; check the network and retry"
        reason = self.credentials.redact(str(exc)) or type(exc).__name__
        return f"Cannot reach {host} ({reason}); check the network or the API URL"

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            hinted = _retry_after_seconds(response)
            if hinted is not None:
                return min(hinted, 60.0)
        # Full jitter: spreads retries from concurrent page loads instead of synchronising them.
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _heard(self, method: str, url: str, status: int | None, sent: float) -> None:
        if self.on_http is not None:
            self.on_http(method, url, status, (time.monotonic() - sent) * 1000)

    async def request_json(
        self, method: str, path: str, params: dict[str, str] | None = None
    ) -> Any:
        """Any API path (relative to the account, or from `/v1/`), as parsed JSON; the limiter,
        retries (a POST only after a 429) and error handling of every other request apply."""
        if not path.startswith("/v1/"):
            path = self.account_path.removesuffix("/Recording/") + "/" + path.lstrip("/")
        idempotent = method in ("GET", "HEAD", "DELETE", "PUT")
        response = await self._request(
            method, path, retry=True, idempotent=idempotent, params=params
        )
        return _json_body(response) if response.content else None

    def _host(self) -> str:
        return self.base_url.split("://", 1)[-1]

    async def _send(
        self, method: str, url: str, observe: AttemptObserver | None, **kwargs: Any
    ) -> httpx.Response:
        """One attempt, through the limiter (told how it ended); httpx.TransportError when no
        answer came."""
        slot = await self.limiter.acquire()
        sent = time.monotonic()
        try:
            async with self._http.lease() as http:
                sent = time.monotonic()
                response = await http.request(
                    method, url, auth=self.credentials.basic_auth(), **kwargs
                )
            self.limiter.settle(slot, response.status_code)
        except TrustUnreadable:
            raise  # no request left: nothing for the limiter or the observer to hear
        except httpx.TransportError:
            self.limiter.settle(slot, None)
            self._heard(method, url, None, sent)
            if observe is not None:
                observe(Attempt(None, sent, time.monotonic()))
            raise
        finally:
            self.limiter.settle(slot)  # cancelled (a no-op once settled)
        self._heard(method, str(response.url), response.status_code, sent)
        if observe is not None:
            observe(Attempt(response.status_code, sent, time.monotonic()))
        if response.status_code != 429 and response.status_code < 500:
            self._progress_at = self._clock()
        return response

    def _stalled(self, since: float) -> bool:
        """No progress (see STALL_SECONDS) since `since` or the last answer after it."""
        return self._clock() - max(since, self._progress_at) >= self.stall_seconds

    async def _request(
        self,
        method: str,
        path: str,
        *,
        retry: bool,
        observe: AttemptObserver | None = None,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """A 429 was refused, so not done: it is sent again, quietly, once the limiter (which
        has just slowed down) lets it, until no progress is made for `stall_seconds`. A 5xx or
        a lost answer is retried `max_retries` times with backoff and a notice, but only for an
        `idempotent` request: one that may have been done is not sent again."""
        retry_statuses = RETRY_STATUSES if idempotent else frozenset()
        url = self.base_url + path
        attempts = self.max_retries + 1 if retry else 1
        failures = 0
        since = self._clock()
        retried = False
        try:
            while True:
                try:
                    response = await self._send(method, url, observe, **kwargs)
                except httpx.TransportError as exc:
                    failures += 1
                    if failures >= attempts or not idempotent or isinstance(exc, TrustUnreadable):
                        raise NetworkError(self._network_message(exc)) from None
                    timed_out = isinstance(exc, httpx.TimeoutException)
                    reason = "did not answer in time" if timed_out else "cannot be reached"
                    hint = None
                else:
                    status = response.status_code
                    if status == 429:
                        if not retry or self._stalled(since):
                            break
                        # Wait only where the server said how long; else the limiter paces it.
                        hinted = _retry_after_seconds(response)
                        if hinted:
                            await self._sleep(min(hinted, 60.0))
                        continue
                    if status not in retry_statuses:
                        break
                    failures += 1
                    if failures >= attempts:
                        break
                    reason = f"answered HTTP {status}"
                    hint = response  # its Retry-After, if any
                if not retried:
                    retried = True
                    self.retrying += 1
                # Tell the listener first: a slow server must not look like a frozen app.
                if self.on_retry is not None:
                    self.on_retry(RetryNotice(f"{self._host()} {reason}", failures + 1, attempts))
                await self._sleep(self._backoff(failures - 1, hint))
        finally:
            if retried:
                self.retrying -= 1
        # The loop ends with a response, or raises.
        if response.status_code >= 400:
            text, api_id = _server_error_text(response)
            text = self.credentials.redact(text)
            error = error_for_status(response.status_code, text, api_id)
            if response.status_code == 429 and retry and self.stall_seconds > 0:
                error = RateLimitedError(
                    f"Rate limited by the server (HTTP 429) for {self.stall_seconds:.0f} s "
                    f"without progress{': ' + text if text else ''}; another tool may be "
                    "spending this account's requests, retry later",
                    api_id=api_id,
                )
            raise error
        return response
