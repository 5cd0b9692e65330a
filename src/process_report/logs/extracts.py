"""Failure logs of a window: find, scan, redact and store an extract per failed process.

Plain inputs and outputs: the DAG's adapter passes the settings, a Redactor and a
function that stores an extract from a stream of blocks; tests pass temporary folders.
Each extract flows from the spool through redaction, the cap (`cap`) and gzip to its
file as a stream, so memory holds a few blocks and a tail per extract, not the extract.
"""

from __future__ import annotations

import codecs
import errno
import itertools
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from process_report.logs import cap
from process_report.logs.cap import Cuts
from process_report.logs.index import index_logs, is_canonical_uuid
from process_report.logs.problems import DISK_FULL, EXTRACT_CUT, UUID, Problems
from process_report.logs.scan import assemble, file_headers, scan_logs
from process_report.logs.spool import Spool
from process_report.logs.trim import give_back_freed_memory
from process_report.logs.workers import map_on_threads
from process_report.processes import FAILED
from process_report.redact import Redactor

GZIP_ABOVE_BYTES = 256 * 1024
Store = Callable[[str, Iterable[bytes]], str]


def failed_processes(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the scan needs of each failed process (UUID and times), not whole records:
    15,000 failures a day are a few MB this way."""
    return [
        {"uuid": p["uuid"], "start_time": p["start_time"], "stop_time": p["stop_time"]}
        for p in records
        if p["category"] == FAILED
    ]


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
    store: Store,
    redact_text: Callable[[str], str] = lambda text: text,
) -> dict[str, Any]:
    """Scan once for every failed process; store each redacted, capped extract with
    `store(name, blocks)` (gzipped when large), which writes the blocks as they come.
    Returns stored paths by UUID, problems (`problems`: a few notes per kind, each cut
    named) and figures. A full disk costs the files and extracts it hit, with a note."""
    problems = Problems()
    days_by_uuid = _days_by_uuid(failed, window_end, zones, problems)
    index = index_logs(logs_dir, log_patterns, wanted=days_by_uuid)
    problems.extend(index.problems.notes())
    own, shared = index.files_for(days_by_uuid)
    files = own + shared
    uuids = sorted(days_by_uuid)
    with tempfile.TemporaryDirectory(prefix="failure-logs-") as work, Spool(Path(work)) as spool:
        started = time.perf_counter()
        stats = scan_logs(files, uuids, spool)
        scan_s = time.perf_counter() - started
        give_back_freed_memory()  # the scan threads' buffers, before the index sort
        problems.extend(stats.problems.notes())
        headers = file_headers(files, Path(logs_dir))
        whole = [log_file.uuid is not None for log_file in files]
        stored = _store_extracts(
            spool,
            uuids,
            lambda rows: assemble(spool.stream(rows), headers, whole),
            lambda raw: _redacted(raw, redactor, redact_text),
            store,
            problems,
        )
    _note_cuts({uuid: cuts for uuid, (_, cuts) in stored.items()}, problems)
    return {
        "extracts": {uuid: path for uuid, (path, _) in stored.items() if path},
        "problems": problems.notes(),
        "bytes_scanned": stats.bytes_scanned,
        "files_scanned": stats.files_scanned,
        "files_indexed": index.files_seen,
        "scan_s": round(scan_s, 3),
    }


def _days_by_uuid(
    failed: list[Mapping[str, Any]],
    window_end: datetime,
    zones: tuple[str, ...],
    problems: Problems,
) -> dict[str, set[str]]:
    """The days each failed process ran, by canonical UUID; any other UUID is noted and
    never reaches a pattern or a path."""
    days_by_uuid = {}
    for process in failed:
        if is_canonical_uuid(process["uuid"]):
            days_by_uuid[process["uuid"].lower()] = days_ran(process, window_end, zones)
        else:
            problems.add(
                UUID,
                f"Process UUID {process['uuid']!r} is not a canonical UUID; "
                f"its logs were not searched.",
            )
    return days_by_uuid


def _store_extracts(
    spool: Spool,
    uuids: list[str],
    assembled: Callable[[np.ndarray], Iterator[bytes]],
    redact: Callable[[Iterable[bytes]], Iterator[bytes]],
    store: Store,
    problems: Problems,
) -> dict[str, tuple[str | None, Cuts]]:
    """Assemble, redact, cap and store each process's extract, as a stream; (stored
    path, or None when the disk was full, and what was cut) by UUID.

    On threads, because reading, searching for secrets, compressing and writing release
    the GIL; each extract is read only when its turn comes, so memory holds a few."""

    def finish(group: tuple[int, np.ndarray]) -> tuple[str, tuple[str | None, Cuts]]:
        number, rows = group
        cuts, uuid = Cuts(), uuids[number]
        try:
            return uuid, (_stored(uuid, cap.bounded(redact(assembled(rows)), cuts), store), cuts)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            problems.add(DISK_FULL, f"Log extract of {uuid} not stored: the disk is full.")
            return uuid, (None, Cuts())

    return dict(map_on_threads(finish, spool.groups()))


def _redacted(
    raw: Iterable[bytes], redactor: Redactor, redact_text: Callable[[str], str]
) -> Iterator[bytes]:
    """Secrets out of every line before anything is cut; text made valid UTF-8 on the
    way (a character split between two blocks is decoded whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    for block in redactor.redact_stream(raw):
        yield redact_text(decoder.decode(block)).encode()
    if rest := decoder.decode(b"", final=True):
        yield redact_text(rest).encode()


def _stored(uuid: str, text: Iterator[bytes], store: Store) -> str:
    """Stored as `{uuid}.log`, or gzipped as `{uuid}.log.gz` once it passes
    GZIP_ABOVE_BYTES: only that much is held to decide."""
    held, size = [], 0
    for block in text:
        held.append(block)
        size += len(block)
        if size > GZIP_ABOVE_BYTES:
            return store(f"{uuid}.log.gz", _gzipped(itertools.chain(held, text)))
    return store(f"{uuid}.log", held)


def _gzipped(blocks: Iterable[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip format
    for block in blocks:
        if data := compressor.compress(block):
            yield data
    yield compressor.flush()


def _note_cuts(cuts_by_uuid: Mapping[str, Cuts], problems: Problems) -> None:
    """One note per cut extract, by UUID (the report keeps a few and counts the rest)."""
    for uuid, cuts in sorted(cuts_by_uuid.items()):
        if text := cap.describe(cuts):
            problems.add(EXTRACT_CUT, f"Log extract of {uuid}: {text}.")
