"""A stored extract read back: as lines (the report's attachment, the viewer, the owner
digests) or as blocks of whole lines (the summaries), never more of a line than the cap
lets through, whatever the file (an extract that was not capped, a gzipped one, one on
object storage). Apart from the scan that writes them (`extracts`), so that the tasks
that only read extracts start without its NumPy and spool: 0.1 s of each task
process's start."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from process_report.logs import cap

BLOCK_BYTES = 128 << 10
"""How much of an extract `extract_blocks` reads at once: less than a line may keep
(2 x cap.LINE_MAX_BYTES), so only a block's first line can be over that."""


def extract_blocks(handle: BinaryIO, name: str, block_bytes: int = BLOCK_BYTES) -> Iterator[str]:
    """A stored extract as text in blocks of whole lines (gunzipped on the way when
    `name` ends in .gz), for a reader that searches a block at once instead of a line
    at a time. The lines are those of `extract_lines`, each ending in "\\n" (but the
    extract's last when it has none): a line over twice LINE_MAX_BYTES keeps that
    much, so even a file that was not capped holds a block and a line at most."""
    limit = 2 * cap.LINE_MAX_BYTES
    assert block_bytes < limit  # a line over `limit` starts in `rest`, below
    stream = gzip.GzipFile(fileobj=handle, mode="rb") if name.endswith(".gz") else handle
    read = stream.read
    rest, skipping = b"", False  # a line begun; in the dropped part of a long line
    while block := read(block_bytes):
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block, skipping = block[end + 1 :], False
        block = rest + block if rest else block
        if (first := block.find(b"\n")) > limit:  # decoded alone, as extract_lines does
            yield block[:limit].decode("utf-8", "replace") + "\n"
            block = block[first + 1 :]
        whole = block.rfind(b"\n") + 1
        if whole:
            # decoded as its lines alone would be: no character runs over a "\n"
            yield block[:whole].decode("utf-8", "replace")
        rest = block[whole:]
        if len(rest) >= limit:
            yield rest[:limit].decode("utf-8", "replace") + "\n"
            rest, skipping = b"", True
    if rest:
        yield rest.decode("utf-8", "replace")


def extract_lines(handle: BinaryIO, name: str) -> Iterator[str]:
    """A stored extract's lines, read as a stream (gunzipped on the way when `name`
    ends in .gz). A line is read up to twice LINE_MAX_BYTES, more than the cap lets
    through, so even a file that was not capped cannot make a reader hold it whole.

    Object storage's files (fsspec's, s3fs on S3) have a `readline()` without a limit,
    so the plain stream is read through a buffer of Python's own, which has one."""
    if name.endswith(".gz"):
        stream: Any = gzip.GzipFile(fileobj=handle, mode="rb")
    else:
        stream = io.BufferedReader(_Blocks(handle))
    # Looked up once: an ObjectStoragePath file resolves each attribute through a
    # wrapper, a tenth of the summaries' time when done per line.
    readline = stream.readline
    limit = 2 * cap.LINE_MAX_BYTES
    while line := readline(limit):
        if not line.endswith(b"\n"):
            while (rest := readline(limit)) and not rest.endswith(b"\n"):
                pass
        yield line.decode("utf-8", "replace")


class _Blocks(io.RawIOBase):
    """Any binary file object as a raw stream: only its `read(n)` is used."""

    def __init__(self, handle: BinaryIO) -> None:
        self._read = handle.read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
