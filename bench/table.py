"""Benchmark: the virtualized recording table over 100,000 recordings, against DataTable.

Run: .venv/bin/python bench/table.py   (a few minutes; most of it is the DataTable baseline)

Each variant runs in a child process of its own (no heap or GC state carried over) with a fresh
emulator: 100,000 generated recordings over the 400 days before NOW, served on loopback from a
thread (`run_emulator_in_thread`). The app asks for all 401 days (14 windows of at most 30
days). The app is the real one (`rectui.ui.app.RectuiApp`, 160×48: filters | table | details)
run headless, with the emulator answering after 0 ms and after 20 ms; if the real app cannot be
built (or RECTUI_BENCH_HOST=1) a host app holding only the table is used, and the output says so.

The emulator stands in for Plivo's servers, so its data is kept out of the app's way: after it
is generated, `gc.freeze()` takes its objects out of the collector's view (otherwise every full
collection re-scans 100k emulator rows: 150–300 ms pauses that no real deployment has), and
the memory it takes is measured and subtracted from the process RSS.

Measured, with the clock read where the app hands a finished frame to the terminal driver
(`App._display`, patched to also turn the frame into terminal bytes as a real terminal would
need, since the headless driver skips that):

- first_rows_s: from entering `run_test` (app start) to the first frame showing real rows.
- end_jump_s / end_jump_requests: from pressing G to the first frame whose last line shows the
  real last recording, and the HTTP requests the emulator logged meanwhile.
- key_p95_ms: a cursor key (j or k, sent to the driver as a terminal would) → the next frame,
  over 300 presses at a 30/s key repeat and 100 single presses 250 ms apart (after which the
  detail pane follows the cursor). Includes the one-row scrolls once the cursor reaches the
  bottom.
- rss_mb: resident memory after paging down through 10,000 rows (every page loaded), less the
  emulator's data (measured when it was generated).

Baseline, in the same run: Textual's DataTable holding the same 100,000 rows (preformatted
strings, the same columns), timed from app start to the first frame showing them.

The last line is the summary, from the 0 ms run (the 20 ms run's line is printed above it):
table: first_rows_s=<s> end_jump_s=<s> end_jump_requests=<n> key_p95_ms=<ms> rss_mb=<mb>
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rectui.emulator import Emulator, run_emulator_in_thread
from rectui.emulator.data import render_recording
from rectui.listing import Listing
from rectui.plivo.auth import Credentials
from rectui.plivo.client import PlivoClient
from rectui.plivo.filters import RecordingFilter
from rectui.plivo.models import Recording
from rectui.ui.widgets.recording_table import (
    RecordingTable,
    _cells,
    layout_columns,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COUNT = 100_000
SINCE = NOW - timedelta(days=401)
SIZE = (160, 48)
KEY_PRESSES = 300
KEY_REPEAT_S = 1 / 30
"""A typical terminal key repeat rate."""
KEY_REST_S = 0.25
SCROLL_ROWS = 10_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Frames:
    """Every frame handed to the terminal driver, with the recording rows it showed."""

    shown: set[int] = field(default_factory=set)
    """Indexes of real rows drawn since the last frame."""
    frames: list[tuple[float, frozenset[int]]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(
        self, after: float, test: Callable[[frozenset[int]], bool], timeout: float = 30
    ) -> float:
        """The time of the first frame after `after` that passes `test`."""
        deadline = time.perf_counter() + timeout
        while True:
            for moment, rows in self.frames:
                if moment >= after and test(rows):
                    return moment
            if time.perf_counter() > deadline:
                raise TimeoutError("no such frame")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.changed.wait(), max(0.001, deadline - time.perf_counter())
                )


def instrument(app: App[Any], frames: Frames) -> None:
    """Note real rows as the table draws them, and time each frame as the driver gets it."""
    original_display = app._display

    def display(screen: Any, renderable: Any) -> None:
        original_display(screen, renderable)
        if renderable is None:
            return
        # The headless driver skips turning the frame into terminal bytes; a terminal cannot.
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(app.console)
        frames.frames.append((time.perf_counter(), frozenset(frames.shown)))
        frames.shown.clear()
        frames.changed.set()

    app._display = display  # type: ignore[method-assign]


_original_render_line = RecordingTable.render_line
FRAMES: Frames | None = None


def _probing_render_line(self: RecordingTable, y: int) -> Any:
    strip = _original_render_line(self, y)
    if FRAMES is not None and y >= 1 and self.listing is not None:
        index = self.scroll_offset.y + y - 1
        if isinstance(self.listing.get(index), Recording):
            FRAMES.shown.add(index)
    return strip


RecordingTable.render_line = _probing_render_line  # type: ignore[method-assign]


async def key_latencies(app: App[Any], frames: Frames, count: int, period: float) -> list[float]:
    """Send cursor keys every `period` seconds (40 down, 10 up, repeated) straight to the
    driver, as a terminal would, and time each to the next frame. (Pilot.press waits for the
    app to go idle, 40 ms or more, so it cannot press at a key repeat's rate.)"""
    assert app._driver is not None
    latencies: list[float] = []
    next_press = time.perf_counter()
    for n in range(count):
        await asyncio.sleep(max(0.0, next_press - time.perf_counter()))
        key = "j" if n % 50 < 40 else "k"
        event = events.Key(key, key)
        event.set_sender(app)
        before = time.perf_counter()
        next_press = before + period
        app._driver.send_message(event)
        shown = await frames.wait_for(before, lambda rows: True)
        latencies.append((shown - before) * 1000)
    return sorted(latencies)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


# -- the apps ----------------------------------------------------------------------------------


class TableHost(App[None]):
    """Fallback: only the table, over a listing it is handed."""

    def __init__(self, client: PlivoClient, flt: RecordingFilter) -> None:
        super().__init__()
        self.client = client
        self.flt = flt

    def compose(self) -> ComposeResult:
        yield RecordingTable(Listing(self.client, self.flt, now=NOW), id="table")

    def on_mount(self) -> None:
        self.query_one(RecordingTable).focus()


def build_app(base_url: str, credentials: Credentials) -> tuple[App[Any], PlivoClient, str]:
    client = PlivoClient(credentials, base_url=base_url)
    try:
        if os.environ.get("RECTUI_BENCH_HOST"):
            raise RuntimeError("RECTUI_BENCH_HOST is set")
        from rectui.config import AppConfig, Profile
        from rectui.ui.app import RectuiApp
        from rectui.ui.widgets.filter_sidebar import RANGE_CUSTOM, FilterSpec

        spec = FilterSpec(
            range=RANGE_CUSTOM,
            since=SINCE.strftime("%Y-%m-%d %H:%M"),
            until=NOW.strftime("%Y-%m-%d %H:%M"),
        )

        class BenchApp(RectuiApp):
            """The real app, started on the whole 401 days as if typed into the filters."""

            # CSS_PATH is relative to the module defining the class: point back at the app's.
            CSS_PATH = str(
                Path(sys.modules[RectuiApp.__module__].__file__ or "").parent / "app.tcss"
            )

            def on_mount(self) -> None:
                self.spec = spec
                super().on_mount()
                self.call_after_refresh(self.sidebar.load_spec, spec)

            def load(self, _: FilterSpec, *, keep_cursor: bool = False) -> None:
                # The sidebar applies its initial quick range once it is mounted; the bench
                # wants every load (that one included) to be the whole range.
                super().load(spec, keep_cursor=keep_cursor)

        config = AppConfig(profile=Profile("bench", credentials, base_url))
        app = BenchApp(config, client, clock=lambda: NOW)
        return app, client, "real app (rectui.ui.app.RectuiApp)"
    except Exception as exc:  # the bench still measures the table itself
        flt = RecordingFilter().with_time_range(SINCE, NOW)
        return TableHost(client, flt), client, f"host app with only the table ({exc!r})"


# -- the runs ----------------------------------------------------------------------------------


@dataclass
class Result:
    latency_ms: float
    which: str
    first_rows_s: float
    end_jump_s: float
    end_jump_requests: int
    key_p50_ms: float
    key_p95_ms: float
    """Over every press, held and single."""
    key_max_ms: float
    held_p50_ms: float
    held_p95_ms: float
    single_p50_ms: float
    single_p95_ms: float
    rss_mb: float
    total_requests: int


def list_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.request_log if r.path.endswith("/Recording/"))


