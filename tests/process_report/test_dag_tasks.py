"""The Airflow-facing task bodies: configuration errors fail unretried with a clear
message, an unreachable database is a retryable error naming the connection."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts, dag_tasks
from process_report.report import RenderedReport, ReportEmail
from process_report.run_context import RunContext
from tests.support.embedded_db import airflow_connection_json
from tests.support.factories import insert_client, insert_process, insert_statuses

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


def test_window_end_on_a_backfill_run_is_refused_without_retry(settings_variable):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match="refused on backfill runs"):
        dag_tasks.resolve_window_task(
            params={"window_end": "2026-11-20T08:00:00+01:00"},
            schedule_timezone="Europe/Paris",
            data_interval_start=DAY_END.replace(day=26),
            data_interval_end=DAY_END,
            run_after=DAY_END,
            run_id="backfill__2026-11-27T07:00:00+00:00",
            run_type="backfill",
        )


def test_send_record_only_a_person_can_settle_fails_the_task_without_retry(
    settings_variable, monkeypatch, standin
):
    settings_variable(SETTINGS)
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    folder = ObjectStoragePath(resolve()["folder"])
    body = RenderedReport("Daily process report 2026-11-26", "<html><body>x</body></html>", "x")
    email = ReportEmail(body, (), None)
    assert dag_tasks._send(folder, email, ["ops@example.com"], 0)["sent"] is True
    (folder / "outbox/send-record-1.json").write_text('{"state": "sen')  # damaged
    with pytest.raises(AirflowFailException, match=r"remove \S+/outbox/send-record-1\.json"):
        dag_tasks._send(folder, email, ["ops@example.com"], 1)
    assert len(standin.sent_messages()) == 1


def test_summaries_read_gzipped_extracts_as_a_stream_in_bounded_memory(tmp_path, caplog):
    import gzip
    import tracemalloc

    uuid = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    lines = b"".join(b"2026-11-26 09:00:00 ERROR step %06d failed\n" % i for i in range(10_000))
    with gzip.open(tmp_path / "extract.log.gz", "wb", compresslevel=1) as extract:
        for _ in range(5):  # 2 MB of text, a small file
            extract.write(lines)
        extract.write(b"Traceback (most recent call last):\nValueError: the last one\n")
    failures = {"uuids": [uuid], "extracts": {uuid: (tmp_path / "extract.log.gz").as_uri()}}
    path = artifacts.write_json(folder, "failures.json", failures)
    batch = {"failures_path": path, "start": 0, "stop": 1}
    caplog.set_level("INFO", logger=dag_tasks.__name__)
    dag_tasks.summarize_failures_task(batch=batch)  # imports done before measuring
    tracemalloc.start()
    try:
        dag_tasks.summarize_failures_task(batch=batch)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (summary,) = artifacts.read_json(str(folder / "summaries/0-1.json"))
    assert summary["key_error"] == "ValueError: the last one"
    assert summary["last_error_at"] == "2026-11-26 09:00:00"
    assert peak < 1 << 20
    assert (
        "Summarized 1 failed processes, 1 of them from log records." in caplog.text
    )  # reading it whole took 7 times its size


@pytest.fixture
def clients_in_db(process_db, process_db_uri, monkeypatch):
    """Two clients with a process each in the sample window, keys unique to this test
    (Airflow's masker is process-wide: a key masked by an earlier test proves nothing)."""
    keys = [f"client-key-{secrets.token_hex(8)}" for _ in range(2)]
    insert_statuses(process_db)
    for number, key in enumerate(keys):
        source = insert_client(process_db, f"Client {number}", key)
        insert_process(process_db, source, "Failed", DAY_END - timedelta(hours=3))
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(process_db_uri))
    return keys


def masked_in_task_logs(value: str) -> bool:
    """What Airflow's log processors do to a log line holding `value`."""
    from airflow.sdk._shared.secrets_masker import redact

    return value not in redact(f"listing folder Videos/{value}/ failed")


def test_fetch_processes_masks_the_api_keys_it_read_in_task_logs(settings_variable, clients_in_db):
    skip_key = f"skip-key-{secrets.token_hex(8)}"
    settings_variable({**SETTINGS, "skip_api_keys": [skip_key]})
    assert not any(masked_in_task_logs(key) for key in [*clients_in_db, skip_key])
    dag_tasks.fetch_processes_task(run=resolve())
    assert all(masked_in_task_logs(key) for key in [*clients_in_db, skip_key])


def test_scan_failure_logs_masks_every_api_key_of_the_database_in_task_logs(
    settings_variable, clients_in_db, process_db, tmp_path
):
    idle_key = f"idle-key-{secrets.token_hex(8)}"
    insert_client(process_db, "Client without processes", idle_key)
    settings_variable({**SETTINGS, "logs_dir": str(tmp_path)})
    run = resolve()
    folder = ObjectStoragePath(run["folder"])
    fetched = {"processes_path": artifacts.write_json(folder, "processes.json", {"processes": []})}
    assert not masked_in_task_logs(idle_key)
    dag_tasks.scan_failure_logs_task(run=run, fetched=fetched)
    assert all(masked_in_task_logs(key) for key in [*clients_in_db, idle_key])


def test_scan_failure_logs_masks_the_api_keys_before_its_error_is_logged(
    settings_variable, clients_in_db, tmp_path, monkeypatch
):
    """The keys are registered after the scan (Airflow's masker is slow with many), but
    a scan that fails still has them registered before the runner logs its error."""

    def broken(*args, **kwargs):
        raise OSError(f"cannot read {tmp_path}/{clients_in_db[0]}/encode.log")

    settings_variable({**SETTINGS, "logs_dir": str(tmp_path)})
    run = resolve()
    folder = ObjectStoragePath(run["folder"])
    fetched = {"processes_path": artifacts.write_json(folder, "processes.json", {"processes": []})}
    monkeypatch.setattr(dag_tasks, "extract_failure_logs", broken)
    with pytest.raises(OSError, match="cannot read") as raised:
        dag_tasks.scan_failure_logs_task(run=run, fetched=fetched)
    assert clients_in_db[0] in str(raised.value)
    assert masked_in_task_logs(clients_in_db[0])  # what the runner logs of it is masked
