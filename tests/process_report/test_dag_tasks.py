"""The Airflow-facing task bodies: configuration errors fail unretried with a clear
message, an unreachable database is a retryable error naming the connection."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts, dag_tasks
from process_report.run_context import RunContext

SETTINGS = {
    "logs_dir": "/logs",
    "onedrive_root": "Videos",
    "recipients": ["ops@example.com"],
    "timezone": "Europe/Paris",
}
DAY_END = datetime(2026, 11, 27, 7, tzinfo=UTC)
UUID = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"


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
        run_id="scheduled__2026-11-27T07:00:00+00:00",
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
    run = resolve()
    with pytest.raises(ConnectionError) as caught:
        dag_tasks.fetch_processes_task(run=run)
    message = str(caught.value)
    assert "Airflow connection 'process_db'" in message
    assert "will retry" in message
    assert "s3cr3t-pw" not in message
    assert not isinstance(caught.value, AirflowFailException)


def resolve_videos(run, uuids_by_key, try_number=1, max_tries=3):
    """resolve_videos_task on a one-batch plan; the results it stored."""
    plan = artifacts.write_json(
        ObjectStoragePath(run["folder"]), "videos/plan.json", [uuids_by_key]
    )
    found = dag_tasks.resolve_videos_task(
        run=run,
        batch={"plan_path": plan, "index": 0},
        try_number=try_number,
        max_tries=max_tries,
    )
    return artifacts.read_json(found["path"])


@pytest.fixture
def video_run(settings_variable, monkeypatch, standin):
    """A run whose videos are on the Graph stand-in; client folder `api-key-7c1d` holds
    one video of process UUID."""
    standin.add_file(f"Videos/api-key-7c1d/{UUID}.mp4")
    settings_variable({**SETTINGS, "onedrive_root": "Videos"})
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    return resolve()


def test_token_endpoint_503_once_is_absorbed_inside_the_video_task(video_run, standin):
    standin.faults.token_unavailable = 1
    (video,) = resolve_videos(video_run, {"api-key-7c1d": [UUID]})[UUID]["videos"]
    assert video["name"] == f"{UUID}.mp4"


def test_sign_in_outage_fails_the_video_task_so_that_airflow_retries_it(video_run, standin):
    standin.faults.token_unavailable, standin.faults.token_retry_after_s = 10, 600
    with pytest.raises(ConnectionError, match="Airflow retries") as caught:
        resolve_videos(video_run, {"api-key-7c1d": [UUID]}, try_number=1, max_tries=3)
    assert not isinstance(caught.value, AirflowFailException)
    assert "api-key-7c1d" not in str(caught.value)


def test_sign_in_outage_on_the_last_try_marks_links_unavailable_with_the_reason(video_run, standin):
    standin.faults.token_unavailable, standin.faults.token_retry_after_s = 10, 600
    found = resolve_videos(video_run, {"api-key-7c1d": [UUID]}, try_number=4, max_tries=3)
    error = found[UUID]["error"]
    assert error.startswith("link unavailable:")
    assert "Sign-in failed (503 temporarily_unavailable)" in error
    assert "api-key-7c1d" not in error


def test_sharing_links_replace_web_urls_when_the_setting_asks(
    settings_variable, monkeypatch, standin, tmp_path
):
    standin.add_file(f"Videos/key1/{UUID}.mp4")
    settings_variable({**SETTINGS, "onedrive_root": "Videos", "create_sharing_links": True})
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    (video,) = resolve_videos(resolve(), {"key1": [UUID]})[UUID]["videos"]
    assert video["url"].startswith("https://contoso.example/share/")
    assert any(r.endswith("/createLink") for r in standin.requests)


def test_missing_graph_connection_marks_links_unavailable_instead_of_failing(
    settings_variable, monkeypatch, tmp_path
):
    settings_variable(SETTINGS)
    monkeypatch.delenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", raising=False)
    error = resolve_videos(resolve(), {"secret-key-1": ["u1"]})["u1"]["error"]
    assert error.startswith("link unavailable:")
    assert "msgraph_default" in error
    assert "secret-key-1" not in error


def test_settings_edited_mid_run_do_not_reach_later_tasks_of_that_run(settings_variable):
    settings_variable(SETTINGS)
    run = resolve()
    settings_variable({**SETTINGS, "onedrive_root": "Elsewhere", "hung_after_minutes": 5})
    kept = RunContext.from_xcom(run).settings
    assert kept.onedrive_root == "Videos"
    assert kept.hung_after_minutes == 60


def test_run_context_in_xcom_holds_no_skip_listed_api_key(settings_variable):
    settings_variable({**SETTINGS, "skip_api_keys": ["test-key-9f8e7d"]})
    run = resolve({"recipients": ["other@example.com"], "dry_run": True})
    assert "test-key-9f8e7d" not in json.dumps(run)
    context = RunContext.from_xcom(run)
    assert context.settings.skip_api_keys == frozenset({"test-key-9f8e7d"})
    assert context.recipients == ("other@example.com",)
    assert context.dry_run is True
