"""What went wrong, in a few lines: the summary of one failed process's log extract.

The key error is the final exception line of the last traceback, else the last ERROR or
CRITICAL line, else the last lines of the extract. The summary also keeps the latest
error lines with their timestamps and the key error's signature, and never exceeds
8 KB, because it travels through XCom for every failed process.
"""

from __future__ import annotations

import json
import re
from typing import Any

from process_report.logs.format import RECORD_START
from process_report.logs.signatures import signature

SUMMARY_MAX_BYTES = 8 * 1024
ERROR_LINES_KEPT = 10
LINE_CHARS = 400
_ERROR = re.compile(r"\b(?:ERROR|CRITICAL|FATAL)\b")
_TIMESTAMP = re.compile("^" + RECORD_START)
_TRACEBACK = "Traceback (most recent call last):"


def summarize(uuid: str, extract: str | None, extract_path: str | None) -> dict[str, Any]:
    """The summary of `extract` (None when no log mentioned the process)."""
    if not extract or not extract.strip():
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
    lines = [
        line
        for line in extract.splitlines()
        if line.strip() and not (line.startswith("==> ") and line.endswith(" <=="))
    ]
    errors = [(_timestamp(line), _clip(line)) for line in lines if _ERROR.search(line)]
    key_error = _key_error(lines, errors)
    summary = {
        "uuid": uuid,
        "found": True,
        "key_error": key_error,
        "signature": signature(key_error),
        "error_lines": [{"at": at, "line": line} for at, line in errors[-ERROR_LINES_KEPT:]],
        "first_error_at": next((at for at, _ in errors if at), None),
        "last_error_at": next((at for at, _ in reversed(errors) if at), None),
        "extract": extract_path,
        "note": None,
    }
    return _within_budget(summary)


def _key_error(lines: list[str], errors: list[tuple[str | None, str]]) -> str:
    last_traceback = max((i for i, line in enumerate(lines) if _TRACEBACK in line), default=None)
    if last_traceback is not None:
        for line in lines[last_traceback + 1 :]:
            if not line[:1].isspace():  # frames are indented; the exception line is not
                return _clip(line.strip())
    if errors:
        return errors[-1][1]
    return _clip(" | ".join(line.strip() for line in lines[-3:]))


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
