"""Every failure-log extract bounded, whatever the size of the log it comes from.

A line over LINE_MAX_BYTES keeps its start and says how long it was; an extract over
HEAD_BYTES + TAIL_BYTES keeps its first and last whole lines with a "… N lines cut …"
line between them (the key error is at the end, how it began at the start). Both cuts
work on redacted text: the redaction sees every line whole first, so a cut can never
leave the start of a secret behind.

The scan's spool keeps no more of a log than this cap will (`keep`, with some slack
for redaction to see whole secrets at the edges), so a 5 GiB log spools a few MiB.
Where it left lines out it puts a gap line, `GAP` + "<lines> <bytes>", in the text:
the NUL it starts with never survives from a log (`decode` removes them all), so no
log can forge one. The cap counts each gap into its own cut, or, when the gap lies in
what it keeps, shows it as a "… N lines cut …" line of its own.

Everything is a stream of byte blocks: memory holds the tail and a block or two, not
the extract. Work is per block (`find`, `rfind`, `count` in C), never per line in
Python: a bad day's extracts are a hundred megabytes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

LINE_MAX_BYTES = 256 << 10
HEAD_BYTES = 1 << 20
TAIL_BYTES = 3 << 20
GAP = b"\0"
_GAP_LINE = re.compile(rb"\0(\d+) (\d+)\n")


@dataclass
class Cuts:
    """What was left out of one extract."""

    lines: int = 0  # whole lines between the head and the tail
    bytes: int = 0  # their size
    long_lines: int = 0  # lines truncated at LINE_MAX_BYTES


def bounded(blocks: Iterable[bytes], cuts: Cuts) -> Iterator[bytes]:
    """`blocks` of redacted text, cut anywhere, as blocks of whole lines with long lines
    truncated and, over the cap, only the head and the tail kept; `cuts` says what went."""
    kept = keep(_short_lines(blocks, cuts), HEAD_BYTES, TAIL_BYTES, cuts, _marker)
    return _gaps_shown(kept, cuts)


def keep(
    blocks: Iterable[bytes],
    head_bytes: int,
    tail_bytes: int,
    cuts: Cuts,
    marker: Callable[[Cuts], bytes],
) -> Iterator[bytes]:
    """The first `head_bytes` and the last `tail_bytes` of `blocks` (cut at line ends
    where the blocks have them), with `marker(what was cut)` between when anything was;
    `cuts` gets what was cut. Memory holds the tail and a block."""
    cut = Cuts()
    yield from _head_and_tail(blocks, head_bytes, tail_bytes, cut, marker)
    cuts.lines += cut.lines
    cuts.bytes += cut.bytes


def gap_line(cut: Cuts) -> bytes:
    """The in-band line that stands for what the spool left out (see the docstring)."""
    return GAP + b"%d %d\n" % (cut.lines, cut.bytes)


def _marker(cut: Cuts) -> bytes:
    return f"… {cut.lines} lines cut …\n".encode()


def _gaps_shown(blocks: Iterable[bytes], cuts: Cuts) -> Iterator[bytes]:
    """Each gap line still in the kept text as a "… N lines cut …" line, counted."""
    for block in blocks:
        if GAP in block:
            block = _GAP_LINE.sub(lambda gap: _marker(_gap_cut(gap, cuts)), block)
        yield block


def _gap_cut(gap: re.Match[bytes], cuts: Cuts) -> Cuts:
    cut = Cuts(int(gap[1]), int(gap[2]))
    cuts.lines += cut.lines
    cuts.bytes += cut.bytes
    return cut


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


def _head_and_tail(
    blocks: Iterable[bytes],
    head_bytes: int,
    tail_bytes: int,
    cut: Cuts,
    marker: Callable[[Cuts], bytes],
) -> Iterator[bytes]:
    """`blocks` up to `head_bytes`, then `marker(cut)` and the last `tail_bytes` of
    whole lines when anything was cut (held back: the tail, and a block)."""
    blocks = iter(blocks)
    room, lined = head_bytes, False
    for block in blocks:
        if len(block) <= room:
            room -= len(block)
            lined = lined or b"\n" in block
            yield block
            continue
        start = block.rfind(b"\n", 0, room) + 1
        if not start and not lined:  # a first line longer than the head (raw text, in
            start = room  # the spool: the cap's lines are short): its start is the head
        if start:
            yield block[:start]
        tail = _Tail(block[start:], tail_bytes)
        break
    else:
        return
    for block in blocks:
        tail.append(block, cut)
    tail.trim(cut)
    if cut.bytes:
        yield marker(cut)
    yield from tail.blocks


class _Tail:
    """The last blocks of whole lines, at least `limit` bytes of them until `trim`."""

    def __init__(self, first: bytes, limit: int) -> None:
        self.blocks: deque[bytes] = deque([first])
        self.size, self.limit = len(first), limit

    def append(self, block: bytes, cut: Cuts) -> None:
        self.blocks.append(block)
        self.size += len(block)
        while self.size - len(self.blocks[0]) >= self.limit:
            self._drop(self.blocks.popleft(), cut)

    def trim(self, cut: Cuts) -> None:
        """Down to `limit`, dropping whole lines from the oldest block (or, in a line
        longer than the tail, the part of it over the limit)."""
        if self.size <= self.limit:
            return
        oldest = self.blocks.popleft()
        excess = self.size - self.limit
        newline = oldest.find(b"\n", excess - 1)
        start = excess if newline < 0 else newline + 1
        self._drop(oldest[:start], cut)
        self.blocks.appendleft(oldest[start:])

    def _drop(self, block: bytes, cut: Cuts) -> None:
        """Counted as cut; a gap line in it counts as the lines it stands for."""
        self.size -= len(block)
        cut.lines += block.count(b"\n")
        cut.bytes += len(block)
        if GAP in block:
            for gap in _GAP_LINE.finditer(block):
                cut.lines += int(gap[1]) - 1
                cut.bytes += int(gap[2]) - len(gap[0])
