"""Triage at scale, without a UI: bulk delete, archive-then-delete, export and cost summaries.

Everything here is async, reports progress through plain callbacks and can be stopped:

- `BulkDelete(client, ids, progress=cb).run()` / `.cancel()` / `.retry()` -> `BulkReport`
- `ArchiveDelete(client, recordings_or_ids, archive_dir, progress=cb).run()` (same controls);
  the manifest in `archive_dir` is the journal that makes a re-run resume safely
- `BulkTranscribe(client, ids, known=, keep=).run()`: a transcript asked for each recording
  that has none (same controls)
- `export_to_path(rows, path, "csv" | "jsonl", total=, progress=)` / `export_rows(rows, out, ...)`
- `CostAccumulator` / `summarize(recordings)` / `summarize_async(rows)` -> `CostSummary`
- rows come from `rectui.listing.Listing(client, flt).iter_all()` (every row, all windows)

`cb(done, total, last_result)` runs on the event loop after each item. Stopping: `.cancel()`
(soft: in-flight items finish, `run()` returns) or cancelling the task (a DELETE on the wire
still completes so the report is exact; `run()` re-raises, the report stays on `.report`).
Nothing here imports Textual.
"""

from .archive import ArchiveDelete
from .bulk_delete import BulkDelete, bulk_delete
from .costs import CostAccumulator, CostSummary, WeekBucket, summarize, summarize_async
from .export import ExportFormat, export_rows, export_to_path
from .results import BulkReport, ItemResult, Outcome
from .transcribe import BulkTranscribe

__all__ = [
    "ArchiveDelete",
    "BulkDelete",
    "BulkReport",
    "BulkTranscribe",
    "CostAccumulator",
    "CostSummary",
    "ExportFormat",
    "ItemResult",
    "Outcome",
    "WeekBucket",
    "bulk_delete",
    "export_rows",
    "export_to_path",
    "summarize",
    "summarize_async",
]
