from __future__ import annotations

import json
import tracemalloc

from process_report.logs.summary import SUMMARY_MAX_BYTES, summarize

U = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"


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
    summary = summarize(U, extract.splitlines(), "file:///a/x.log")
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
    assert (
        summarize(U, extract.splitlines(), None)["key_error"]
        == "2026-11-26 09:01:00 CRITICAL encoder died"
    )


def test_without_errors_the_last_lines_stand_in():
    summary = summarize(U, ["a\n", "b\n", "c\n", "d\n"], None)
    assert summary["key_error"] == "b | c | d"


def test_no_extract_says_no_log_was_found():
    summary = summarize(U, None, None)
    assert summary["found"] is False
    assert summary["note"] == "no log records found for this process"


def test_summary_never_exceeds_eight_kilobytes():
    extract = "".join(f"2026-11-26 09:00:{i % 60:02d} ERROR {'z' * 390} {i}\n" for i in range(500))
    summary = summarize(U, extract.splitlines(), "file:///x")
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


def test_a_summary_reads_its_lines_once_in_memory_that_does_not_grow():
    def lines():  # 1 MB of error lines, never held together
        for i in range(20_000):
            yield f"2026-11-26 09:00:{i % 60:02d} ERROR step {i} failed {'x' * 20}\n"
        yield "Traceback (most recent call last):\n"
        yield "ValueError: the last one\n"

    tracemalloc.start()
    try:
        summary = summarize(U, lines(), "file:///x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary["key_error"] == "ValueError: the last one"
    assert summary["error_lines"][-1]["line"].startswith("2026-11-26 09:00:19 ERROR step 19999")
    assert peak < 256 << 10
