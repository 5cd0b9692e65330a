"""Read each log file once for all failed processes and collect their records.

A record is a line that starts with a timestamp plus the lines after it that do not
(traceback frames, wrapped messages): those belong to the failure even though they do
not carry its UUID. Shared daily logs are searched for every failed UUID at once
(`log_records`: array operations that release the GIL, so files are scanned on all
cores), streamed in bounded chunks so memory does not grow with file size. Per-process
files belong to their process whole, but the spool keeps of each only what the cap
will keep (its first and last MiB, with slack), so the disk does not grow with it
either. Every file is read as text (`decode`: UTF-16 transcoded, NULs removed).

Records go to a spool on local disk (`spool`); `Spool.groups` and `Spool.stream` then
give each process its records in file order, and `assemble` puts a header naming each
file before its part. Nothing else is cut here but a record longer than two chunks:
lines are truncated and extracts capped after redaction (`cap`).
"""

from __future__ import annotations

import contextlib
import errno
import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from process_report.logs import cap
from process_report.logs.decode import BinaryLogError, text_stream
from process_report.logs.index import LogFile, open_log
from process_report.logs.problems import (
    BINARY,
    DISK_FULL,
    RECORD_CUT,
    SYMLINK,
    UNREADABLE,
    Problems,
)
from process_report.logs.records import RecordFinder, Records, last_record_start
from process_report.logs.spool import Spool, SpoolFullError
from process_report.logs.workers import map_on_threads

# A scanning thread holds three chunks (`_search_file`): 4 MiB chunks scanned the
# 100,000-process day as fast as 8 MiB ones (24.4 s against 27.4 s, one run each)
# and its peak RSS was 25 MB lower.
CHUNK_BYTES = 4 << 20
FLUSH_BYTES = 16 << 20  # per scanning thread
# What the spool keeps of a per-process file beyond the cap: room for the redaction to
# see a multi-line secret whole where the cap cuts, and for redaction to change sizes.
SPOOL_SLACK_BYTES = 256 << 10

Note = tuple[str, str]  # (kind, text) of one problem


@dataclass
class ScanStats:
    bytes_scanned: int = 0
    files_scanned: int = 0
    problems: Problems = field(default_factory=Problems)


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
    results = map_on_threads(
        lambda item: _scan_one(item, finder, numbers, spool), largest_first, workers
    )
    for size, scanned, note in results:
        stats.bytes_scanned += size
        stats.files_scanned += scanned
        if note:
            stats.problems.add(*note)
    spool.close()
    return stats


def _scan_one(
    item: tuple[int, LogFile], finder: RecordFinder, numbers: dict[str, int], spool: Spool
) -> tuple[int, bool, Note | None]:
    """(bytes read, whether it was scanned, a note for the report or None): a file that
    cannot be read, or that finds the disk full, never fails the scan, and none is left
    out or cut without a note."""
    number, log_file = item
    name = log_file.path.name
    try:
        if log_file.uuid:
            return _copy_file(log_file, number, numbers[log_file.uuid], spool), True, None
        size, cut = _search_file(log_file, number, finder, spool)
    except BinaryLogError:
        return 0, False, (BINARY, f"{name} skipped: a binary file (control bytes at its start).")
    except SpoolFullError:
        return 0, False, (DISK_FULL, f"{name} not kept whole: the disk of the log spool is full.")
    except OSError as exc:
        return 0, False, _read_problem(log_file, exc)
    except (EOFError, gzip.BadGzipFile) as exc:
        return 0, False, (UNREADABLE, f"{name} could not be read: {exc}")
    note = (
        f"{name}: a record longer than {2 * CHUNK_BYTES / 2**20:g} MiB was cut at a line "
        f"end ({cut} time(s)); its lines after the cut are kept only where they name a "
        f"failed process."
    )
    return size, True, (RECORD_CUT, note) if cut else None


def _read_problem(log_file: LogFile, exc: OSError) -> Note:
    """Why a file was not read, for the report; a swapped-in link is named as such."""
    name = log_file.path.name
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return SYMLINK, (
            f"{name} skipped: it or its folder became a link after the logs folder was "
            f"walked, and links are not followed while reading."
        )
    if exc.errno == errno.EINVAL and exc.strerror == "not a regular file":
        return UNREADABLE, f"{name} skipped: it is not a regular file any more."
    return UNREADABLE, f"{name} could not be read: {exc}"


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
    """The file's text (decompressed as a stream if gzipped, see `decode`), opened
    without following links. Raises BinaryLogError when it is not text."""
    with open_log(log_file) as raw:
        if not log_file.gzipped:
            yield text_stream(raw)
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield text_stream(unzipped)


def _copy_file(log_file: LogFile, number: int, uuid_number: int, spool: Spool) -> int:
    """A per-process file belongs to its process whole, of which the spool keeps what
    the cap will keep (plus slack) and a gap line for the rest (see `cap`); a binary
    file leaves a line saying so. Returns the bytes read."""
    read = 0

    def blocks(handle: BinaryIO) -> Iterator[bytes]:
        nonlocal read
        while block := handle.read(CHUNK_BYTES):
            read += len(block)
            yield block

    head, tail = cap.HEAD_BYTES + SPOOL_SLACK_BYTES, cap.TAIL_BYTES + SPOOL_SLACK_BYTES
    position, ended = 0, True
    try:
        with _open(log_file) as handle:
            for block in cap.keep(blocks(handle), head, tail, cap.Cuts(), cap.gap_line):
                if block.startswith(cap.GAP) and not ended:
                    block = b"\n" + block  # the gap line on a line of its own
                spool.add(number, Records.whole(uuid_number, position, block))
                position += len(block)
                ended = block.endswith(b"\n")
    except BinaryLogError:
        spool.add(number, Records.whole(uuid_number, 0, b"[binary file skipped]\n"))
        raise
    return read


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
            size += read
            filled += read
            cut = last_record_start(buffer, filled)
            if cut <= 0 and filled < 2 * CHUNK_BYTES:
                continue
            if cut <= 0:  # one enormous record: cut it, to keep memory bounded
                cut = buffer.rfind(b"\n", 0, filled) + 1 or filled
                cuts += 1
            pending.add(finder.records(buffer, base, cut))
            base += cut
            view[: filled - cut] = bytes(view[cut:filled])
            filled -= cut
    if filled:
        pending.add(finder.records(buffer, base, filled))
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
