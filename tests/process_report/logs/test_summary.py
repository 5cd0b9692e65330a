from __future__ import annotations

import json

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
    summary = summarize(U, extract, "file:///a/x.log")
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
    assert summarize(U, extract, None)["key_error"] == "2026-11-26 09:01:00 CRITICAL encoder died"


def test_without_errors_the_last_lines_stand_in():
    summary = summarize(U, "a\nb\nc\nd\n", None)
    assert summary["key_error"] == "b | c | d"


def test_no_extract_says_no_log_was_found():
    summary = summarize(U, None, None)
    assert summary["found"] is False
    assert summary["note"] == "no log records found for this process"


def test_summary_never_exceeds_eight_kilobytes():
    extract = "".join(f"2026-11-26 09:00:{i % 60:02d} ERROR {'z' * 390} {i}\n" for i in range(500))
    summary = summarize(U, extract, "file:///x")
    assert len(json.dumps(summary).encode()) <= SUMMARY_MAX_BYTES
    assert summary["error_lines"][-1]["line"].startswith("2026-11-26 09:00:19")  # the newest
