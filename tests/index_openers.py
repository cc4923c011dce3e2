"""Several processes opening one new index file at the same moment, many times over: what
`rectui sync` started twice, or the TUI and a sync, do on a new account. Run as a script by
tests/test_index.py (one fresh interpreter, forked per opener, so no test's threads are forked).

    python index_openers.py DIR TRIALS OPENERS  ->  one JSON line per opener
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from pathlib import Path

from rectui.index import IndexStore
from rectui.index.transcripts import TranscriptIndex

AUTH_ID = "MAOPENERS00000000000"


def open_once(
    path: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue
) -> None:
    start.wait()
    try:
        store = IndexStore(Path(path), AUTH_ID)
        TranscriptIndex(Path(path)).close()
        out.put({"path": path, "notice": store.notice})
        store.close()
    except Exception as exc:  # reported, not raised: the test names it
        out.put({"path": path, "error": f"{type(exc).__name__}: {exc}"})


def main(root: Path, trials: int, openers: int) -> None:
    fork = multiprocessing.get_context("fork")
    for trial in range(trials):
        path = str(root / f"trial-{trial}" / "index.sqlite3")
        start, out = fork.Barrier(openers), fork.Queue()
        processes = [
            fork.Process(target=open_once, args=(path, start, out)) for _ in range(openers)
        ]
        for process in processes:
            process.start()
        for _ in processes:
            print(json.dumps(out.get(timeout=60)), flush=True)
        for process in processes:
            process.join()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
