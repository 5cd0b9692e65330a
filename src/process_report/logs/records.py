"""The records of a buffer of log text that mention any of a set of UUIDs.

A record is a line that starts with a timestamp (`2026-11-26 09:00:01`, optionally after
`[`, with `T` or a space in the middle) plus the lines after it that do not: traceback
frames and wrapped messages belong to the failure even though they lack its UUID.

Everything that runs once per byte or per line is a NumPy array operation: those
release the GIL, so both cores work, and Python only slices each matching record once.
(A Python loop per record, with an automaton, `rfind` and a regular expression, cost
~6 µs each under the GIL, and a bad day has a million.) UUIDs are found by shape: a
canonical UUID has hyphens 8, 13, 18 and 23 bytes in. One comparison and one shifted AND
over the buffer find the first two at memory speed, the other two are looked up for
those candidates only, and the rest are hashed, then compared whole with the sorted set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from process_report.logs.format import RECORD_START

UUID_BYTES = 36
_HYPHENS = (8, 13, 18, 23)
_DASH, _NEWLINE, _BRACKET = ord("-"), ord("\n"), ord("[")
# Timestamp shape: a digit where "0", else this exact byte (" " in the middle, or "T");
# _STAMP_PATTERN is format.RECORD_START, for finding one record start from the end.
_STAMP = b"0000-00-00 00:00:00"
_STAMP_PATTERN = re.compile(RECORD_START.encode())
_STAMP_BYTES = np.frombuffer(_STAMP, np.uint8)
_STAMP_LIMITS = np.array([10 if byte == ord("0") else 1 for byte in _STAMP], dtype=np.uint8)
_STAMP_MIDDLE = _STAMP.index(b" ")
_BUCKET_BITS = 16
_HASH = np.uint64(0x9E3779B97F4A7C15)
# Byte-wide work on a chunk (one bool per byte, and their AND) is done a block at a
# time: on whole 8 MiB chunks (as they were) these were ~20 MB per scanning thread, a
# fifth of the 100,000-process day's scan peak, and a 1 MiB block also stays in the
# core's L2 cache between the passes over it.
BLOCK_BYTES = 1 << 20


# Where bytes are gathered, runs (or records) are joined a batch at a time, of at most
# GATHER_RUNS of them (each sliced out as a copy, with an object's ~60 bytes) and about
# GATHER_BYTES, so no batch is a second copy of much.
GATHER_RUNS = 4096
GATHER_BYTES = 1 << 20


@dataclass(frozen=True)
class Gathered:
    """Runs of several parts' bytes in a new order, copied only as they are written
    (`blocks`): joining a flush's 16 MiB whole held a second copy of it, and a
    memoryview per run (~90,000 of them) beside it, in each scanning thread."""

    sources: list[bytes | bytearray]  # each part's bytes
    owner: np.ndarray  # part of each run, in the new order
    starts: np.ndarray  # where each run lies in its part
    lengths: np.ndarray  # bytes of each run

    def __len__(self) -> int:
        return int(self.lengths.sum())

    def blocks(self) -> Iterator[bytes]:
        """The runs in order, joined a batch at a time (`_batches`)."""
        for runs in _batches(self.lengths):
            yield b"".join(
                [
                    self.sources[part][start : start + length]
                    for part, start, length in zip(
                        self.owner[runs].tolist(),
                        self.starts[runs].tolist(),
                        self.lengths[runs].tolist(),
                        strict=True,
                    )
                ]
            )


@dataclass(frozen=True)
class Records:
    """Records in runs, one run per UUID, runs in UUID-number order and each run's
    records in file order. Arrays, not a dict of lists: a chunk has thousands of runs,
    and everything done per run in Python runs under the GIL."""

    data: bytes | bytearray | Gathered
    numbers: np.ndarray  # UUID number of each run
    offsets: np.ndarray  # where each run's first record lies in its file (for ordering)
    lengths: np.ndarray  # bytes of each run in `data`

    @classmethod
    def whole(cls, number: int, offset: int, data: bytes) -> Records:
        return cls(data, np.array([number]), np.array([offset]), np.array([len(data)]))

    def blocks(self) -> Iterator[bytes]:
        """`data` as consecutive blocks, to be written one after the other."""
        if isinstance(self.data, Gathered):
            yield from self.data.blocks()
        else:
            yield self.data

    @classmethod
    def merge(cls, parts: list[Records]) -> Records:
        """One run per UUID out of several parts of the same file (each a chunk's
        records), in part order; their bytes are gathered as they are written, not
        copied here."""
        if len(parts) == 1:
            return parts[0]
        numbers = np.concatenate([part.numbers for part in parts])
        order = np.argsort(numbers, kind="stable")
        lengths = np.concatenate([part.lengths for part in parts])[order]
        starts = np.concatenate([np.cumsum(part.lengths) - part.lengths for part in parts])
        owner = np.repeat(np.arange(len(parts)), [len(part.numbers) for part in parts])
        sources = [part.data for part in parts]  # a chunk's: a bytearray, not Gathered
        data = Gathered(sources, owner[order], starts[order], lengths)
        numbers = numbers[order]
        first = np.flatnonzero(np.diff(numbers, prepend=-1))
        offsets = np.concatenate([part.offsets for part in parts])[order]
        return cls(data, numbers[first], offsets[first], np.add.reduceat(lengths, first))


class RecordFinder:
    """Finds the records mentioning `uuids` (canonical, lower case); a UUID's number is
    its position in `uuids`."""

    def __init__(self, uuids: list[str]) -> None:
        encoded = [u.encode() for u in uuids]
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        self._sorted = np.array([encoded[i] for i in order], dtype=f"S{UUID_BYTES}")
        self._number = np.array(order, dtype=np.int64)
        # A 16-bit hash of each UUID's first 8 bytes: a candidate whose bucket is empty
        # cannot be one of them, which spares most candidates the string comparison.
        self._buckets = np.zeros(1 << _BUCKET_BITS, dtype=bool)
        if encoded:
            self._buckets[_bucket(self._sorted.view(np.uint8).reshape(-1, UUID_BYTES))] = True

    def records(self, data: bytes | bytearray, base: int, end: int | None = None) -> Records | None:
        """Every record of `data[:end]` that mentions a UUID (None if none does); `base`
        is where `data` lies in its file. `data[:end]` holds whole records (the caller
        cuts its chunks at record starts); its first line counts as a record start.

        A buffer and its end rather than a memoryview of it: each record is sliced out
        of `data`, and a memoryview's slices are objects the garbage collector tracks.
        A million of them on the big day made it walk every object of the task's
        process every 0.6 s of the scan (0.1 s each time, every thread stopped)."""
        buffer = np.frombuffer(data, dtype=np.uint8, count=-1 if end is None else end)
        numbers, starts = self._occurrences(buffer)
        if not len(starts):
            return None
        record_starts = _record_starts(buffer)
        record = np.searchsorted(record_starts, starts, side="right") - 1
        key = np.unique(numbers * len(record_starts) + record)
        numbers, record = np.divmod(key, len(record_starts))
        bounds = np.append(record_starts, len(buffer))
        starts, ends = bounds[record], bounds[record + 1]
        first = np.flatnonzero(np.diff(numbers, prepend=-1))
        return Records(
            _gathered(data, starts, ends),
            numbers[first],
            base + starts[first],
            np.add.reduceat(ends - starts, first),
        )

    def _occurrences(self, buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(UUID numbers, start offsets) of every searched UUID in the buffer, searched
        BLOCK_BYTES at a time (see BLOCK_BYTES), each block seeing the start of the
        next so that a UUID across the edge is found once, in the block it starts in."""
        found = [
            self._occurrences_in(buffer[begin : begin + BLOCK_BYTES + UUID_BYTES - 1], begin)
            for begin in range(0, len(buffer) or 1, BLOCK_BYTES)
        ]
        if len(found) == 1:
            return found[0]
        return (
            np.concatenate([numbers for numbers, _ in found]),
            np.concatenate([starts for _, starts in found]),
        )

    def _occurrences_in(self, buffer: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
        """(UUID numbers, start offsets + `base`) of the UUIDs starting in `buffer`."""
        span = len(buffer) - UUID_BYTES + 1
        if span <= 0 or not len(self._sorted):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        dashes = buffer == _DASH
        first, second, third, fourth = _HYPHENS
        starts = np.flatnonzero(dashes[first : first + span] & dashes[second : second + span])
        starts = starts[dashes[starts + third] & dashes[starts + fourth]]
        windows = sliding_window_view(buffer, UUID_BYTES)[starts]
        likely = self._buckets[_bucket(windows)]
        starts, windows = starts[likely], windows[likely]
        texts = np.ascontiguousarray(windows).view(f"S{UUID_BYTES}").ravel()
        position = np.minimum(np.searchsorted(self._sorted, texts), len(self._sorted) - 1)
        exact = self._sorted[position] == texts
        return self._number[position[exact]], starts[exact] + base


def _gathered(data: bytes | bytearray, starts: np.ndarray, ends: np.ndarray) -> bytearray:
    """The bytes of `data` from each start to its end, one range after the other, joined
    a batch at a time (`_batches`) into one buffer: joined all at once they took a
    memoryview per record beside the result, 11 MB for a 4 MiB chunk of matching
    records."""
    gathered = bytearray(int((ends - starts).sum()))
    target, position = memoryview(gathered), 0
    for batch in _batches(ends - starts):
        ranges = zip(starts[batch].tolist(), ends[batch].tolist(), strict=True)
        piece = b"".join([data[start:end] for start, end in ranges])
        target[position : position + len(piece)] = piece
        position += len(piece)
    return gathered


def _batches(lengths: np.ndarray) -> Iterator[slice]:
    """Consecutive runs of these `lengths` in batches of at most GATHER_RUNS runs,
    each ending at the first run that reaches GATHER_BYTES (a longer run is a batch
    of its own)."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    by_bytes = np.searchsorted(ends, np.arange(GATHER_BYTES, total, GATHER_BYTES)) + 1
    by_runs = np.arange(GATHER_RUNS, len(lengths), GATHER_RUNS)
    begin = 0
    for end in [*np.union1d(by_bytes, by_runs).tolist(), len(lengths)]:
        if end > begin:
            yield slice(begin, end)
            begin = end


def _bucket(windows: np.ndarray) -> np.ndarray:
    """16-bit multiplicative hash of each row's first 8 bytes."""
    prefix = np.ascontiguousarray(windows[:, :8]).view(np.uint64).ravel()
    return ((prefix * _HASH) >> np.uint64(64 - _BUCKET_BITS)).astype(np.int64)


def _record_starts(buffer: np.ndarray) -> np.ndarray:
    """Offsets of the lines that start a record (always including 0).

    Each line's first 19 bytes (after an optional `[`) minus "0000-00-00 00:00:00" must
    be below 10 in the digit columns and exactly 0 elsewhere, once a `T` in the middle
    is made a space: one subtraction and one comparison for all lines at once."""
    line_ends = [
        np.flatnonzero(buffer[begin : min(begin + BLOCK_BYTES, len(buffer) - 1)] == _NEWLINE)
        + begin
        for begin in range(0, len(buffer) or 1, BLOCK_BYTES)
    ]
    line_starts = np.concatenate(line_ends) + 1
    stamp_at = line_starts + (buffer[line_starts] == _BRACKET)
    fits = stamp_at + len(_STAMP) <= len(buffer)
    stamp_at, line_starts = stamp_at[fits], line_starts[fits]
    stamps = sliding_window_view(buffer, len(_STAMP))[stamp_at]
    middle = stamps[:, _STAMP_MIDDLE]
    middle[middle == ord("T")] = ord(" ")
    shaped = (stamps - _STAMP_BYTES) < _STAMP_LIMITS
    matches = shaped.view(f"S{len(_STAMP)}").ravel() == b"\x01" * len(_STAMP)
    return np.concatenate(([0], line_starts[matches]))


def last_record_start(buffer: bytes | bytearray, end: int) -> int:
    """Offset of the last line before `end` that starts a record (0 if none does):
    where a streamed chunk can be cut without splitting a record."""
    position = end
    while (position := buffer.rfind(b"\n", 0, position)) >= 0:
        if _STAMP_PATTERN.match(buffer, position + 1, end):
            return position + 1
    return 0
