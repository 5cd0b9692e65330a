"""Task `fetch_processes`: the window's processes from `process_db`, categorized, into
the run's folder as they are read; the counts to XCom. Also the 7-day trend's counts
(history/trend.py), which a report can do without: a failure of that query is said in
the report, not a failed run."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from process_report import artifacts
from process_report.history.trend import TREND_DAYS, TREND_FILE, fetch_trend_rows, trend_of
from process_report.process_records import write_records
from process_report.processes import WindowTally, categorized, fetch_clients, iter_process_rows
from process_report.report_context import counts_line
from process_report.run_context import RunContext
from process_report.tasks.common import mask_api_keys, process_db
from process_report.window import report_windows

log = logging.getLogger(__name__)
CLIENTS_FILE = "clients.json"


def fetch_processes_task(*, run: Mapping[str, Any]) -> dict[str, Any]:
    """Read and categorize the window's and the previous window's processes.

    The window's records are written to the run's folder as they are read
    (process_records.py): the task keeps their counts, never the records. XCom gets the
    summary's path and the counts, and the path of the 7-day trend (None, with
    `trend_error`, when it could not be read).
    """
    context = RunContext.from_xcom(run)
    settings, window = context.settings, context.window
    options = {
        "hung_after_minutes": settings.hung_after_minutes,
        "skip_api_keys": settings.skip_api_keys,
    }
    keys: set[str] = set()
    with process_db() as conn:
        tally = WindowTally()
        rows = _keys_kept(
            iter_process_rows(conn, window.start, window.end, settings.db_timezone), keys
        )
        processes_path = write_records(
            context.folder, categorized(rows, tally, window_end=window.end, **options), tally
        )
        before = WindowTally()
        previous = (window.previous_start, window.previous_end, settings.db_timezone)
        rows = _keys_kept(iter_process_rows(conn, *previous), keys)
        for _ in categorized(rows, before, window_end=window.previous_end, **options):
            pass  # only the counts of the day before are kept
        trend, trend_error = _trend(conn, context)
        clients = fetch_clients(conn, settings.skip_api_keys) if settings.owners else None
    masked = mask_api_keys(keys, settings)
    counts, previous_counts = tally.counts, before.counts
    read = counts["total"] + tally.skipped_test_processes
    # The numbers add up to the email's: read = skip-listed + in the report, and the
    # report's total is the sum of its categories (hung is a part of running).
    log.info(
        "Report day %s: read %d processes, %d skip-listed, %d in the report: %s "
        "(the day before: %d)",
        window.report_day.isoformat(),
        read,
        tally.skipped_test_processes,
        counts["total"],
        counts_line(counts),
        previous_counts["total"],
    )
    log.info("%d client API key(s) masked in task logs", masked)
    return {
        "processes_path": processes_path,
        "counts": counts,
        "previous_counts": previous_counts,
        "trend_path": trend and artifacts.write_json(context.folder, TREND_FILE, trend),
        "trend_error": trend_error,
        # for the owner digests: who exists (an owner may name a client that ran nothing)
        "clients_path": artifacts.write_json(context.folder, CLIENTS_FILE, clients)
        if clients is not None
        else None,
    }


def _keys_kept(rows: Iterable[dict[str, Any]], keys: set[str]) -> Iterator[dict[str, Any]]:
    """The rows as they are, each one's client API key added to `keys` (a few hundred
    or thousand keys, not one per row) for the task log's masker."""
    for row in rows:
        if row.get("api_key"):
            keys.add(row["api_key"])
        yield row


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
