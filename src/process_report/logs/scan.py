"""Read each log file once for all failed processes and collect their records.

A record is a line that starts with a timestamp plus the lines after it that do not
(traceback frames, wrapped messages): those belong to the failure even though they do
not carry its UUID. Shared daily logs are searched for every failed UUID at once
(`log_records`: array operations that release the GIL, so files are scanned on all
cores), streamed in bounded chunks so memory does not grow with file size. Per-process
files belong to their process whole.

Records go to a spool on local disk; `Spool.groups` and `Spool.stream` then give each
process its records in file order, in pieces of at most READ_BYTES, and `assemble` puts
a header naming each file before its part. Nothing is cut here but a record longer
than two chunks: lines are truncated and extracts capped after redaction (`cap`).
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import itertools
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from process_report.logs.index import LogFile, open_log
from process_report.logs.records import RecordFinder, Records, last_record_start

CHUNK_BYTES = 8 << 20
FLUSH_BYTES = 16 << 20  # per scanning thread
READ_BYTES = 1 << 20  # pieces in which an extract is read back from the spool


@dataclass
class ScanStats:
    bytes_scanned: int = 0
    files_scanned: int = 0
    problems: list[str] = field(default_factory=list)


class Spool:
    """Per-process records on local disk, so memory does not grow with the extracts.
    A context manager: leaving it closes every file it opened.

    Each scanning thread appends to its own file, one sequential write per flush, and
    the index of where each process's segments lie stays in memory as arrays (a few
    bytes per segment). One file per process instead meant thousands of opens per
    flush, under a lock that stalled the other thread.
    """

    # Index columns: UUID number, file number, offset in that file, spool file number,
    # position in that spool file, length.
    _NUMBER, _FILE, _OFFSET, _SPOOL, _POSITION, _LENGTH = range(6)

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._writers: list[BinaryIO] = []
        self._readers: list[int] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, file_number: int, records: Records) -> None:
        spool, writer = self._writer()
        position = writer.tell()
        writer.write(records.data)
        entries = np.empty((len(records.numbers), 6), dtype=np.int64)
        entries[:, self._NUMBER] = records.numbers
        entries[:, self._FILE] = file_number
        entries[:, self._OFFSET] = records.offsets
        entries[:, self._SPOOL] = spool
        entries[:, self._POSITION] = position + np.cumsum(records.lengths) - records.lengths
        entries[:, self._LENGTH] = records.lengths
        with self._lock:
            self._index.append(entries)

    def close(self) -> None:
        """Done writing: the spool files are reopened for reading by position."""
        for writer in self._writers:
            writer.close()
        self._readers = [os.open(writer.name, os.O_RDONLY) for writer in self._writers]

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_exc: object) -> None:
        for handle in self._writers:
            handle.close()
        for reader in self._readers:
            os.close(reader)
        self._readers = []

    def groups(self) -> list[tuple[int, list[list[int]]]]:
        """Per UUID number (ascending), the index rows of its segments in file order."""
        if not self._index:
            return []
        index = np.concatenate(self._index)
        number = index[:, self._NUMBER]
        order = np.lexsort((index[:, self._OFFSET], index[:, self._FILE], number))
        index, number = index[order], number[order]
        edges = [*np.flatnonzero(np.diff(number, prepend=-1)).tolist(), len(index)]
        return [
            (int(number[begin]), index[begin:end].tolist())
            for begin, end in itertools.pairwise(edges)
        ]

    def stream(self, rows: list[list[int]]) -> Iterator[tuple[int, bytes, bool]]:
        """The segments of one group as (file number, piece, whether the piece ends its
        segment), pieces of at most READ_BYTES; safe from several threads (positional
        reads), and a segment of any size is never held whole."""
        for _, file, _, spool, position, length in rows:
            for start in range(position, position + length, READ_BYTES):
                size = min(READ_BYTES, position + length - start)
                yield (
                    file,
                    os.pread(self._readers[spool], size, start),
                    start + size == (position + length),
                )

    def _writer(self) -> tuple[int, BinaryIO]:
        """This thread's spool file (number, handle), opened on its first segment."""
        if not hasattr(self._local, "writer"):
            with self._lock:
                handle = (self.folder / f"spool-{len(self._writers)}.bin").open("wb")
                self._writers.append(handle)
                self._local.writer = (len(self._writers) - 1, handle)
        return self._local.writer


def scan_logs(
    files: list[LogFile], uuids: list[str], spool: Spool, workers: int | None = None
) -> ScanStats:
    """Scan every file once; per-process files go to their process, shared files are
    searched for all `uuids`. File numbers (for ordering) are positions in `files`, and
    UUID numbers positions in `uuids`.

    Files are scanned on threads: the record search releases the GIL, and worker
    processes measured slower (spawning, and one spool per worker to merge)."""
    stats = ScanStats()
    finder = RecordFinder(uuids)
    numbers = {uuid: number for number, uuid in enumerate(uuids)}
    # Shared daily logs first: they are the large ones, and the many small per-process
    # files then keep both threads busy to the end.
    largest_first = sorted(enumerate(files), key=lambda item: item[1].uuid is not None)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as threads:
        results = list(
            threads.map(lambda item: _scan_one(item, finder, numbers, spool), largest_first)
        )
    for size, scanned, problem in results:
        stats.bytes_scanned += size
        stats.files_scanned += scanned
        if problem:
            stats.problems.append(problem)
    spool.close()
    return stats


class _BinaryFileError(Exception):
    """NUL bytes at the start: not log text."""


