"""Bounded extracts: long lines truncated with their length, and over the cap only the
head and the tail kept, with a marker saying how many lines were cut; as a stream."""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Iterator

import pytest

from process_report.logs import cap
from process_report.logs.cap import Cuts, bounded

MARKER = re.compile(r"… (\d+) lines cut …\n")


@pytest.fixture
def small_caps(monkeypatch):
    monkeypatch.setattr(cap, "LINE_MAX_BYTES", 50)
    monkeypatch.setattr(cap, "HEAD_BYTES", 200)
    monkeypatch.setattr(cap, "TAIL_BYTES", 300)


def lines(count: int) -> list[bytes]:
    return [b"line %04d of the extract\n" % i for i in range(count)]


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_an_extract_within_its_cap_passes_unchanged_however_it_is_cut(small_caps):
    text = b"".join(lines(15))  # 375 bytes: under head and tail together
    for size in (1, 7, 64, len(text)):
        cuts = Cuts()
        assert b"".join(bounded(pieces(text, size), cuts)) == text
        assert cuts == Cuts()


def test_over_the_cap_the_head_and_tail_stay_whole_around_a_marker(small_caps):
    all_lines = lines(1000)
    for size in (1, 33, 4096):
        cuts = Cuts()
        out = b"".join(bounded(pieces(b"".join(all_lines), size), cuts))
        head, cut, tail = MARKER.split(out.decode(), maxsplit=1)
        kept_head, kept_tail = head.count("\n"), tail.count("\n")
        assert head.encode() == b"".join(all_lines[:kept_head])
        assert tail.encode() == b"".join(all_lines[-kept_tail:])
        assert 200 - 25 < len(head) <= 200  # as many whole lines as fit
        assert 300 - 25 < len(tail) <= 300
        assert int(cut) == 1000 - kept_head - kept_tail == cuts.lines
        assert cuts.bytes == 25 * cuts.lines


def test_long_lines_are_truncated_with_their_length(small_caps):
    text = b"short\n" + b"x" * 120 + b"\nlast line without newline " + b"y" * 60
    for size in (1, 16, len(text)):
        cuts = Cuts()
        out = b"".join(bounded(pieces(text, size), cuts))
        assert out == (
            b"short\n"
            + b"x" * 50
            + b" [line truncated: 120 bytes]\nlast line without newline "
            + b"y" * 24
            + b" [line truncated: 86 bytes]"
        )
        assert cuts.long_lines == 2


def test_a_stream_is_cut_in_memory_bounded_by_the_caps_not_its_size(small_caps, monkeypatch):
    monkeypatch.setattr(cap, "LINE_MAX_BYTES", 4096)  # searched in steps of this size

    def generated() -> Iterator[bytes]:  # 40 MB, never held whole
        block = b"".join(lines(4000))
        for _ in range(400):
            yield block

    tracemalloc.start()
    try:
        cuts = Cuts()
        kept = sum(len(piece) for piece in bounded(generated(), cuts))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kept <= 200 + 300 + len("… 1599980 lines cut …\n".encode())
    assert cuts.lines > 1_599_900
    assert peak < 1_000_000  # a block or two, not the 40 MB


def test_describe_says_what_was_cut():
    assert cap.describe(Cuts()) is None
    text = cap.describe(Cuts(lines=12, bytes=3 << 20, long_lines=2))
    assert "12 lines (3 MiB) cut between" in text
    assert "2 line(s) over" in text
    assert "(1.86 GiB)" in cap.describe(Cuts(lines=1, bytes=2_000_000_000))
