"""The alert email: what failed, why (redacted, clipped) and where to look."""

from __future__ import annotations

from process_report.alerts import ERROR_CHARS, alert_headline, alert_message, failure_record
from process_report.redact import Redactor


def test_failure_record_is_redacted_and_clipped():
    error = ValueError("login failed password=hunter22 " + "x" * 5000)
    record = failure_record("fetch_processes", -1, 2, error, Redactor().redact_text)
    assert record["task_id"] == "fetch_processes"
    assert record["try_number"] == 2
    assert "hunter22" not in record["error"]
    assert record["error"].startswith("ValueError: login failed password=[REDACTED]")
    assert len(record["error"]) <= ERROR_CHARS + 2


def test_alert_names_each_failed_task_its_error_and_the_runs_link():
    message = alert_message(
        dag_id="client_process_daily_report",
        run_id="scheduled__2026-11-27T07:00:00+00:00",
        headline="The daily process report failed: run scheduled__2026-11-27T07:00:00+00:00",
        failures=[
            {"task_id": "fetch_processes", "map_index": -1, "try_number": 4, "error": "E1"},
            {"task_id": "resolve_videos", "map_index": 3, "try_number": 4, "error": "E2"},
        ],
        run_url="http://airflow.example/dags/client_process_daily_report/runs/x",
        recipients=["oncall@example.com", "ops@example.com"],
        sender="reports@example.com",
    )
    assert message["To"] == "oncall@example.com, ops@example.com"
    assert message["Subject"].startswith("[ALERT] The daily process report failed")
    text = message.get_content()
    assert "- fetch_processes (try 4): E1" in text
    assert "- resolve_videos[3] (try 4): E2" in text
    assert "Open the run: http://airflow.example/dags/client_process_daily_report/runs/x" in text


def test_alert_without_recorded_errors_points_to_the_task_logs():
    message = alert_message(
        dag_id="d", run_id="r", headline="late", failures=[], run_url=None, recipients=["a@b.c"]
    )
    assert "the run's task logs say what happened" in message.get_content()


def test_a_run_stopped_at_its_deadline_is_reported_late_not_broken():
    assert "is late" in alert_headline("r1", "timed_out")
    assert alert_headline("r1", "task_failure") == "The daily process report failed: run r1"
