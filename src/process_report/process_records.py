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
    summary = _summary(summary_url)
    summary.pop("processes", None)  # a run archived before the records were streamed
    return summary


class RecordsFileError(ValueError):
    """The window's records file is not the whole window: missing, cut short or
    damaged (a full disk or a lost upload while fetch_processes wrote it). Reading on
    would give a report that silently lacks processes; the message names the file and
    the way out, reading the window again."""


def read_records(summary_url: str) -> Iterator[dict[str, Any]]:
    """The window's records, one at a time, in the window query's order.

    Every line must be a whole JSON record and there must be as many as the summary
    counted (`counts["total"]`, which the tally took from the same records): anything
    else raises RecordsFileError, at the latest once the last record has been read, so
    a consumer that reads them all (the email's store) never completes on fewer."""
    summary = _summary(summary_url)
    if "records" not in summary:  # a run archived before the records were streamed
        yield from summary.get("processes", [])
        return
    expected = summary["counts"]["total"]
    del summary
    records = ObjectStoragePath(summary_url).parent / RECORDS_FILE
    try:
        handle = artifacts.open_file(records)
    except FileNotFoundError:
        raise _damaged(records, "is missing") from None
    read = 0
    with handle:
        for line in handle:
            read += 1
            yield _record(records, read, line)
    if read != expected:
        raise _damaged(records, f"holds {read} records, but {SUMMARY_FILE} counted {expected}")


def _summary(summary_url: str) -> dict[str, Any]:
    try:
        summary = artifacts.read_json(summary_url)
    except FileNotFoundError:
        raise _damaged(summary_url, "is missing") from None
    except ValueError:
        summary = None
    # the records inside (a run archived before they were streamed), or their counts
    if not isinstance(summary, dict) or not (
        "processes" in summary or isinstance(summary.get("counts"), dict)
    ):
        raise _damaged(summary_url, "is not the window's summary")
    return summary


def _record(records: ObjectStoragePath, number: int, line: bytes) -> dict[str, Any]:
    if not line.endswith(b"\n"):
        raise _damaged(records, f"ends in the middle of its line {number}")
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise _damaged(records, f"has something other than a record on line {number} of it")
    return record


def _damaged(path: ObjectStoragePath | str, what: str) -> RecordsFileError:
    return RecordsFileError(
        f"The window's records cannot be read whole: {path} {what} (a full disk or a "
        "failed upload while fetch_processes wrote it?), and a report from them would "
        "lack processes. Clear fetch_processes (and the tasks after it) to read the "
        "window again."
    )


def read_category(summary_url: str, category: str) -> Iterator[dict[str, Any]]:
    """The records of one category, in the window query's order."""
    return (r for r in read_records(summary_url) if r["category"] == category)
