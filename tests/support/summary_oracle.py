"""The failure summary as it was computed before it worked on blocks of text: one
extract line at a time. A test oracle only, never shipped: the property test in
tests/process_report/logs/test_summary.py holds `logs.summary.summarize` (fed by
`extract_blocks`) to exactly what this gives (fed by `extract_lines`) for any extract.
Kept as it was on purpose; do not "fix" it to match the new code."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable
from typing import Any

from process_report.logs.format import RECORD_START
from process_report.logs.signatures import signature

SUMMARY_MAX_BYTES = 8 * 1024
ERROR_LINES_KEPT = 10
LINE_CHARS = 400
_ERROR = re.compile(r"\b(?:ERROR|CRITICAL|FATAL)\b")
_TIMESTAMP = re.compile("^" + RECORD_START)
_TRACEBACK = "Traceback (most recent call last):"


def summarize_lines(
    uuid: str, lines: Iterable[str] | None, extract_path: str | None
) -> dict[str, Any]:
    """The summary of an extract's `lines` (None when no log mentioned the process)."""
    reading = _Reading()
    for line in lines or ():
        reading.add(line.rstrip("\r\n"))
    if not reading.found:
        return {
            "uuid": uuid,
            "found": False,
            "key_error": None,
            "signature": None,
            "error_lines": [],
            "first_error_at": None,
            "last_error_at": None,
            "extract": None,
            "note": "no log records found for this process",
        }
    key_error = reading.key_error()
    summary = {
        "uuid": uuid,
        "found": True,
        "key_error": key_error,
        "signature": signature(key_error),
        "error_lines": [{"at": at, "line": line} for at, line in reading.errors],
        "first_error_at": reading.first_error_at,
        "last_error_at": reading.last_error_at,
        "extract": extract_path,
        "note": None,
    }
    return _within_budget(summary)


class _Reading:
    """What the summary needs, gathered line by line."""

    def __init__(self) -> None:
        self.found = False
        self.errors: deque[tuple[str | None, str]] = deque(maxlen=ERROR_LINES_KEPT)
        self.first_error_at: str | None = None
        self.last_error_at: str | None = None
        self.last_lines: deque[str] = deque(maxlen=3)
        self.in_traceback = False  # after the last traceback, before its exception line
        self.exception: str | None = None  # the last traceback's exception line

    def add(self, line: str) -> None:
        if not line.strip():
            return
        self.found = True
        if line.startswith("==> ") and line.endswith(" <=="):
            return
        self.last_lines.append(line)
        if _ERROR.search(line):
            at = _timestamp(line)
            self.errors.append((at, _clip(line)))
            self.first_error_at = self.first_error_at or at
            self.last_error_at = at or self.last_error_at
        if _TRACEBACK in line:
            self.in_traceback, self.exception = True, None
        elif self.in_traceback and not line[:1].isspace():  # frames are indented
            self.in_traceback, self.exception = False, _clip(line.strip())

    def key_error(self) -> str:
        if self.exception:
            return self.exception
        if self.errors:
            return self.errors[-1][1]
        return _clip(" | ".join(line.strip() for line in self.last_lines))


def _timestamp(line: str) -> str | None:
    match = _TIMESTAMP.match(line)
    return match.group(1).replace("T", " ") if match else None


def _clip(line: str) -> str:
    return line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + "…"


def _within_budget(summary: dict[str, Any]) -> dict[str, Any]:
    """Drop the oldest error lines until the JSON fits SUMMARY_MAX_BYTES."""
    while len(json.dumps(summary).encode()) > SUMMARY_MAX_BYTES and summary["error_lines"]:
        summary["error_lines"].pop(0)
    return summary
