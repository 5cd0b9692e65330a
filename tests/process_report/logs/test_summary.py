from __future__ import annotations

import gzip
import io
import json
import tracemalloc

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from process_report.logs import cap
from process_report.logs.stored_extracts import extract_blocks, extract_lines
from process_report.logs.summary import LINE_CHARS, SUMMARY_MAX_BYTES, summarize
from tests.support.summary_oracle import summarize_lines

U = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"


def summary_of(text: str, path: str | None = None) -> dict:
    """The summary of `text` read as a stored extract is read: in blocks."""
    data = text.encode()
    return summarize(U, extract_blocks(io.BytesIO(data), "x.log"), path)


def test_key_error_is_the_final_exception_line_of_the_last_traceback():
    extract = (
        "==> app_2026-11-26.log <==\n"
        "2026-11-26 09:00:00 ERROR first failure\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 1, in f\n'
        "KeyError: 'early'\n"
        "2026-11-26 09:05:00 ERROR second failure\n"
        "Traceback (most recent call last):\n"
        '  File "b.py", line 9, in g\n'
        "    run()\n"
        "ValueError: corrupt frame 1443\n"
        "2026-11-26 09:05:01 INFO cleanup done\n"
    )
    summary = summary_of(extract, "file:///a/x.log")
    assert summary["key_error"] == "ValueError: corrupt frame 1443"
    assert summary["signature"] == "ValueError: corrupt frame <num>"
    assert summary["first_error_at"] == "2026-11-26 09:00:00"
    assert summary["last_error_at"] == "2026-11-26 09:05:00"
    assert summary["extract"] == "file:///a/x.log"


def test_without_traceback_the_last_error_line_is_the_key_error():
    extract = (
        "2026-11-26 09:00:00 ERROR disk full\n2026-11-26 09:01:00 CRITICAL encoder died\n"
        "2026-11-26 09:02:00 INFO bye\n"
    )
    assert summary_of(extract)["key_error"] == "2026-11-26 09:01:00 CRITICAL encoder died"


def test_without_errors_the_last_lines_stand_in():
    summary = summarize(U, ["a\n", "b\n", "c\n", "d\n"], None)
    assert summary["key_error"] == "b | c | d"


def test_no_extract_says_no_log_was_found():
    summary = summarize(U, None, None)
    assert summary["found"] is False
    assert summary["note"] == "no log records found for this process"


def test_an_extract_of_blank_lines_or_nothing_has_no_log_records():
    assert summary_of("")["found"] is False
    assert summary_of("\n  \r\n\t\n")["found"] is False


def test_summary_never_exceeds_eight_kilobytes():
    extract = "".join(f"2026-11-26 09:00:{i % 60:02d} ERROR {'z' * 390} {i}\n" for i in range(500))
    summary = summary_of(extract, "file:///x")
    assert len(json.dumps(summary).encode()) <= SUMMARY_MAX_BYTES
    assert summary["error_lines"][-1]["line"].startswith("2026-11-26 09:00:19")  # the newest


def test_a_traceback_without_its_exception_line_leaves_the_last_error_line():
    lines = [
        "2026-11-26 09:00:00 ERROR first\n",
        "Traceback (most recent call last):\n",
        "ValueError: early\n",
        "2026-11-26 09:05:00 ERROR cut short\n",
        "Traceback (most recent call last):\n",
        '  File "a.py", line 1, in f\n',
    ]
    assert summarize(U, lines, None)["key_error"] == "2026-11-26 09:05:00 ERROR cut short"


def test_a_header_line_is_never_an_error_line_nor_the_exception_line():
    extract = (
        "2026-11-26 09:00:00 ERROR real one\n"
        "Traceback (most recent call last):\n"
        "==> ERROR_log.log <==\n"
        "==> <==\n"
        "  File 'a.py', line 3\n"
        "OSError: gone\n"
        "==> 2026-11-26 09:09:09 FATAL <==\n"
    )
    summary = summary_of(extract)
    assert [e["line"] for e in summary["error_lines"]] == ["2026-11-26 09:00:00 ERROR real one"]
    assert summary["key_error"] == "OSError: gone"


def test_crlf_line_ends_and_long_lines_are_read_as_the_lines_alone():
    long = "2026-11-26T09:00:00 FATAL " + "é" * 500
    summary = summary_of(f"x\r\n{long}\r\r\n")
    assert summary["error_lines"] == [
        {"at": "2026-11-26 09:00:00", "line": long[:LINE_CHARS] + "…"}
    ]
    assert summary["key_error"] == long[:LINE_CHARS] + "…"


def test_an_exception_line_in_the_next_block_ends_the_traceback_of_the_last():
    blocks = ["ok\nTraceback (most recent call last):\n", "  File 'a.py'\n", "\n", "E: x\n"]
    assert summarize(U, blocks, None)["key_error"] == "E: x"


