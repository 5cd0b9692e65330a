"""Read each log file once for all failed processes and collect their records.

A record is a line that starts with a timestamp plus the lines after it that do not
(traceback frames, wrapped messages): those belong to the failure even though they do
not carry its UUID. Shared daily logs are searched for every failed UUID at once with
one Aho-Corasick automaton (Rust, releases the GIL, so files are scanned on all cores),
streamed in bounded chunks so memory does not grow with file size. Per-process files
belong to their process whole.

Records go to a spool on local disk; `assemble` then gives each process its records in
file order, with a header naming each file.
"""

from __future__ import annotations

import gzip
import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick_rs

from process_report.log_index import LogFile

CHUNK_BYTES = 8 << 20
LINE_MAX_BYTES = 1 << 20
FLUSH_BYTES = 16 << 20  # per scanning thread
_TIMESTAMP = re.compile(rb"\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
_NEXT_RECORD = re.compile(rb"\n(?=\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)")
# Measured ~15% faster than the DFA on 3,000 UUIDs (a smaller automaton, warmer caches).
NFA = ahocorasick_rs.Implementation.ContiguousNFA


@dataclass
class ScanStats:
    bytes_scanned: int = 0
    files_scanned: int = 0
    problems: list[str] = field(default_factory=list)


class Spool:
    """Per-process records on local disk, so memory does not grow with the extracts.

    Each scanning thread appends to its own file, one sequential write per chunk, and
    the index of where each process's segments lie stays in memory (a few bytes per
    segment). One file per process instead meant thousands of opens per flush, under a
    lock that stalled the other thread.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: dict[str, list[tuple[Path, int, int, int, int]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._writers: list = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, file_number: int, segments: Mapping[str, tuple[int, bytes]]) -> None:
        """Per process, one segment: (offset of its first record in the file, records)."""
        path, writer = self._writer()
        position = writer.tell()
        writer.write(b"".join(data for _, data in segments.values()))
        entries = []
        for uuid, (offset, data) in segments.items():
            entries.append((uuid, (path, position, len(data), file_number, offset)))
            position += len(data)
        with self._lock:
            for uuid, entry in entries:
                self._index[uuid].append(entry)

    def close(self) -> None:
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    def uuids(self) -> list[str]:
        return sorted(self._index)

    def segments(self, uuid: str) -> Iterator[tuple[int, int, bytes]]:
        """(file number, offset in that file, records) for one process."""
        readers: dict[Path, Any] = {}
        try:
            for path, position, length, file_number, offset in self._index.get(uuid, []):
                reader = readers.get(path) or readers.setdefault(path, path.open("rb"))
                reader.seek(position)
                yield file_number, offset, reader.read(length)
        finally:
            for reader in readers.values():
                reader.close()

    def _writer(self) -> tuple[Path, Any]:
        """This thread's spool file (path, handle), opened on its first segment."""
        if not hasattr(self._local, "writer"):
            with self._lock:
                path = self.folder / f"spool-{len(self._writers)}.bin"
                handle = path.open("wb")
                self._writers.append(handle)
            self._local.writer = (path, handle)
        return self._local.writer


def scan_logs(
    files: list[LogFile], uuids: list[str], spool: Spool, workers: int | None = None
) -> ScanStats:
    """Scan every file once; per-process files go to their process, shared files are
    searched for all `uuids`. File numbers (for ordering) are positions in `files`.

    Files are scanned on threads: the automaton's search releases the GIL, and worker
    processes measured slower (spawning, and one spool per worker to merge)."""
    stats = ScanStats()
    automaton = (
        ahocorasick_rs.BytesAhoCorasick([u.encode() for u in uuids], implementation=NFA)
        if uuids
        else None
    )
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as threads:
        results = list(
            threads.map(lambda item: _scan_one(item, automaton, uuids, spool), enumerate(files))
        )
    for size, problem in results:
        stats.bytes_scanned += size
        stats.files_scanned += problem is None
        if problem:
            stats.problems.append(problem)
    spool.close()
    return stats


def _scan_one(
    item: tuple[int, LogFile], automaton, uuids: list[str], spool: Spool
) -> tuple[int, str | None]:
    """(bytes read, problem or None): a file that cannot be read never fails the scan."""
    number, log_file = item
    try:
        size = (
            _copy_file(log_file, number, spool)
            if log_file.uuid
            else _search_file(log_file, number, automaton, uuids, spool)
        )
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return 0, f"{log_file.path.name} could not be read: {exc}"
    return size, None


def assemble(spool: Spool, uuid: str, files: list[LogFile], root: Path) -> bytes:
    """The process's records in file order, each file's part under a header line."""
    parts, current = [], None
    for number, _, record in sorted(spool.segments(uuid), key=lambda s: (s[0], s[1])):
        if number != current:
            current = number
            parts.append(f"==> {_relative(files[number].path, root)} <==\n".encode())
        parts.append(record if record.endswith(b"\n") else record + b"\n")
    return b"".join(parts)


def _open(log_file: LogFile):
    return gzip.open(log_file.path, "rb") if log_file.gzipped else log_file.path.open("rb")


def _chunks(log_file: LogFile) -> Iterator[bytes]:
    with _open(log_file) as handle:
        while block := handle.read(CHUNK_BYTES):
            yield block


def _copy_file(log_file: LogFile, number: int, spool: Spool) -> int:
    """A per-process file belongs to its process whole (binary files are skipped)."""
    size, offset = 0, 0
    for block in _chunks(log_file):
        if size == 0 and b"\0" in block[:8192]:
            spool.add(number, {log_file.uuid: (0, b"[binary file skipped]\n")})
            return len(block)
        size += len(block)
        spool.add(number, {log_file.uuid: (offset, _cap_long_lines(block))})
        offset += len(block)
    return size


def _search_file(log_file: LogFile, number: int, automaton, uuids: list[str], spool: Spool) -> int:
    """Stream a shared file: each chunk is cut at the last record start, the rest
    carried into the next, so no record is split and memory stays at about two chunks."""
    if automaton is None:
        return 0
    size, base, carry = 0, 0, b""
    pending = _Pending(spool, number, uuids)
    for block in _chunks(log_file):
        if size == 0 and b"\0" in block[:8192]:
            return len(block)  # binary: nothing to read as log records
        size += len(block)
        data = carry + block
        cut = _last_record_start(data)
        if cut <= 0 and len(data) < 2 * CHUNK_BYTES:
            carry = data
            continue
        if cut <= 0:
            cut = len(data)  # one enormous record: take it as it is, keep memory bounded
        pending.extend(_records(data[:cut], base, automaton))
        base += cut
        carry = data[cut:]
    if carry:
        pending.extend(_records(carry, base, automaton))
    pending.flush()
    return size


def _last_record_start(data: bytes) -> int:
    position = len(data)
    while (position := data.rfind(b"\n", 0, position)) >= 0:
        if _TIMESTAMP.match(data, position + 1):
            return position + 1
    return 0


class _Pending:
    """One file's records per process, written to the spool as one segment per process
    when the file ends or FLUSH_BYTES are buffered: few, large segments keep both the
    scan's writes and the assembly's reads cheap."""

    def __init__(self, spool: Spool, number: int, uuids: list[str]) -> None:
        self.spool, self.number, self.uuids = spool, number, uuids
        self.records: dict[int, tuple[int, list[bytes]]] = {}
        self.size = 0

    def extend(self, found: Mapping[int, tuple[int, list[bytes]]]) -> None:
        for pattern, (offset, records) in found.items():
            if pattern in self.records:
                self.records[pattern][1].extend(records)
            else:
                self.records[pattern] = (offset, records)
            self.size += sum(map(len, records))
        if self.size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.records:
            self.spool.add(
                self.number,
                {
                    self.uuids[p]: (offset, b"".join(records))
                    for p, (offset, records) in self.records.items()
                },
            )
        self.records, self.size = {}, 0


def _records(data: bytes, base: int, automaton) -> dict[int, tuple[int, list[bytes]]]:
    """Every record of `data` that mentions a searched UUID, by pattern: (offset of the
    first one in the file, the records). This loop runs once per matched record (a
    million on a bad day), so it keeps to a few C-level calls each."""
    found: dict[int, tuple[int, list[bytes]]] = {}
    last_start: dict[int, int] = {}
    rfind, is_record_start, next_record = data.rfind, _TIMESTAMP.match, _NEXT_RECORD.search
    for pattern, start, end in automaton.find_matches_as_indexes(data):
        record_start = rfind(b"\n", 0, start) + 1
        while record_start > 0 and not is_record_start(data, record_start):
            record_start = rfind(b"\n", 0, record_start - 1) + 1
        if last_start.get(pattern) == record_start:
            continue  # the UUID appears again in the same record
        last_start[pattern] = record_start
        following = next_record(data, end)
        record = data[record_start : following.start() + 1 if following else len(data)]
        if len(record) > LINE_MAX_BYTES:
            record = _cap_long_lines(record)
        if pattern in found:
            found[pattern][1].append(record)
        else:
            found[pattern] = (base + record_start, [record])
    return found


def _cap_long_lines(block: bytes) -> bytes:
    """Lines over LINE_MAX_BYTES are cut there and marked, never dropped."""
    if len(block) <= LINE_MAX_BYTES:
        return block
    lines = block.split(b"\n")
    return b"\n".join(
        line
        if len(line) <= LINE_MAX_BYTES
        else line[:LINE_MAX_BYTES] + f" [line truncated: {len(line)} bytes]".encode()
        for line in lines
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name