async def run_variant(emulator: Emulator, base_url: str, latency_ms: float) -> Result:
    global FRAMES
    emulator.reset()
    emulator.latency_ms = latency_ms
    frames = Frames()
    FRAMES = frames
    app, client, which = build_app(base_url, Credentials(*emulator.account))
    instrument(app, frames)
    started = time.perf_counter()
    async with client, app.run_test(size=SIZE) as pilot:
        table = app.query_one(RecordingTable)
        first = await frames.wait_for(started, bool)
        first_rows_s = first - started
        # Let the first screen and its prefetch finish before timing keys.
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if table.total < COUNT:
            raise RuntimeError(f"the listing holds {table.total} rows, not {COUNT}")

        # Cursor keys, as a held key repeats them: 30 presses a second → the next frame.
        held = await key_latencies(app, frames, KEY_PRESSES, period=KEY_REPEAT_S)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # And one at a time, the cursor resting in between (each move updates the details).
        single = await key_latencies(app, frames, KEY_PRESSES // 3, period=KEY_REST_S)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

        # G: press → the real last row on screen, and what it cost in requests.
        await asyncio.sleep(0.1)
        requests_before = list_requests(emulator)
        before = time.perf_counter()
        await pilot.press("G")
        shown = await frames.wait_for(before, lambda rows: COUNT - 1 in rows)
        end_jump_s = shown - before
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        end_jump_requests = list_requests(emulator) - requests_before

        # Page through 10,000 rows, every page loaded, then measure memory.
        await pilot.press("g")
        while table.cursor_index < SCROLL_ROWS:
            await pilot.press("pagedown")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        gc.collect()
        memory = rss_mb()
        total_requests = list_requests(emulator)
    FRAMES = None
    latencies = sorted(held + single)
    return Result(
        latency_ms=latency_ms,
        which=which,
        first_rows_s=first_rows_s,
        end_jump_s=end_jump_s,
        end_jump_requests=end_jump_requests,
        key_p50_ms=statistics.median(latencies),
        key_p95_ms=p95(latencies),
        key_max_ms=latencies[-1],
        held_p50_ms=statistics.median(held),
        held_p95_ms=p95(held),
        single_p50_ms=statistics.median(single),
        single_p95_ms=p95(single),
        rss_mb=memory,
        total_requests=total_requests,
    )


class DataTableHost(App[None]):
    def __init__(self, rows: list[tuple[str, ...]], headers: list[str]) -> None:
        super().__init__()
        self.rows = rows
        self.headers = headers

    def compose(self) -> ComposeResult:
        yield DataTable(id="baseline")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.headers)
        table.add_rows(self.rows)
        table.focus()


