"""Task `scan_failure_logs`: one scan of the logs for every failed process,
redacted extracts into the run's folder, batches for the mapped summaries."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from process_report import artifacts
from process_report.batches import batch_ranges
from process_report.logs.extracts import extract_failure_logs, failed_processes
from process_report.process_records import read_records
from process_report.processes import fetch_api_keys
from process_report.redact import Redactor
from process_report.run_context import RunContext
from process_report.tasks.common import mask_api_keys, process_db, text_masker

log = logging.getLogger(__name__)
FAILURES_PER_BATCH = 100  # summaries are quick: a small day needs one instance


def scan_failure_logs_task(
    *, run: Mapping[str, Any], fetched: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Read every log file once for all failed processes; store redacted extracts.

    Returns the batches for the mapped summaries (at most `max_mapped_instances`), each
    naming the run's failures.json, which holds the UUIDs, the extract paths and the
    scan's problems.

    One task, not one per batch: splitting the scan would read each shared daily log
    once per batch. The summaries, which need only the extracts, are the mapped part.
    """
    from airflow.sdk._shared.secrets_masker import _secrets_masker

    context = RunContext.from_xcom(run)
    settings, window, folder = context.settings, context.window, context.folder
    failed = failed_processes(read_records(fetched["processes_path"]))
    with process_db() as conn:
        api_keys = fetch_api_keys(conn)
    # Our Redactor takes the API keys out of every extract before Airflow's masker
    # sees the text, so the keys are registered with that masker only after the scan:
    # it matches its secrets with one regex alternation, and 300 more of them made the
    # big day's scan 10 x slower (71 s instead of 6.5 s; README, make bench-dag). The
    # scan logs nothing; should it fail, the keys are registered before its error is.
    redactor = Redactor([*api_keys, *settings.skip_api_keys])
    try:
        result = extract_failure_logs(
            failed,
            logs_dir=settings.logs_dir,
            log_patterns=settings.log_patterns,
            window_end=window.end,
            zones=tuple(
                dict.fromkeys(
                    ("UTC", settings.timezone, settings.db_timezone, settings.logs_timezone)
                )
            ),
            redactor=redactor,
            store=artifacts.folder_writer(folder, "failure_logs"),
            redact_text=text_masker(_secrets_masker()),
        )
    finally:
        masked = mask_api_keys(api_keys, settings)
    uuids = [p["uuid"] for p in failed]
    failures_path = artifacts.write_json(folder, "failures.json", {"uuids": uuids, **result})
    log.info(
        "Scanned %d log files (%.1f MB) for %d failed processes: %d redacted extracts "
        "stored, %d problem(s) noted for the report; %d client API keys masked in task logs",
        result["files_scanned"],
        result["bytes_scanned"] / 1e6,
        len(uuids),
        len(result["extracts"]),
        len(result["problems"]),
        masked,
    )
    batches = batch_ranges(len(uuids), FAILURES_PER_BATCH, settings.max_mapped_instances)
    return [
        {
            "failures_path": failures_path,
            "label": f"failures {b['start'] + 1}-{b['stop']} of {len(uuids)}",
            **b,
        }
        for b in batches
    ]
