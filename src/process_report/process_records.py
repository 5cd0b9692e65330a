"""The window's process records in the run's folder, written and read as a stream.

A big day's records (100,000 processes are ~55 MB as JSON, several times that as Python
objects) never sit in one task's memory: `fetch_processes` writes them as JSON Lines
(RECORDS_FILE, one record a line, in the window query's order) while it reads them, and
every task after it reads them back one line at a time. What the tasks need whole, the
counts and the data-quality notes, goes beside them in SUMMARY_FILE.

A run archived before the records were streamed has them inside SUMMARY_FILE
(`{"processes": [...], "counts": ...}`); `read_records` reads either.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.processes import RECORDS_FILE, SUMMARY_FILE, WindowTally, duplicate_note

SPOOL_IN_MEMORY_BYTES = 4 * 1024 * 1024


def write_records(
    folder: ObjectStoragePath, records: Iterable[Mapping[str, Any]], tally: WindowTally
) -> str:
    """Write the window's `records` (which fill `tally` as they go) to RECORDS_FILE and
    their summary to SUMMARY_FILE; returns the summary's URL.

    The records are spooled to a local temporary file first: a UUID's duplicates are
    known only at the end, and each of their records carries the note. The spool is
    then copied line by line, the few duplicated records rewritten on the way."""
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY_BYTES) as spool:
        for record in records:
            spool.write(_line(record))
        duplicated = tally.duplicated()
        spool.seek(0)
        artifacts.write_chunks(folder, RECORDS_FILE, _with_duplicates_noted(spool, duplicated))
    summary = {
        "records": RECORDS_FILE,
        "counts": tally.counts,
        "skipped_test_processes": tally.skipped_test_processes,
        "data_quality": tally.data_quality(),
    }
    return artifacts.write_json(folder, SUMMARY_FILE, summary)


def _with_duplicates_noted(
    lines: Iterable[bytes], duplicated: Mapping[Any, int]
) -> Iterator[bytes]:
    for line in lines:
        if not duplicated:
            yield line
            continue
        record = json.loads(line)
        if record["uuid"] in duplicated:
            record["notes"].append(duplicate_note(duplicated[record["uuid"]]))
            line = _line(record)
        yield line


def _line(record: Mapping[str, Any]) -> bytes:
    # ensure_ascii keeps each record on one line whatever its text holds (U+2028 too)
    return json.dumps(record, sort_keys=True).encode() + b"\n"


def read_summary(summary_url: str) -> dict[str, Any]:
    """The counts, skip-listed rows and data-quality notes of the window (no records)."""
    summary = artifacts.read_json(summary_url)
    summary.pop("processes", None)  # a run archived before the records were streamed
    return summary


def read_records(summary_url: str) -> Iterator[dict[str, Any]]:
    """The window's records, one at a time, in the window query's order."""
    summary = artifacts.read_json(summary_url)
    if "records" not in summary:  # a run archived before the records were streamed
        yield from summary.get("processes", [])
        return
    del summary
    records = ObjectStoragePath(summary_url).parent / RECORDS_FILE
    with artifacts.open_file(records) as handle:
        for line in handle:
            yield json.loads(line)


def read_category(summary_url: str, category: str) -> Iterator[dict[str, Any]]:
    """The records of one category, in the window query's order."""
    return (r for r in read_records(summary_url) if r["category"] == category)
