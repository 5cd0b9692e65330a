"""The Airflow-facing task bodies: configuration errors fail unretried with a clear
message, an unreachable database is a retryable error naming the connection."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from airflow.sdk.exceptions import AirflowFailException

from process_report import dag_tasks

SETTINGS = {
    "logs_dir": "/logs",
    "onedrive_root": "Videos",
    "recipients": ["ops@example.com"],
    "timezone": "Europe/Paris",
}
DAY_END = datetime(2026, 11, 27, 7, tzinfo=UTC)


@pytest.fixture
def settings_variable(monkeypatch, tmp_path):
    def set_settings(value):
        if not isinstance(value, str):
            value = json.dumps({**value, "artifacts_root": tmp_path.as_uri()})
        monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", value)

    return set_settings


def resolve(params=None, schedule_timezone="Europe/Paris"):
    return dag_tasks.resolve_window_task(
        params=params or {},
        schedule_timezone=schedule_timezone,
        data_interval_start=DAY_END.replace(day=26),
        data_interval_end=DAY_END,
        run_after=DAY_END,
    )


def test_invalid_settings_fail_without_retry_naming_the_key(settings_variable):
    settings_variable({**SETTINGS, "hung_after_minutes": -5})
    with pytest.raises(AirflowFailException, match="hung_after_minutes: expected a positive"):
        resolve()


def test_missing_settings_variable_fails_without_retry(monkeypatch):
    monkeypatch.delenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", raising=False)
    with pytest.raises(AirflowFailException, match="is not set"):
        dag_tasks.load_settings()


def test_bad_recipients_param_fails_without_retry(settings_variable):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match="recipients param: expected"):
        resolve({"recipients": ["not-an-address"]})


def test_bad_window_end_param_fails_without_retry(settings_variable):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match="window_end: expected an ISO-8601"):
        resolve({"window_end": "tomorrow"})


def test_schedule_parsed_in_another_timezone_is_noted_for_the_report(settings_variable):
    settings_variable(SETTINGS)
    assert resolve()["notes"] == []
    notes = resolve(schedule_timezone="UTC")["notes"]
    assert len(notes) == 1
    assert "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS" in notes[0]


def test_unreachable_database_is_a_retryable_error_naming_the_connection(
    settings_variable, monkeypatch
):
    settings_variable(SETTINGS)
    monkeypatch.setenv(
        "AIRFLOW_CONN_PROCESS_DB",
        json.dumps(
            {
                "conn_type": "postgres",
                "host": "127.0.0.1",
                "port": 1,
                "login": "reader",
                "password": "s3cr3t-pw",
                "schema": "processes",
            }
        ),
    )
    resolved = resolve()
    with pytest.raises(ConnectionError) as caught:
        dag_tasks.fetch_processes_task(resolved=resolved, run_id="manual__1")
    message = str(caught.value)
    assert "Airflow connection 'process_db'" in message
    assert "will retry" in message
    assert "s3cr3t-pw" not in message
    assert not isinstance(caught.value, AirflowFailException)