async def run_datatable(emulator: Emulator, base_url: str) -> tuple[float, float, int]:
    """First paint of a DataTable holding every row (rows formatted beforehand, not timed)."""
    layout = layout_columns(SIZE[0])
    rows = []
    for stored in emulator.store.snapshot():
        recording = Recording.from_api(render_recording(stored, base_url=base_url, now=NOW))
        rows.append(tuple(text.strip() for text, _ in _cells(recording, layout, False, NOW)))
    headers = [column.header for column, _ in layout.columns]
    app = DataTableHost(rows, headers)
    frames = Frames()
    painted: list[float] = []
    original_display = app._display

    def display(screen: Any, renderable: Any) -> None:
        original_display(screen, renderable)
        if renderable is not None and app.query(DataTable) and app.query_one(DataTable).row_count:
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            painted.append(time.perf_counter())
            frames.changed.set()

    app._display = display  # type: ignore[method-assign]
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        while not painted:
            await pilot.pause()
        first_paint = painted[0] - started
        # And one cursor key, for scale.
        before = time.perf_counter()
        count = len(painted)
        await pilot.press("down")
        while len(painted) == count:
            await pilot.pause()
        key_ms = (painted[count] - before) * 1000
    return first_paint, key_ms, len(rows)


def serve() -> tuple[Emulator, float]:
    """A fresh emulator with COUNT recordings, and the memory its data takes in this process."""
    gc.collect()
    before = rss_mb()
    emulator = Emulator(seed=3, count=COUNT, now=NOW)
    # The emulator stands in for Plivo's servers: its 100k rows would not live in the app's
    # heap. Freezing them keeps the app's garbage collector from re-scanning them on every
    # full collection (that alone made 150–300 ms pauses), and their memory is measured so it
    # can be told apart from the app's.
    gc.collect()
    gc.freeze()
    return emulator, rss_mb() - before


