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


def test_sharing_links_replace_web_urls_when_the_setting_asks(
    settings_variable, monkeypatch, standin, tmp_path
):
    from process_report import artifacts

    uuid = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
    standin.add_file(f"Videos/key1/{uuid}.mp4")
    settings_variable({**SETTINGS, "onedrive_root": "Videos", "create_sharing_links": True})
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    plan = artifacts.write_json(folder, "videos/plan.json", [{"key1": [uuid]}])
    found = dag_tasks.resolve_videos_task(batch={"plan_path": plan, "index": 0})
    (video,) = artifacts.read_json(found["path"])[uuid]["videos"]
    assert video["url"].startswith("https://contoso.example/share/")
    assert any(r.endswith("/createLink") for r in standin.requests)


def test_missing_graph_connection_marks_links_unavailable_instead_of_failing(
    settings_variable, monkeypatch, tmp_path
):
    from process_report import artifacts

    settings_variable(SETTINGS)
    monkeypatch.delenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", raising=False)
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    plan = artifacts.write_json(folder, "videos/plan.json", [{"secret-key-1": ["u1"]}])
    found = dag_tasks.resolve_videos_task(batch={"plan_path": plan, "index": 0})
    error = artifacts.read_json(found["path"])["u1"]["error"]
    assert error.startswith("link unavailable:")
    assert "msgraph_default" in error
    assert "secret-key-1" not in error
