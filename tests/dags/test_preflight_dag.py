"""The preflight DAG, the UI's way to check a setup: manual only, documented, and run
whole under `dag.test()` against the real database and the Graph stand-in."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from airflow.dag_processing.dagbag import DagBag

from tests.support import PROJECT_DIR
from tests.support.dag_runs import configured_report_dag

PREFLIGHT = "client_process_report_preflight"


@pytest.fixture
def preflight_dag(airflow_db, process_db_uri, standin, tmp_path, monkeypatch):
    """The report's configuration (tmp_path/logs), with one recent log file in it."""
    configured_report_dag(monkeypatch, process_db_uri, standin, tmp_path)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app_2026-11-26.log").write_text("INFO started\n")
    standin.add_file("Videos/key-1/a.mp4")
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    return DagBag(dag_folder=str(PROJECT_DIR / "dags")).dags[PREFLIGHT]


def test_the_preflight_dag_is_manual_only_documented_and_never_retried(preflight_dag):
    assert type(preflight_dag.timetable).__name__ == "NullTimetable"  # schedule=None
    assert "without sending" in preflight_dag.description
    assert "make preflight" in preflight_dag.doc_md
    assert all(task.retries == 0 for task in preflight_dag.tasks)


def test_a_preflight_run_succeeds_on_a_good_setup_and_sends_nothing(preflight_dag, standin):
    run = preflight_dag.test(logical_date=datetime.now(UTC))
    assert run.state == "success"
    assert standin.sent_messages() == []


def test_a_preflight_run_fails_when_the_onedrive_root_is_wrong(preflight_dag, monkeypatch):
    settings = os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"].replace(
        '"onedrive_root": "Videos"', '"onedrive_root": "Videoz"'
    )
    monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", settings)
    run = preflight_dag.test(logical_date=datetime.now(UTC))
    assert run.state == "failed"