async def child(kind: str) -> dict[str, Any]:
    emulator, emulator_mb = serve()
    try:
        with run_emulator_in_thread(emulator) as base_url:
            if kind == "datatable":
                first_paint, key_ms, rows = await run_datatable(emulator, base_url)
                return {"first_paint_s": first_paint, "key_ms": key_ms, "rows": rows}
            result = await run_variant(emulator, base_url, float(kind))
            return {**asdict(result), "emulator_mb": emulator_mb}
    finally:
        emulator.close()


def run_child(kind: str) -> dict[str, Any]:
    """Each variant in its own process: no heap, GC state or memory carried over."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"variant {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(child(sys.argv[2]))))
        return
    print(
        f"{COUNT:,} generated recordings over 401 days, emulator on a loopback thread", flush=True
    )
    results = []
    for latency in ("0", "20"):
        r = run_child(latency)
        results.append(r)
        app_mb = r["rss_mb"] - r["emulator_mb"]
        print(
            f"[{r['latency_ms']:.0f} ms latency, {r['which']}]\n"
            f"  first rows painted   {r['first_rows_s']:.3f} s after launch\n"
            f"  G (end of 100k)      {r['end_jump_s']:.3f} s, "
            f"{r['end_jump_requests']} HTTP requests\n"
            f"  cursor key → frame   held j/k at 30/s: p50 {r['held_p50_ms']:.1f} ms, "
            f"p95 {r['held_p95_ms']:.1f} ms; one at a time: p50 {r['single_p50_ms']:.1f} ms, "
            f"p95 {r['single_p95_ms']:.1f} ms; all {KEY_PRESSES + KEY_PRESSES // 3} presses: "
            f"p50 {r['key_p50_ms']:.1f} ms, p95 {r['key_p95_ms']:.1f} ms, "
            f"max {r['key_max_ms']:.1f} ms\n"
            f"  RSS after {SCROLL_ROWS:,} rows  {app_mb:.0f} MB for the app "
            f"({r['rss_mb']:.0f} MB process − {r['emulator_mb']:.0f} MB emulator data; "
            f"{r['total_requests']} requests in the run)",
            flush=True,
        )
    base = run_child("datatable")
    print(
        f"[baseline: Textual DataTable, {base['rows']:,} rows preloaded, same columns]\n"
        f"  first paint          {base['first_paint_s']:.3f} s after launch "
        f"({base['first_paint_s'] / results[0]['first_rows_s']:.0f}× the recording table's "
        f"first rows at 0 ms latency)\n"
        f"  cursor key → frame   {base['key_ms']:.1f} ms (one press)"
    )

    def line(r: dict[str, Any]) -> str:
        return (
            f"first_rows_s={r['first_rows_s']:.3f} end_jump_s={r['end_jump_s']:.3f} "
            f"end_jump_requests={r['end_jump_requests']} key_p95_ms={r['key_p95_ms']:.1f} "
            f"rss_mb={r['rss_mb'] - r['emulator_mb']:.0f}"
        )

    print(f"table@20ms: {line(results[1])}")
    print(f"table: {line(results[0])}")


if __name__ == "__main__":
    main()
