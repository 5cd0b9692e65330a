"""The scan's records on local disk, so memory does not grow with the extracts.

The scan adds each file's records as it reads them; `groups` and `stream` then give each
process its records in file order. A full disk fails only the write that filled it
(`SpoolFullError`, the spool left as it was before it), so the scan can note that file
and go on with the next.
"""

from __future__ import annotations

import errno
import io
import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from process_report.logs.records import Records

READ_BYTES = 1 << 20  # pieces in which an extract is read back from the spool


class SpoolFullError(OSError):
    """The spool's disk is full (ENOSPC or a quota): this write kept nothing."""


class Spool:
    """Per-process records on local disk, so memory does not grow with the extracts.
    A context manager: leaving it closes every file it opened.

    Each scanning thread appends to its own file, one sequential write per flush, and
    the index of where each process's segments lie stays in memory as arrays (a few
    bytes per segment). One file per process instead meant thousands of opens per
    flush, under a lock that stalled the other thread.
    """

    # Index row of a segment: UUID number, file number, offset in that file, spool file
    # number, position in that spool file, length. Packed, 32 bytes (six int64 columns
    # were 48: 29 MB for the 100,000-process day's 611,589 segments, and twice that
    # while they are sorted); a segment is shorter than a flush and a chunk, so its
    # length fits in 32 bits, as do UUID, file and spool numbers.
    _ROW = np.dtype(
        [
            ("number", "<i4"),
            ("file", "<i4"),
            ("offset", "<i8"),
            ("spool", "<i4"),
            ("position", "<i8"),
            ("length", "<i4"),
        ]
    )

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._writers: list[io.FileIO] = []
        self._readers: list[int] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, file_number: int, records: Records) -> None:
        """Write `records` and index them. Raises SpoolFullError (nothing of `records`
        kept, the spool as it was) when the disk is full."""
        spool, writer = self._writer()
        position = writer.tell()
        try:
            for block in records.blocks():
                _write_all(writer, block)
        except OSError as exc:
            writer.truncate(position)
            writer.seek(position)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise SpoolFullError(exc.errno, exc.strerror, writer.name) from exc
            raise
        entries = np.empty(len(records.numbers), dtype=self._ROW)
        entries["number"] = records.numbers
        entries["file"] = file_number
        entries["offset"] = records.offsets
        entries["spool"] = spool
        entries["position"] = position + np.cumsum(records.lengths) - records.lengths
        entries["length"] = records.lengths
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

    def groups(self) -> list[tuple[int, np.ndarray]]:
        """Per UUID number (ascending), the index rows of its segments in file order.

        The rows stay one sorted array, each group a view of it, made into Python
        numbers only as its extract is written (`stream`): on the 100,000-process day
        the index holds millions of segments, which as Python lists took ~300 MB."""
        if not self._index:
            return []
        index = np.concatenate(self._index)
        self._index = []  # the parts: the concatenation holds them now
        number = index["number"]
        order = np.lexsort((index["offset"], index["file"], number))
        index = index[order]
        del order, number
        self._index = [index]  # sorted: asked again, the same groups
        number = index["number"]
        edges = [*np.flatnonzero(np.diff(number, prepend=-1)).tolist(), len(index)]
        return [(int(number[begin]), index[begin:end]) for begin, end in itertools.pairwise(edges)]

    def stream(self, rows: np.ndarray) -> Iterator[tuple[int, bytes, bool]]:
        """The segments of one group as (file number, piece, whether the piece ends its
        segment), pieces of at most READ_BYTES; safe from several threads (positional
        reads), and a segment of any size is never held whole."""
        for _, file, _, spool, position, length in rows.tolist():
            for start in range(position, position + length, READ_BYTES):
                size = min(READ_BYTES, position + length - start)
                yield (
                    file,
                    os.pread(self._readers[spool], size, start),
                    start + size == (position + length),
                )

    def _writer(self) -> tuple[int, io.FileIO]:
        """This thread's spool file (number, handle), opened on its first segment."""
        if not hasattr(self._local, "writer"):
            with self._lock:
                # Unbuffered: a full disk fails the write that filled it, never a
                # later flush or close, so no index row points at lost bytes.
                handle = (self.folder / f"spool-{len(self._writers)}.bin").open("wb", buffering=0)
                self._writers.append(handle)
                self._local.writer = (len(self._writers) - 1, handle)
        return self._local.writer


def _write_all(writer: io.FileIO, data: bytes) -> None:
    """All of `data` (an unbuffered write may write part of it)."""
    view = memoryview(data)
    while view:
        view = view[writer.write(view) :]