def _scan_one(
    item: tuple[int, LogFile], finder: RecordFinder, numbers: dict[str, int], spool: Spool
) -> tuple[int, bool, str | None]:
    """(bytes read, whether it was scanned, a note for the report or None): a file that
    cannot be read never fails the scan, and none is left out or cut without a note."""
    number, log_file = item
    name = log_file.path.name
    try:
        if log_file.uuid:
            return _copy_file(log_file, number, numbers[log_file.uuid], spool), True, None
        size, cut = _search_file(log_file, number, finder, spool)
    except _BinaryFileError:
        return 0, False, f"{name} skipped: a binary file (NUL bytes in its first 8 KB)."
    except OSError as exc:
        return 0, False, _read_problem(log_file, exc)
    except (EOFError, gzip.BadGzipFile) as exc:
        return 0, False, f"{name} could not be read: {exc}"
    note = (
        f"{name}: a record longer than {2 * CHUNK_BYTES / 2**20:g} MiB was cut at a line "
        f"end ({cut} time(s)); its lines after the cut are kept only where they name a "
        f"failed process."
    )
    return size, True, note if cut else None


def _read_problem(log_file: LogFile, exc: OSError) -> str:
    """Why a file was not read, for the report; a swapped-in link is named as such."""
    name = log_file.path.name
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return (
            f"{name} skipped: it or its folder became a link after the logs folder was "
            f"walked, and links are not followed while reading."
        )
    if exc.errno == errno.EINVAL and exc.strerror == "not a regular file":
        return f"{name} skipped: it is not a regular file any more."
    return f"{name} could not be read: {exc}"


def file_headers(files: list[LogFile], root: Path) -> list[bytes]:
    """The line that opens each file's part of an extract, by file number."""
    return [f"==> {_relative(log_file.path, root)} <==\n".encode() for log_file in files]


def assemble(
    pieces: Iterable[tuple[int, bytes, bool]], headers: list[bytes], whole: list[bool]
) -> Iterator[bytes]:
    """One process's pieces (`Spool.stream`) under a header line per file, each file's
    part ending its last line. A shared file's segment ends a line too (its records
    are not contiguous in the file); a per-process file (`whole[number]`) is read in
    contiguous blocks that may end anywhere, so it is joined as it is."""
    current, line_ended = None, True
    for number, piece, segment_end in pieces:
        if number != current:
            if not line_ended:
                yield b"\n"
            current, line_ended = number, True
            yield headers[number]
        if piece:
            line_ended = piece.endswith(b"\n")
            yield piece
        if segment_end and not line_ended and not whole[number]:
            line_ended = True
            yield b"\n"
    if not line_ended:
        yield b"\n"


@contextlib.contextmanager
def _open(log_file: LogFile) -> Iterator[BinaryIO]:
    """The file's bytes (decompressed if gzipped), opened without following links."""
    with open_log(log_file) as raw:
        if not log_file.gzipped:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield unzipped


def _chunks(log_file: LogFile) -> Iterator[bytes]:
    with _open(log_file) as handle:
        while block := handle.read(CHUNK_BYTES):
            yield block


def _copy_file(log_file: LogFile, number: int, uuid_number: int, spool: Spool) -> int:
    """A per-process file belongs to its process whole (binary files are skipped)."""
    size = 0
    for block in _chunks(log_file):
        if size == 0 and b"\0" in block[:8192]:
            spool.add(number, Records.whole(uuid_number, 0, b"[binary file skipped]\n"))
            raise _BinaryFileError
        spool.add(number, Records.whole(uuid_number, size, block))
        size += len(block)
    return size


def _search_file(
    log_file: LogFile, number: int, finder: RecordFinder, spool: Spool
) -> tuple[int, int]:
    """Stream a shared file through one reused buffer: each chunk is cut at its last
    record start and the rest carried to the front for the next, so no record is split,
    memory stays at three chunks, and only the carry is ever copied. A record longer
    than two chunks is cut at its last line end (only a longer line is cut inside).

    Returns (bytes read, number of records cut)."""
    buffer = bytearray(3 * CHUNK_BYTES)
    view = memoryview(buffer)
    size, base, filled, cuts = 0, 0, 0, 0
    pending = _Pending(spool, number)
    with _open(log_file) as handle:
        while read := handle.readinto(view[filled : filled + CHUNK_BYTES]):
            if size == 0 and buffer.find(b"\0", 0, min(read, 8192)) >= 0:
                raise _BinaryFileError
            size += read
            filled += read
            cut = last_record_start(buffer, filled)
            if cut <= 0 and filled < 2 * CHUNK_BYTES:
                continue
            if cut <= 0:  # one enormous record: cut it, to keep memory bounded
                cut = buffer.rfind(b"\n", 0, filled) + 1 or filled
                cuts += 1
            pending.add(finder.records(view[:cut], base))
            base += cut
            view[: filled - cut] = bytes(view[cut:filled])
            filled -= cut
    if filled:
        pending.add(finder.records(view[:filled], base))
    pending.flush()
    return size, cuts


class _Pending:
    """One file's records, written to the spool as one segment per process when the
    file ends or FLUSH_BYTES are buffered: few, large segments keep both the scan's
    writes and the assembly's reads cheap."""

    def __init__(self, spool: Spool, number: int) -> None:
        self.spool, self.number = spool, number
        self.parts: list[Records] = []
        self.size = 0

    def add(self, records: Records | None) -> None:
        if records is None:
            return
        self.parts.append(records)
        self.size += len(records.data)
        if self.size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.spool.add(self.number, Records.merge(self.parts))
        self.parts, self.size = [], 0


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name
