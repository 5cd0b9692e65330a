"""report_context: what the email shows, as plain data."""

from __future__ import annotations

from process_report.report_context import report_context, subject_line
from process_report.window import resolve_window
from tests.support.report_days import report_inputs

WINDOW = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00")
COUNTS = {"finished": 120, "failed": 4, "running": 3, "hung": 1, "other": 0, "total": 127}


def test_subject_carries_day_counts_and_hung():
    quiet = {**COUNTS, "failed": 0}
    assert subject_line(WINDOW, quiet) == (
        "Daily process report 2026-11-26: 120 finished · 0 failed · 3 running (1 hung)"
    )


def test_subject_with_failures_leads_with_them_and_what_is_new():
    assert subject_line(WINDOW, COUNTS, {"new": 2, "back": 1}) == (
        "Daily process report 2026-11-26: 4 failed · 2 new errors · 1 back · "
        "120 finished · 3 running (1 hung)"
    )
    assert subject_line(WINDOW, COUNTS) == (  # no history: the usual order
        "Daily process report 2026-11-26: 120 finished · 4 failed · 3 running (1 hung)"
    )


def _near_midnight_utc(inputs):
    """The first failure's error lines written at 23:58-23:59 UTC on 2026-11-26, which
    is 00:58-00:59 on 2026-11-27 in Paris."""
    failure = inputs["failures"][0]
    failure["error_lines"] = [
        {"at": f"2026-11-26 23:5{m}:00", "line": f"2026-11-26 23:5{m}:00 ERROR step {m}"}
        for m in (8, 9)
    ]
    return failure["uuid"]


def _shown_failure(context, uuid):
    return next(p for p in context["failed"] if p["uuid"] == uuid)["failure"]


def test_error_line_times_are_converted_from_the_logs_clock_to_the_report_timezone():
    inputs = report_inputs(20)
    uuid = _near_midnight_utc(inputs)
    failure = _shown_failure(report_context(**inputs, logs_timezone="UTC"), uuid)
    assert failure["errors_day"] == "2026-11-27"  # the day heading on the report's clock
    assert [e["at"] for e in failure["errors_shown"]] == ["00:58:00", "00:59:00"]
    assert [e["text"] for e in failure["errors_shown"]] == ["ERROR step 8", "ERROR step 9"]


def test_error_line_times_stay_as_written_when_the_logs_use_the_report_timezone():
    inputs = report_inputs(20)
    uuid = _near_midnight_utc(inputs)
    for context in (
        report_context(**inputs),
        report_context(**inputs, logs_timezone="Europe/Paris"),
    ):
        failure = _shown_failure(context, uuid)
        assert failure["errors_day"] == "2026-11-26"
        assert [e["at"] for e in failure["errors_shown"]] == ["23:58:00", "23:59:00"]


def test_window_source_is_in_recipients_words():
    context = report_context(**report_inputs(4))
    assert context["window_source"] == "window chosen by hand"
    assert context["timezone"] == "Europe/Paris"