def test_a_summary_reads_its_blocks_once_in_memory_that_does_not_grow():
    def blocks():  # 1 MB of error lines, never held together
        for i in range(20_000):
            yield f"2026-11-26 09:00:{i % 60:02d} ERROR step {i} failed {'x' * 20}\n"
        yield "Traceback (most recent call last):\nValueError: the last one\n"

    tracemalloc.start()
    try:
        summary = summarize(U, blocks(), "file:///x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary["key_error"] == "ValueError: the last one"
    assert summary["error_lines"][-1]["line"].startswith("2026-11-26 09:00:19 ERROR step 19999")
    assert peak < 256 << 10


# A grammar of extract lines: what the logs hold (records, tracebacks, frames, headers)
# and what hostile or damaged ones do (words that are almost levels, odd whitespace,
# invalid UTF-8, carriage returns, lines past LINE_CHARS or past the reader's cut).
_STAMPS = st.sampled_from(
    ["2026-11-26 09:00:01", "[2026-11-26T09:00:02", "2026-11-26T09:00:03,5", "", "[", " "]
)
_WORDS = st.sampled_from(
    [
        "ERROR",
        "CRITICAL",
        "FATAL",
        "INFO",
        "WARNING",
        "ERRORS",
        "xERROR",
        "ERROR_1",
        "FATAL:",
        "(CRITICAL)",
        "error",
        "Traceback (most recent call last):",
        "<==",
        "==>",
        "…",
        "é",
    ]
)
_FILLER = st.text(
    st.sampled_from(list("ab ERCF:\t\r\x0b\x0c\x1c\x85\u2028\u3000\ufffdé€𝄞<=>")), max_size=12
)
_RECORD = st.builds(lambda *parts: " ".join(parts), _STAMPS, _WORDS, _FILLER, _WORDS)
_LINE = st.one_of(
    _RECORD,
    st.just("Traceback (most recent call last):"),
    st.builds(
        lambda indent, rest: indent + rest,
        st.sampled_from([" ", "  ", "\t", "\u3000", "\x85"]),
        _FILLER,
    ),
    st.builds(
        lambda name, rest: f"{name}: {rest}", st.sampled_from(["ValueError", "E", "x"]), _FILLER
    ),
    st.sampled_from(
        [
            "==> app.log <==",
            "==> <==",
            "==> ERROR <==",
            "==>  <==",
            "==> x <== ",
            "",
            " ",
            "\r",
            "\u3000",
        ]
    ),
    st.builds(
        lambda word, n: f"2026-11-26 09:00:00 {word} " + "y" * n, _WORDS, st.integers(390, 420)
    ),
    st.builds(lambda word, n: f"{word} " + "ü" * n, _WORDS, st.integers(100, 200)),
    _FILLER,
)
_RAW = st.sampled_from([b"\xff", b"\xe2\x82", b"\xc3", b"\x80abc", b"\xf0\x9d\x84"])


@st.composite
def extracts(draw) -> bytes:
    """An extract's bytes: lines of the grammar, some with raw bytes that are not
    UTF-8, ended by "\\n" or "\\r\\n", the last maybe without a line end."""
    parts = []
    for line in draw(st.lists(_LINE, max_size=40)):
        data = line.encode()
        if draw(st.integers(0, 9)) == 0:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(_RAW) + data[at:]
        parts.append(data + draw(st.sampled_from([b"\n", b"\n", b"\r\n"])))
    data = b"".join(parts)
    return data[:-1] if data and draw(st.booleans()) else data


@given(
    data=extracts(),
    gzipped=st.booleans(),
    # a line's cut (cap.LINE_MAX_BYTES) and a block under twice that (extract_blocks)
    cut=st.sampled_from([20, 100, cap.LINE_MAX_BYTES]).flatmap(
        lambda line_max: st.tuples(st.just(line_max), st.integers(1, 2 * line_max - 1))
    ),
)
@example(
    data=b"a\n" * 3 + b"Traceback (most recent call last):\n  f\n\n", gzipped=False, cut=(20, 5)
)
@example(data=b"x" * 45 + b"\nERROR\n", gzipped=False, cut=(20, 39))
@example(data=b"ERROR " + b"\xe2\x82\xac" * 30 + b"\n", gzipped=True, cut=(20, 7))
@example(data=b"ERROR " + b"y" * 34 + b"Z\n", gzipped=False, cut=(20, 30))
@example(data=b"2026-11-26 09:00:00 ERROR a\n" + b"ERROR b\n" * 11, gzipped=False, cut=(100, 199))
@settings(max_examples=400, deadline=None)
def test_summaries_of_blocks_are_those_of_the_line_by_line_reading(data, gzipped, cut):
    line_max_bytes, block_bytes = cut
    name = "x.log.gz" if gzipped else "x.log"
    stored = gzip.compress(data) if gzipped else data
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cap, "LINE_MAX_BYTES", line_max_bytes)
        expected = summarize_lines(U, extract_lines(io.BytesIO(stored), name), "file:///x")
        blocks = extract_blocks(io.BytesIO(stored), name, block_bytes=block_bytes)
        assert summarize(U, blocks, "file:///x") == expected
