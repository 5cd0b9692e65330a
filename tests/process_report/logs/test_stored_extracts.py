"""A stored extract read back by lines and by blocks: never more of a line than the cap
lets through, a gzipped one in bounded memory, one on S3 as one on disk."""

from __future__ import annotations

import gzip
import io
import tracemalloc

from process_report.logs import cap as log_cap
from process_report.logs import stored_extracts
from tests.support.failure_logs import A


def test_reading_an_extract_never_holds_more_of_a_line_than_the_cap_lets_through(monkeypatch):
    monkeypatch.setattr(log_cap, "LINE_MAX_BYTES", 100)
    data = b"first\n" + b"x" * 10_000 + b"\nlast\n"
    lines = list(stored_extracts.extract_lines(io.BytesIO(data), "x.log"))
    assert lines == ["first\n", "x" * 200, "last\n"]


def test_blocks_of_an_extract_hold_its_lines_with_long_ones_cut_as_when_read_alone(monkeypatch):
    monkeypatch.setattr(log_cap, "LINE_MAX_BYTES", 100)
    data = b"first\n" + b"x" * 10_000 + b"\n" + "é".encode() * 150 + b"\nlast"
    blocks = list(stored_extracts.extract_blocks(io.BytesIO(data), "x.log", block_bytes=64))
    assert all(block.endswith("\n") for block in blocks[:-1])
    assert "".join(blocks).split("\n") == ["first", "x" * 200, "é" * 100, "last"]
    assert "".join(blocks) == "\n".join(
        line.rstrip("\n") for line in stored_extracts.extract_lines(io.BytesIO(data), "x.log")
    )


def test_blocks_of_a_huge_uncapped_gzipped_extract_stay_a_block_and_a_line_in_memory():
    line = b"2026-11-26 09:00:00 ERROR " + b"z" * (8 << 20) + b"\n"  # one line of 8 MiB
    data = gzip.compress(line * 4 + b"short\n" * 200_000, compresslevel=1)  # 33 MiB of text
    tracemalloc.start()
    try:
        sizes = [
            len(block) for block in stored_extracts.extract_blocks(io.BytesIO(data), "x.log.gz")
        ]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    cut = 2 * log_cap.LINE_MAX_BYTES + 1  # the line's first 512 KiB and its "\n"
    assert sizes[:4] == [cut] * 4
    assert sum(sizes[4:]) == len(b"short\n") * 200_000
    assert peak < 4 << 20  # a few copies of a block and a cut line, not a line


def test_an_extract_on_s3_is_read_within_the_cap_by_lines_and_by_blocks(monkeypatch, s3_root):
    """fsspec's files (s3fs) have no readline(limit): the report and the owner digests
    read S3 extracts by lines, the summaries by blocks, as the tasks open them."""
    from airflow.sdk import ObjectStoragePath

    from process_report.artifacts import open_file

    monkeypatch.setattr(log_cap, "LINE_MAX_BYTES", 100)
    path = ObjectStoragePath(f"{s3_root}/failure_logs/{A}.log")
    path.write_bytes(b"first\n" + b"x" * 10_000 + b"\nlast")
    with open_file(path) as handle:
        lines = list(stored_extracts.extract_lines(handle, path.name))
    assert lines == ["first\n", "x" * 200, "last"]
    with open_file(path) as handle:
        blocks = list(stored_extracts.extract_blocks(handle, path.name, block_bytes=64))
    assert "".join(blocks) == "first\n" + "x" * 200 + "\nlast"
