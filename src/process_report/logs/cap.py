"""Every failure-log extract bounded, whatever the size of the log it comes from.

A line over LINE_MAX_BYTES keeps its start and says how long it was; an extract over
HEAD_BYTES + TAIL_BYTES keeps its first and last whole lines with a "… N lines cut …"
line between them (the key error is at the end, how it began at the start). Both cuts
work on redacted text: the redaction sees every line whole first, so a cut can never
leave the start of a secret behind.

Everything is a stream of byte blocks: memory holds the tail and a block or two, not
the extract. Work is per block (`find`, `rfind`, `count` in C), never per line in
Python: a bad day's extracts are a hundred megabytes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

LINE_MAX_BYTES = 256 << 10
HEAD_BYTES = 1 << 20
TAIL_BYTES = 3 << 20


@dataclass
class Cuts:
    """What was left out of one extract."""

    lines: int = 0  # whole lines between the head and the tail
    bytes: int = 0  # their size
    long_lines: int = 0  # lines truncated at LINE_MAX_BYTES


def bounded(blocks: Iterable[bytes], cuts: Cuts) -> Iterator[bytes]:
    """`blocks` of redacted text, cut anywhere, as blocks of whole lines with long lines
    truncated and, over the cap, only the head and the tail kept; `cuts` says what went."""
    return _head_and_tail(_short_lines(blocks, cuts), cuts)


def describe(cuts: Cuts) -> str | None:
    """What an extract lost, for the report; None when nothing was cut."""
    parts = []
    if cuts.bytes:
        parts.append(
            f"{cuts.lines} lines ({_size(cuts.bytes)}) cut between its first "
            f"{_size(HEAD_BYTES)} and its last {_size(TAIL_BYTES)}"
        )
    if cuts.long_lines:
        parts.append(f"{cuts.long_lines} line(s) over {_size(LINE_MAX_BYTES)} truncated")
    return "; ".join(parts) or None


def _size(count: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.3g} {unit}"
    return f"{count} bytes"


def _short_lines(blocks: Iterable[bytes], cuts: Cuts) -> Iterator[bytes]:
    """Blocks of whole lines, each line at most LINE_MAX_BYTES and its marker. The line
    that a block ends inside is carried to the next, at most LINE_MAX_BYTES of it."""
    carry = _OpenLine()
    for block in blocks:
        start = 0
        if carry.open:
            end = block.find(b"\n")
            if end < 0:
                carry.extend(block)
                continue
            carry.extend(block[:end])
            yield carry.close(cuts) + b"\n"
            start = end + 1
        last = block.rfind(b"\n", start) + 1
        if last > start:
            yield from _truncated(block, start, last, cuts)
        carry.extend(block[max(last, start) :])
    if carry.open:
        yield carry.close(cuts)


class _OpenLine:
    """The start of a line not yet ended (at most LINE_MAX_BYTES) and what it dropped."""

    def __init__(self) -> None:
        self.kept, self.dropped = b"", 0

    @property
    def open(self) -> bool:
        return bool(self.kept or self.dropped)

    def extend(self, piece: bytes) -> None:
        room = max(LINE_MAX_BYTES - len(self.kept), 0)
        self.kept += piece[:room]
        self.dropped += max(len(piece) - room, 0)

    def close(self, cuts: Cuts) -> bytes:
        line = self.kept
        if self.dropped:
            line = _marked(line, len(self.kept) + self.dropped, cuts)
        self.kept, self.dropped = b"", 0
        return line


def _truncated(block: bytes, start: int, end: int, cuts: Cuts) -> Iterator[bytes]:
    """`block[start:end]`, whole lines, with the lines over LINE_MAX_BYTES truncated.

    From each line start, the last newline within LINE_MAX_BYTES + 1 bytes is where the
    next search begins: every line before it is short. So a block of short lines costs
    one `rfind` per LINE_MAX_BYTES, and only a long line is looked at on its own."""
    span = position = start
    while position < end:
        newline = block.rfind(b"\n", position, min(position + LINE_MAX_BYTES + 1, end))
        if newline >= 0:
            position = newline + 1
            continue
        line_end = block.find(b"\n", position + LINE_MAX_BYTES, end)
        yield block[span:position]
        head = block[position : position + LINE_MAX_BYTES]
        yield _marked(head, line_end - position, cuts) + b"\n"
        span = position = line_end + 1
    if span < end:
        yield block[span:end]


def _marked(head: bytes, length: int, cuts: Cuts) -> bytes:
    cuts.long_lines += 1
    return head + f" [line truncated: {length} bytes]".encode()


def _head_and_tail(blocks: Iterable[bytes], cuts: Cuts) -> Iterator[bytes]:
    """Whole-line `blocks` up to HEAD_BYTES, then the last TAIL_BYTES of whole lines
    after a marker naming how many lines were cut (held back: the tail, and a block)."""
    blocks = iter(blocks)
    room = HEAD_BYTES
    for block in blocks:
        if len(block) <= room:
            room -= len(block)
            yield block
            continue
        cut = block.rfind(b"\n", 0, room) + 1
        if cut:
            yield block[:cut]
        tail = _Tail(block[cut:])
        break
    else:
        return
    for block in blocks:
        tail.append(block, cuts)
    tail.trim(cuts)
    if cuts.bytes:
        yield f"… {cuts.lines} lines cut …\n".encode()
    yield from tail.blocks


class _Tail:
    """The last blocks of whole lines, at least TAIL_BYTES of them until `trim`."""

    def __init__(self, first: bytes) -> None:
        self.blocks: deque[bytes] = deque([first])
        self.size = len(first)

    def append(self, block: bytes, cuts: Cuts) -> None:
        self.blocks.append(block)
        self.size += len(block)
        while self.size - len(self.blocks[0]) >= TAIL_BYTES:
            self._drop(self.blocks.popleft(), cuts)

    def trim(self, cuts: Cuts) -> None:
        """Down to TAIL_BYTES, dropping whole lines from the oldest block."""
        if self.size <= TAIL_BYTES:
            return
        oldest = self.blocks.popleft()
        newline = oldest.find(b"\n", self.size - TAIL_BYTES - 1)
        start = len(oldest) if newline < 0 else newline + 1
        self._drop(oldest[:start], cuts)
        self.blocks.appendleft(oldest[start:])

    def _drop(self, block: bytes, cuts: Cuts) -> None:
        self.size -= len(block)
        cuts.lines += block.count(b"\n")
        cuts.bytes += len(block)
