"""Failure logs of a window: find, scan, redact and store an extract per failed process.

Plain inputs and outputs: the DAG's adapter passes the settings, a Redactor and a
function that stores an extract; tests pass temporary folders.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from process_report.logs.index import index_logs, is_canonical_uuid
from process_report.logs.scan import Spool, assemble, file_headers, scan_logs
from process_report.processes import FAILED
from process_report.redact import Redactor

GZIP_ABOVE_BYTES = 256 * 1024


def failed_processes(process_data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [p for p in process_data["processes"] if p["category"] == FAILED]


def days_ran(process: Mapping[str, Any], window_end: datetime, zones: tuple[str, ...]) -> set[str]:
    """Calendar days (in each zone a log file may be named in) the process ran on."""
    start = datetime.fromisoformat(process["start_time"] or window_end.isoformat())
    stop = datetime.fromisoformat(process["stop_time"]) if process["stop_time"] else window_end
    days = set()
    for zone in zones:
        tz = ZoneInfo(zone)
        day, last = start.astimezone(tz).date(), max(start, stop).astimezone(tz).date()
        while day <= last:
            days.add(day.isoformat())
            day += timedelta(days=1)
    return days


def extract_failure_logs(
    failed: list[Mapping[str, Any]],
    *,
    logs_dir: str,
    log_patterns: tuple[str, ...],
    window_end: datetime,
    zones: tuple[str, ...],
    redactor: Redactor,
    store: Callable[[str, bytes], str],
    redact_text: Callable[[str], str] = lambda text: text,
) -> dict[str, Any]:
    """Scan once for every failed process; store each redacted extract with `store(name,
    data)` (gzipped when large). Returns stored paths by UUID, problems and figures."""
    problems: list[str] = []
    days_by_uuid: dict[str, set[str]] = {}
    for process in failed:
        if is_canonical_uuid(process["uuid"]):
            days_by_uuid[process["uuid"].lower()] = days_ran(process, window_end, zones)
        else:
            problems.append(
                f"Process UUID {process['uuid']!r} is not a canonical UUID; "
                f"its logs were not searched."
            )
    index = index_logs(logs_dir, log_patterns)
    problems += index.problems
    own, shared = index.files_for(days_by_uuid)
    files = own + shared
    uuids = sorted(days_by_uuid)
    with tempfile.TemporaryDirectory(prefix="failure-logs-") as work, Spool(Path(work)) as spool:
        started = time.perf_counter()
        stats = scan_logs(files, uuids, spool)
        scan_s = time.perf_counter() - started
        problems += stats.problems
        extracts = _store_extracts(
            spool,
            uuids,
            file_headers(files, Path(logs_dir)),
            lambda raw: redact_text(redactor.redact(raw).decode("utf-8", "replace")).encode(),
            store,
        )
    return {
        "extracts": extracts,
        "problems": problems,
        "bytes_scanned": stats.bytes_scanned,
        "files_scanned": stats.files_scanned,
        "files_indexed": index.files_seen,
        "scan_s": round(scan_s, 3),
    }


def _store_extracts(
    spool: Spool,
    uuids: list[str],
    headers: list[bytes],
    redact: Callable[[bytes], bytes],
    store: Callable[[str, bytes], str],
) -> dict[str, str]:
    """Assemble, redact and store each process's extract; stored paths by UUID.

    On threads, because reading, searching for secrets, compressing and writing release
    the GIL; each extract is read only when its turn comes, so memory holds a few."""

    def finish(group: tuple[int, list[list[int]]]) -> tuple[str, str]:
        number, rows = group
        text = redact(assemble(spool.read(rows), headers))
        name, data = (
            (f"{uuids[number]}.log.gz", gzip.compress(text, 6))
            if len(text) > GZIP_ABOVE_BYTES
            else (f"{uuids[number]}.log", text)
        )
        return uuids[number], store(name, data)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as threads:
        return dict(threads.map(finish, spool.groups()))


def read_extract(data: bytes, name: str) -> str:
    return (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8", "replace")
