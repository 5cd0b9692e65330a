"""Task `fetch_processes`: the window's processes from `process_db`,
categorized, into the run's folder; the counts to XCom."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from process_report import artifacts
from process_report.processes import categorize, fetch_process_rows
from process_report.run_context import RunContext
from process_report.tasks.common import mask_api_keys, process_db

log = logging.getLogger(__name__)


def fetch_processes_task(*, run: Mapping[str, Any]) -> dict[str, Any]:
    """Read and categorize the window's and the previous window's processes.

    The full list goes to the run's artifacts folder; XCom gets its path and the counts.
    """
    context = RunContext.from_xcom(run)
    settings, window = context.settings, context.window
    with process_db() as conn:
        current = fetch_process_rows(conn, window.start, window.end, settings.db_timezone)
        previous = fetch_process_rows(
            conn, window.previous_start, window.previous_end, settings.db_timezone
        )
    masked = mask_api_keys([row["api_key"] for row in current + previous], settings)
    options = {
        "hung_after_minutes": settings.hung_after_minutes,
        "skip_api_keys": settings.skip_api_keys,
    }
    # Only the counts of the previous window are kept, and the rows go as soon as they
    # are categorized: on a big day each copy of a window's rows is ~100 MB.
    read = {"current": len(current), "previous": len(previous)}
    previous_counts = categorize(previous, window_end=window.previous_end, **options).counts
    del previous
    process_set = categorize(current, window_end=window.end, **options)
    del current
    counts = process_set.counts
    log.info(
        "Read %d processes in the window (%s) and %d in the previous one; %d client API "
        "keys masked in task logs",
        read["current"],
        ", ".join(f"{n} {c}" for c, n in counts.items() if c != "total"),
        read["previous"],
        masked,
    )
    return {
        "processes_path": artifacts.write_json(
            context.folder, "processes.json", process_set.to_dict()
        ),
        "counts": counts,
        "previous_counts": previous_counts,
    }
