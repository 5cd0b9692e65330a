"""The failure callbacks: a task's final error is kept redacted for the run's alert, and
an alert that cannot be sent is logged at ERROR instead of being lost."""

from __future__ import annotations

from types import SimpleNamespace

from process_report import artifacts
from process_report.tasks import alerts as task
from tests.process_report.tasks.runs import SETTINGS


def test_a_final_task_failure_is_recorded_redacted_where_the_alert_reads_it(
    settings_variable, tmp_path
):
    settings_variable(SETTINGS)
    ti = SimpleNamespace(task_id="fetch_processes", map_index=-1, try_number=4)
    error = RuntimeError("connect to postgresql://reader:hunter2-pw@db/processes failed")
    task.record_task_failure({"ti": ti, "run_id": "manual__1", "exception": error})
    folder = artifacts.failures_folder(tmp_path.as_uri(), "manual__1")
    (record,) = [artifacts.read_json(str(path)) for path in folder.iterdir()]
    assert record["task_id"] == "fetch_processes"
    assert record["try_number"] == 4
    assert record["error"].startswith("RuntimeError: connect to postgresql://")
    assert "hunter2-pw" not in record["error"]


def test_an_alert_without_settings_is_logged_at_error_not_lost(monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", raising=False)
    dag = SimpleNamespace(dag_id="client_process_daily_report")
    task.send_failure_alert({"dag": dag, "run_id": "manual__1", "reason": "task_failure"})
    (logged,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "The daily process report failed: run manual__1" in logged.getMessage()
    assert "cannot be sent" in logged.getMessage()
