"""The emulator itself: Plivo's Recording API as an ASGI app, controllable in-process.

Every request goes through `Emulator.__call__`, which applies the injected latency, holds and
scheduled faults and records the request in `request_log`; the Starlette app behind it
authenticates, applies the per-account rate limit and answers. Query validation is
`RecordingFilter.errors()` and prices come from `rectui.plivo.pricing`, so the emulator cannot
drift from the client's idea of the rules.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..plivo import pricing
from ..plivo.filters import RecordingFilter
from ..plivo.rules import MAX_LIMIT
from .accounts import AccountCredentials, basic_credentials, make_accounts
from .audio import MediaLibrary, MediaUnavailable
from .data import (
    DEFAULT_UTC_OFFSET,
    RenderStyle,
    StoredRecording,
    generate_recordings,
    load_recordings,
    recording_span_ms,
    render_recording,
)
from .faults import DropConnection, Fault, FaultPlan, Hold, PathMatch
from .media_response import FileSliceResponse, UnsatisfiableRange, parse_range
from .rate_limit import RequestCounter
from .request_log import LoggedRequest, RequestLog
from .store import RecordingStore, TimeWindow, filter_predicate
from .transcripts import SUCCESS, TranscriptDesk
from .waiting import wait_until

DEFAULT_LIMIT = MAX_LIMIT
"""Without a limit parameter Plivo returns a full page of 20."""

CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class ApiError(Exception):
    """Answered as Plivo answers errors: `{"api_id": ..., "error": ...}` with this status."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def new_api_id() -> str:
    return str(uuid.uuid4())


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    # Plivo rejects credentials before it assigns a request an api_id, as the SDK fixtures show.
    body = {"error": message} if status == 401 else {"api_id": new_api_id(), "error": message}
    return JSONResponse(body, status, headers=headers)


