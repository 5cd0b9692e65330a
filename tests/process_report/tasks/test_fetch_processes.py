"""fetch_processes: an unreachable database is retried and named, one that refuses the
login fails at once; the keys it read are masked in task logs."""

from __future__ import annotations

import json
import logging
import secrets

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report.db_errors import ProcessDbError
from process_report.tasks import fetch_processes as task
from tests.process_report.tasks.runs import SETTINGS, masked_in_task_logs, resolve
from tests.support.embedded_db import airflow_connection_json


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
        task.fetch_processes_task(run=run)
    message = str(caught.value)
    assert "Airflow connection 'process_db'" in message
    assert "will retry" in message
    assert "s3cr3t-pw" not in message
    assert not isinstance(caught.value, AirflowFailException)


def test_fetch_processes_masks_the_api_keys_it_read_in_task_logs(settings_variable, clients_in_db):
    skip_key = f"skip-key-{secrets.token_hex(8)}"
    settings_variable({**SETTINGS, "skip_api_keys": [skip_key]})
    assert not any(masked_in_task_logs(key) for key in [*clients_in_db, skip_key])
    task.fetch_processes_task(run=resolve())
    assert all(masked_in_task_logs(key) for key in [*clients_in_db, skip_key])


def test_database_that_refuses_the_login_fails_at_once_naming_the_sqlstate(
    settings_variable, monkeypatch, process_db_uri
):
    settings_variable(SETTINGS)
    refused = json.loads(airflow_connection_json(process_db_uri)) | {"schema": "no_such_db"}
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", json.dumps(refused))
    run = resolve()
    with pytest.raises(ProcessDbError) as caught:
        task.fetch_processes_task(run=run)
    assert caught.value.transient is False  # the retry policy fails the task at once
    assert caught.value.sqlstate == "3D000"
    assert str(caught.value).startswith(
        "The process database refused Airflow connection 'process_db' "
        "(SQLSTATE 3D000, permanent: not retried)"
    )


def test_fetch_processes_leaves_the_seven_day_trend_beside_the_processes(
    settings_variable, clients_in_db
):
    settings_variable(SETTINGS)
    fetched = task.fetch_processes_task(run=resolve())
    trend = json.loads(ObjectStoragePath(fetched["trend_path"]).read_text())
    assert fetched["trend_error"] is None
    assert len(trend["days"]) == 7
    assert trend["overall"]["failed"][-1] == fetched["counts"]["failed"] == 2
    assert [c["client"] for c in trend["clients"]] == ["Client 0", "Client 1"]


def test_log_adds_up_read_skip_listed_and_reported_processes(
    settings_variable, clients_in_db, caplog
):
    settings_variable({**SETTINGS, "skip_api_keys": [clients_in_db[0]]})
    with caplog.at_level(logging.INFO, logger=task.__name__):
        fetched = task.fetch_processes_task(run=resolve())
    lines = [r.getMessage() for r in caplog.records if r.name == task.__name__]
    assert (
        "Report day 2026-11-26: read 2 processes, 1 skip-listed, 1 in the report: "
        "0 finished · 1 failed · 0 running (the day before: 0)"
    ) in lines
    assert fetched["counts"]["total"] == 1  # what the email counts
    assert "2 client API key(s) masked in task logs" in lines  # unique keys
