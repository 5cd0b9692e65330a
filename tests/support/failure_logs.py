"""Failure-log scenarios for the log tests: three process UUIDs, a report window's end,
and `run`, which extracts into memory and returns the texts by UUID."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from process_report.logs.extracts import extract_failure_logs
from process_report.logs.stored_extracts import extract_lines
from process_report.redact import Redactor

A = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
B = "1c8dae2f-3a4b-4c5d-9e7f-8091a2b3c4d5"
OTHER = "2d9ebf30-4b5c-4d6e-af80-91a2b3c4d5e6"
END = datetime(2026, 11, 27, 8, tzinfo=UTC)
PATTERNS = ("*{uuid}*.log", "app_{date}*.log")


def failed(uuid, start="2026-11-26T09:00:00+00:00", stop="2026-11-26T10:00:00+00:00"):
    return {"uuid": uuid, "start_time": start, "stop_time": stop, "category": "failed"}


def run(logs_dir, processes, redactor=None, patterns=PATTERNS):
    stored = {}

    def store(name, blocks):
        stored[name] = b"".join(blocks)
        return f"mem://{name}"

    result = extract_failure_logs(
        processes,
        logs_dir=str(logs_dir),
        log_patterns=patterns,
        window_end=END,
        zones=("UTC",),
        redactor=redactor or Redactor(),
        store=store,
    )
    texts = {
        name.split(".")[0]: "".join(extract_lines(io.BytesIO(data), name))
        for name, data in stored.items()
    }
    return result, texts, stored


def notes(problems):
    """The sentences of a scan's notes (each a {"kind", "text"} dict)."""
    return [note["text"] for note in problems]
