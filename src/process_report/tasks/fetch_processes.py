"""Task `fetch_processes`: the window's processes from `process_db`,
categorized, into the run's folder; the counts to XCom. Also the 7-day trend's counts
(history/trend.py), which a report can do without: a failure of that query is said in
the report, not a failed run."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from process_report import artifacts
from process_report.history.trend import TREND_DAYS, TREND_FILE, fetch_trend_rows, trend_of
from process_report.processes import categorize, fetch_clients, fetch_process_rows
from process_report.report_context import counts_line
from process_report.run_context import RunContext
from process_report.tasks.common import mask_api_keys, process_db
from process_report.window import report_windows

log = logging.getLogger(__name__)
CLIENTS_FILE = "clients.json"


def fetch_processes_task(*, run: Mapping[str, Any]) -> dict[str, Any]:
    """Read and categorize the window's and the previous window's processes.

    The full list goes to the run's artifacts folder; XCom gets its path and the counts,
    and the path of the 7-day trend (None, with `trend_error`, when it could not be read).
    """
    context = RunContext.from_xcom(run)
    settings, window = context.settings, context.window
    with process_db() as conn:
        current = fetch_process_rows(conn, window.start, window.end, settings.db_timezone)
        previous = fetch_process_rows(
            conn, window.previous_start, window.previous_end, settings.db_timezone
        )
        trend, trend_error = _trend(conn, context)
        clients = fetch_clients(conn, settings.skip_api_keys) if settings.owners else None
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
    # The numbers add up to the email's: read = skip-listed + in the report, and the
    # report's total is the sum of its categories (hung is a part of running).
    log.info(
        "Report day %s: read %d processes, %d skip-listed, %d in the report: %s "
        "(the day before: %d)",
        window.report_day.isoformat(),
        read["current"],
        process_set.skipped_test_processes,
        counts["total"],
        counts_line(counts),
        previous_counts["total"],
    )
    log.info("%d client API key(s) masked in task logs", masked)
    return {
        "processes_path": artifacts.write_json(
            context.folder, "processes.json", process_set.to_dict()
        ),
        "counts": counts,
        "previous_counts": previous_counts,
        "trend_path": trend and artifacts.write_json(context.folder, TREND_FILE, trend),
        "trend_error": trend_error,
        # for the owner digests: who exists (an owner may name a client that ran nothing)
        "clients_path": artifacts.write_json(context.folder, CLIENTS_FILE, clients)
        if clients is not None
        else None,
    }


def _trend(conn: Any, context: RunContext) -> tuple[dict[str, Any] | None, str | None]:
    """The 7-day trend, or why there is none. Its query runs after the window's, on the
    same connection; whatever goes wrong with it costs the report its trend only."""
    windows = report_windows(context.window, TREND_DAYS)
    settings = context.settings
    try:
        rows = fetch_trend_rows(conn, windows, settings.db_timezone, settings.skip_api_keys)
    except Exception as exc:  # the driver's error type depends on the hook's driver
        log.warning("The 7-day trend could not be read: %s", type(exc).__name__)
        return None, f"the 7-day trend could not be read ({type(exc).__name__})"
    trend = trend_of(rows, [day for day, _, _ in windows])
    log.info(
        "7-day trend read: %d failed over %d days, %d client(s) with failures",
        sum(trend["overall"]["failed"]),
        len(windows),
        len(trend["clients"]) + trend["more_clients"],
    )
    return trend, None