class Emulator:
    """Plivo's Recording API over generated (or given) recordings; an ASGI application.

    See the package docstring for the public API.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        count: int = 1000,
        latency_ms: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        media_auth: bool = False,
        data: Sequence[Any] | None = None,
        generated_at: datetime | None = None,
        now: datetime | None = None,
        auth_id: str | None = None,
        auth_token: str | None = None,
        subaccount_count: int = 2,
        ffmpeg: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        transcription_delay: float = 3.0,
        transcription_rate: Decimal = pricing.TRANSCRIPTION_RATE,
        pretranscribed_percent: int = 30,
        utc_offset: timedelta = DEFAULT_UTC_OFFSET,
        numbers_as_strings: bool = False,
    ):
        self.seed = seed
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        """The moment generated data is relative to."""
        self._frozen = now is not None
        self.account, self.subaccounts = make_accounts(
            seed, subaccount_count=subaccount_count, auth_id=auth_id, auth_token=auth_token
        )
        self._tokens = {a.auth_id: a.auth_token for a in (self.account, *self.subaccounts)}
        sub_ids = [a.auth_id for a in self.subaccounts]
        self.style = RenderStyle(utc_offset, numbers_as_strings)
        self.data_warnings: list[str] = []
        """What was wrong with given `data` but served anyway (an id given twice)."""
        if data is not None:
            records = load_recordings(
                data,
                main_id=self.account.auth_id,
                subaccount_ids=sub_ids,
                warn=self.data_warnings.append,
            )
        else:
            # generated_at: the moment the history ends, without freezing the clock (the demo
            # keeps one, so that its recordings are the same ones from one start to the next).
            records = generate_recordings(
                seed=seed,
                count=count,
                now=(generated_at or self.now).astimezone(UTC),
                main_id=self.account.auth_id,
                subaccount_ids=sub_ids,
            )
        self.store = RecordingStore(records)
        self.media = MediaLibrary(ffmpeg)
        self.faults = FaultPlan()
        self.request_log = RequestLog()
        self._in_flight = 0
        self._idle = threading.Condition()
        self.latency_ms = latency_ms
        self.media_auth = media_auth
        self._monotonic = monotonic
        """The server's clock for the rate window: a test steps it instead of sleeping."""
        self._rate_counter: RequestCounter | None = None
        self.rate_limit = rate_limit
        self.transcripts = TranscriptDesk(
            self._monotonic,
            delay=transcription_delay,
            rate=transcription_rate,
            # Generated recordings only: a data file's recordings are exactly what it says.
            pretranscribed=(
                (lambda rid: _id_percentile(rid) < pretranscribed_percent)
                if data is None
                else (lambda _rid: False)
            ),
        )
        self._defaults = (latency_ms, rate_limit, media_auth)
        self.app: ASGIApp = self._build_app()

    # --- control --------------------------------------------------------------------------

    @property
    def rate_limit(self) -> tuple[int, float] | None:
        """(requests, seconds) per account, or None; setting it starts a fresh window."""
        counter = self._rate_counter
        return None if counter is None else (counter.requests, counter.period)

    @rate_limit.setter
    def rate_limit(self, value: tuple[int, float] | None) -> None:
        self._rate_counter = (
            None if value is None else RequestCounter(*value, clock=self._monotonic)
        )

    @property
    def accounts(self) -> list[AccountCredentials]:
        return [self.account, *self.subaccounts]

    def clock(self) -> datetime:
        """The server's current time: frozen at `now` when one was given, else the real clock."""
        return self.now if self._frozen else datetime.now(UTC)

    def fail_next(
        self,
        match: PathMatch = None,
        *,
        status: int = 500,
        times: int | None = 1,
        method: str | None = None,
        error: str | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` instead of serving them.

        The body is Plivo's error shape unless `body` gives raw bytes. Failures happen before
        authentication and rate limiting.
        """
        self.faults.add(
            Fault(
                "fail",
                match,
                method=method,
                remaining=times,
                status=status,
                error=error or HTTPStatus(status).phrase.lower(),
                body=body,
                headers=dict(headers or {}),
            )
        )

    def drop_connection_for(
        self, match: PathMatch = None, *, times: int | None = 1, method: str | None = None
    ) -> None:
        """Close the connection of the next `times` matching requests without any response.

        The client sees the server disconnect before a status line (httpx: RemoteProtocolError).
        """
        self.faults.add(Fault("drop", match, method=method, remaining=times))

    def truncate_media_for(
        self, recording_id: str, *, keep_bytes: int | None = None, times: int | None = 1
    ) -> None:
        """Cut the next `times` media downloads of a recording short.

        Headers and Content-Length are complete, but only `keep_bytes` (default: half) of the
        body is sent before the connection is closed.
        """
        self.faults.add(
            Fault("truncate", recording_id, method="GET", remaining=times, keep_bytes=keep_bytes)
        )

    def hold(self, match: PathMatch = None, *, method: str | None = None, after: int = 0) -> Hold:
        """Keep matching requests waiting, after the first `after` pass, until `.release()`.

        Held requests wait after the latency and before faults, the API and the log, so a test
        can stop the server midway (`hold.wait_held(n)`, or `await hold.until_held(n)` from an
        app test), look, and let it go on.
        """
        gate = Hold(match, method, after)
        self.faults.add_hold(gate)
        return gate

    def clear_faults(self) -> None:
        """Drop every fault, and release and drop every hold."""
        self.faults.clear()

    def reset(self) -> None:
        """Back to the state after construction: deleted recordings return, faults and the log
        are cleared, holds released, latency, rate limit and media auth are the constructor's.
        Media stays cached.

        Requests still in flight (a cancelled job's, or held ones) are let finish first, so none
        of them lands in the log or the store after the reset.
        """
        self.faults.clear()
        self.wait_idle()
        self.store.reset()
        self.transcripts.reset()
        self.request_log.clear()
        self.latency_ms, self.rate_limit, self.media_auth = self._defaults

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no request is being served."""
        wait_until(
            self._idle,
            lambda: self._in_flight == 0,
            lambda: f"the emulator still serves {self._in_flight} request(s) after {timeout} s",
            timeout,
        )

    def close(self) -> None:
        """Stop media synthesis and delete cached media. The emulator cannot serve media after."""
        self.media.close()

    def recording_object(self, recording_id: str, base_url: str) -> Any:
        """A recording as the API would return it now (for tests and tools)."""
        rec = self.store.get(recording_id)
        if rec is None:
            raise KeyError(recording_id)
        return render_recording(rec, base_url=base_url, now=self.clock(), style=self.style)

    # --- ASGI entry -------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._idle:
            self._in_flight += 1
        try:
            await self._serve(scope, receive, send)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        query = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        logged = False

        def log(status: int | None) -> None:
            # Logged before the client can see anything, so a client holding a response (or a
            # dropped connection) always finds its request in the log.
            nonlocal logged
            if not logged:
                logged = True
                self.request_log.append(LoggedRequest(method, path, query, status))

        async def send_and_log(message: Any) -> None:
            if message["type"] == "http.response.start":
                log(message["status"])
            await send(message)

        try:
            if self.latency_ms > 0:
                await asyncio.sleep(self.latency_ms / 1000)
            await self.faults.pass_holds(method, path)
            fault = self.faults.take(("drop", "fail"), method, path)
            if fault is not None and fault.kind == "drop":
                raise DropConnection
            if fault is not None:
                await self._injected_failure(fault)(scope, receive, send_and_log)
            else:
                await self.app(scope, receive, send_and_log)
        except DropConnection:
            log(None)
            await _drop_connection(send)
        except Exception:
            log(500)  # uvicorn answers 500 for anything that escapes the app
            raise

    @staticmethod
    def _injected_failure(fault: Fault) -> Response:
        if fault.body is not None:
            return Response(fault.body, fault.status, headers=dict(fault.headers))
        return error_response(fault.status, fault.error, fault.headers)

    # --- the API ----------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        account_path = "/v1/Account/{auth_id}/Recording"
        return Starlette(
            routes=[
                Route(f"{account_path}/", self._list_recordings, methods=["GET"]),
                Route(
                    f"{account_path}/{{recording_id}}/",
                    self._one_recording,
                    methods=["GET", "DELETE"],
                ),
                Route(f"{account_path}/{{recording_id}}.{{ext}}", self._media, methods=["GET"]),
                Route(
                    "/v1/Account/{auth_id}/Transcription/{recording_id}/",
                    self._transcription,
                    methods=["GET", "POST", "DELETE"],
                ),
                # Older recording_urls pointed at a bucket path without the account.
                Route("/recordings_2013/{recording_id}.{ext}", self._media, methods=["GET"]),
            ],
            exception_handlers={ApiError: self._api_error, HTTPException: self._http_error},
        )

    async def _api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.message, exc.headers)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, exc.detail.lower(), exc.headers)

    def _authenticated(self, request: Request) -> str | None:
        credentials = basic_credentials(request.headers.get("authorization", ""))
        if credentials is None:
            return None
        auth_id, token = credentials
        expected = self._tokens.get(auth_id)
        if expected is None or not hmac.compare_digest(expected.encode(), token.encode()):
            return None
        return auth_id

    def _admit(self, account: str) -> None:
        counter = self._rate_counter
        if counter is not None and not counter.admit(account):
            raise ApiError(429, "too many requests: rate limit exceeded")

    def _api_account(self, request: Request) -> str:
        """The authenticated account of an API request, counted against its rate limit."""
        account = self._authenticated(request)
        if account is None and "authorization" not in request.headers:
            raise ApiError(401, "authentication credentials were not provided")
        if account is None:
            raise ApiError(401, "authentication failed: check the auth id and auth token")
        if account != request.path_params["auth_id"]:
            raise ApiError(401, "the auth id in the URL does not match the credentials")
        self._admit(account)
        return account

    def _visible_to(self, account: str, rec: StoredRecording) -> bool:
        """The main account sees its subaccounts' recordings; a subaccount only its own."""
        return account in (rec.owner, self.account.auth_id)

    async def _list_recordings(self, request: Request) -> Response:
        account = self._api_account(request)
        now = self.clock()
        flt = RecordingFilter.from_params(dict(request.query_params))
        problems = flt.errors(now=now)
        if problems:
            raise ApiError(400, "; ".join(str(problem) for problem in problems))
        params = flt.to_params()
        limit = int(params.get("limit", DEFAULT_LIMIT))
        offset = int(params.get("offset", 0))
        owner = params.get("subaccount")
        if account != self.account.auth_id:
            # A subaccount asking for anyone else's recordings simply has none.
            visible = owner in (None, account)
            owner = account
        else:
            visible = True
        if visible:
            total, rows = self.store.page(
                owner=owner,
                window=TimeWindow.for_filter(flt, now),
                predicate=filter_predicate(flt, now),
                offset=offset,
                limit=limit,
            )
        else:
            total, rows = 0, []
        base_url = str(request.base_url)
        kept = {k: v for k, v in params.items() if k not in ("limit", "offset")}

        def link(page_offset: int) -> str:
            query = urlencode({"limit": limit, "offset": page_offset, **kept})
            return f"/v1/Account/{account}/Recording/?{query}"

        meta = {
            "limit": limit,
            "next": link(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "total_count": total,
        }
        objects = [
            render_recording(rec, base_url=base_url, now=now, style=self.style) for rec in rows
        ]
        return JSONResponse({"api_id": new_api_id(), "meta": meta, "objects": objects})

    async def _one_recording(self, request: Request) -> Response:
        account = self._api_account(request)
        recording_id = request.path_params["recording_id"]
        rec = self.store.get(recording_id)
        if rec is None or not self._visible_to(account, rec):
            raise ApiError(404, "not found")
        if request.method == "DELETE":
            await request.body()  # the Python SDK sends a small JSON body; nothing in it matters
            self.store.delete(recording_id)
            return Response(status_code=204)
        obj = render_recording(
            rec, base_url=str(request.base_url), now=self.clock(), style=self.style
        )
        if isinstance(obj, dict):
            obj.setdefault("api_id", new_api_id())
        return JSONResponse(obj)

    async def _transcription(self, request: Request) -> Response:
        """The Transcription API, in the shapes of plivo-python's fixtures."""
        account = self._api_account(request)
        recording_id = request.path_params["recording_id"]
        rec = self.store.get(recording_id)
        if rec is None or not self._visible_to(account, rec):
            raise ApiError(404, "recording not found")
        if request.method == "POST":
            await request.body()  # an optional transcription_callback_url; never called back
            self.transcripts.request(recording_id)
            return JSONResponse(
                {"api_id": new_api_id(), "message": "transcription in progress"}, 201
            )
        if request.method == "DELETE":
            if not self.transcripts.delete(recording_id):
                raise ApiError(404, "transcription not found")
            return JSONResponse({"api_id": new_api_id(), "message": "request accepted"}, 202)
        state = self.transcripts.state(recording_id, rec.duration_ms)
        if state is None:
            raise ApiError(404, "transcription not found")
        if state.status != SUCCESS:
            return JSONResponse(
                {
                    "api_id": new_api_id(),
                    "message": "transcription in progress",
                    "status": state.status,
                }
            )
        return JSONResponse(
            {
                "api_id": new_api_id(),
                "cost": float(state.cost),
                "rate": float(state.rate),
                "recording_duration_ms": int(rec.duration_ms),
                "recording_start_ms": recording_span_ms(rec)[0],
                "status": state.status,
                "transcription": state.text,
            }
        )

    async def _media(self, request: Request) -> Any:
        """The audio of a recording, public unless media auth is on.

        With media auth, only the owner's credentials open a recording: a subaccount's
        recordings need the subaccount's auth id and token, as Plivo documents.
        """
        path_account = request.path_params.get("auth_id")
        rec = self.store.get(request.path_params["recording_id"])
        if self.media_auth:
            account = self._authenticated(request)
            if account is None:
                raise ApiError(401, "this recording requires HTTP basic auth")
            self._admit(account)
        else:
            account = None
            # Public media still counts against the account it belongs to.
            if path_account in self._tokens:
                self._admit(path_account)
            elif rec is not None:
                self._admit(rec.owner)
        if (
            rec is None
            or request.path_params["ext"].lower() != rec.recording_format
            or (path_account is not None and path_account not in (rec.owner, self.account.auth_id))
        ):
            raise ApiError(404, "not found")
        if account is not None and account != rec.owner:
            raise ApiError(
                401, f"this recording belongs to {rec.owner}: use that account's credentials"
            )

        variant = "original" if request.query_params.get("type") == "original" else "default"
        try:
            path = await asyncio.to_thread(
                self.media.ensure, rec.recording_id, rec.recording_format, rec.duration_s, variant
            )
        except MediaUnavailable as exc:
            raise ApiError(503, f"media unavailable: {exc}") from None
        size = path.stat().st_size
        headers = {"accept-ranges": "bytes", "content-type": CONTENT_TYPES[rec.recording_format]}
        try:
            byte_range = parse_range(request.headers.get("range"), size)
        except UnsatisfiableRange as exc:
            raise ApiError(416, str(exc), {"content-range": f"bytes */{size}"}) from None
        if byte_range is None:
            first, length, status = 0, size, 200
        else:
            first, last = byte_range
            length, status = last - first + 1, 206
            headers["content-range"] = f"bytes {first}-{last}/{size}"
        cut_after = None
        if request.method == "GET":
            fault = self.faults.take(("truncate",), "GET", request.url.path)
            if fault is not None:
                cut_after = fault.keep_bytes if fault.keep_bytes is not None else length // 2
        return FileSliceResponse(
            path,
            first=first,
            length=length,
            status=status,
            headers=headers,
            send_body=request.method != "HEAD",
            cut_after=cut_after,
        )


def _id_percentile(recording_id: str) -> int:
    """0–99, fixed per id: which generated recordings have a transcript from the start."""
    return int.from_bytes(hashlib.sha256(recording_id.encode()).digest()[:4], "big") % 100


async def _drop_connection(send: Send) -> None:
    """Close the client's connection without finishing (or starting) a response.

    ASGI has no message for this. Under uvicorn `send` is a method of the request cycle that
    owns the transport, so abort that; anywhere else, fail loudly so the client still sees an
    error instead of a response.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("emulator dropped the connection")
    transport.abort()
    # Let uvicorn notice the disconnect before the app returns, or it would try to send a 500.
    await asyncio.sleep(0)
