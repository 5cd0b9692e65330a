"""Task `summarize_failures` (mapped): key errors and signatures of one batch of
failed processes, from their stored extracts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.logs.stored_extracts import extract_blocks
from process_report.logs.summary import summarize
from process_report.tasks.common import summaries_name

log = logging.getLogger(__name__)


def summarize_failures_task(*, batch: Mapping[str, Any]) -> dict[str, Any]:
    """Summaries (each at most 8 KB) of one batch of failed processes' extracts, kept in
    the run's folder beside failures.json, where the report task looks for them."""
    failures = artifacts.read_json(batch["failures_path"])
    summaries = []
    for uuid in failures["uuids"][batch["start"] : batch["stop"]]:
        path = failures["extracts"].get((uuid or "").lower())
        if not path:
            summaries.append(summarize(uuid, None, None))
            continue
        with artifacts.open_file(ObjectStoragePath(path)) as handle:  # streamed, not whole
            summaries.append(summarize(uuid, extract_blocks(handle, path), path))
    folder = ObjectStoragePath(batch["failures_path"]).parent
    artifacts.write_json(folder, summaries_name(batch), summaries)
    found = sum(1 for s in summaries if s["found"])
    log.info("Summarized %d failed processes, %d of them from log records.", len(summaries), found)
    return {"summaries": len(summaries), "found": found}
