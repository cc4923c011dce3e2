"""A local, faithful emulation of Plivo's Recording API: the backend of `rectui --demo` and of
the test suite.

Serve it from the command line with `rectui emulator` (or `python -m rectui.emulator`), or drive
it in-process:

    from rectui.emulator import Emulator, run_emulator_in_thread

    emulator = Emulator(seed=7, count=5000, media_auth=True, rate_limit=(300, 5.0))
    with run_emulator_in_thread(emulator) as base_url:  # "http://127.0.0.1:PORT"
        auth_id, auth_token = emulator.account
        httpx.get(f"{base_url}/v1/Account/{auth_id}/Recording/", auth=(auth_id, auth_token))

`Emulator(*, seed=0, count=1000, latency_ms=0, rate_limit=None, media_auth=False, data=None,
now=None, auth_id=None, auth_token=None, subaccount_count=2, ffmpeg=None,
monotonic=time.monotonic, transcription_delay=3.0, transcription_rate=Decimal("0.05"),
pretranscribed_percent=30, utc_offset=timedelta(hours=5, minutes=30), numbers_as_strings=False)`

- `seed`/`count`: generated recordings (deterministic for the same seed, count and `now`).
  `data`: a list of recording objects to serve exactly as given instead (their recording_url
  too; media is also served at the emulator's own media URLs). Objects the client's parser
  rejects are served as well: without a readable add_time they appear in every time window.
- `utc_offset`: the offset generated add_times are written in (filters are UTC regardless);
  `numbers_as_strings`: the storage figures as the docs' strings instead of the SDK fixtures'
  JSON numbers (`*_ms` are strings either way). A given `data` list may hold an id twice (as
  Plivo's list fixture does): it is served once and noted in `.data_warnings`.
- `now`: the moment data is generated relative to. Given, the server's clock is frozen there
  (storage durations and the 7-day default window never move); omitted, it is the real time at
  construction and the clock runs.
- `.account` / `.subaccounts`: `AccountCredentials(auth_id, auth_token)` named tuples. The main
  account sees every recording and can narrow with `subaccount=`; a subaccount sees only its own.
- `.latency_ms`, `.rate_limit` ((requests, seconds) or None, per account, across every endpoint)
  and `.media_auth` may be changed at any time.
- `.request_log`: `LoggedRequest(method, path, query, status)` for every request, in order
  (status None: the connection was dropped); clear it with `.request_log.clear()`. An entry is
  appended when the response starts, so it is there before the client sees any byte: once the
  client has an answer, its request is in the log. `.request_log.wait_logged(n, method=None,
  match=None, where=None)` (`await .until_logged(...)` from a test with its own event loop)
  returns the matching entries once n are logged (for requests a client gave up on, which can
  still arrive), failing after a bound with what never arrived.
- `.hold(match=None, method=None, after=0)` keeps matching requests (after the first `after`)
  waiting inside the server until the returned gate's `.release()`; `.wait_held(n)` (or
  `await .until_held(n)` from a test with its own event loop) returns once n wait there. A test
  that needs the server midway stops it there instead of racing it.
- `monotonic=`: the server's clock for the rate window (default `time.monotonic`), so a test
  can step time instead of sleeping.
- Failure injection, each matching by a recording id / path substring, a path predicate or None
  for every request, and used up after `times` (None: until `.clear_faults()`):
  `.fail_next(match, status=500, times=1, method=None, error=None, body=None, headers=None)`
  answers with that status instead; `.drop_connection_for(match, times=1)` closes the connection
  without a response; `.truncate_media_for(recording_id, keep_bytes=None, times=1)` sends full
  headers but only part of the media body, then closes the connection.
- Transcription API (`/v1/Account/{auth_id}/Transcription/{recording_id}/`, GET/POST/DELETE,
  same auth and rate limit, plivo-python's shapes): `.transcripts` (`TranscriptDesk`). A POST
  is in progress for `transcription_delay=` seconds (default 3) on the `monotonic=` clock, then a
  success whose text is generated from the recording id (two speakers); `cost` is
  `transcription_rate=` (default 0.05 $/min) × started minutes. `pretranscribed_percent=` (30)
  of generated recordings have one from the start (`.transcripts.has(id)`), the rest answer 404;
  `.transcripts.put(id, text)` serves exactly `text`; `.transcripts.delay`/`.rate` may change.
  While in progress, GET answers 200 `{"api_id", "message", "status": "in-progress"}` (the SDK
  has no fixture for it).
- `.reset()`: deleted recordings return, transcripts are the constructor's, faults and log
  cleared, holds released, settings back to the constructor's. `.close()`: stop media
  synthesis and delete the media cache.
- `.store` (`RecordingStore`: `snapshot(owner=None)`, `get(id)`) and
  `.recording_object(id, base_url)` show what the API serves, for tests.

Media auth policy: when on, a recording's media needs its owner's credentials (a subaccount's
recordings need the subaccount's auth id and token, as Plivo documents); otherwise media is
public.

`run_emulator_in_thread(emulator, host="127.0.0.1", port=0)` is a context manager yielding the
base URL; `EmulatorThread(emulator).start()` / `.stop()` is the same without a `with`.
`RunningEmulator(base_url, emulator)` bundles the two for test fixtures.
"""

from .accounts import AccountCredentials
from .request_log import LoggedRequest
from .server import Emulator
from .threaded import EmulatorThread, RunningEmulator, run_emulator_in_thread

__all__ = [
    "AccountCredentials",
    "Emulator",
    "EmulatorThread",
    "LoggedRequest",
    "RunningEmulator",
    "run_emulator_in_thread",
]
