"""report_context: what the email shows, as plain data."""

from __future__ import annotations

from process_report.report_context import subject_line
from process_report.window import resolve_window

WINDOW = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00")


def test_subject_carries_day_counts_and_hung():
    counts = {"finished": 120, "failed": 4, "running": 3, "hung": 1, "other": 0, "total": 127}
    assert subject_line(WINDOW, counts) == (
        "Daily process report 2026-11-26: 120 finished · 4 failed · 3 running (1 hung)"
    )
