"""fetch_processes: an unreachable database is retried and named, one that refuses the
login fails at once; the keys it read are masked in task logs."""

from __future__ import annotations

import json
import logging
import secrets
import tracemalloc
from datetime import timedelta

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report.db_errors import ProcessDbError
from process_report.process_records import read_records, read_summary
from process_report.tasks import fetch_processes as task
from tests.process_report.tasks.runs import DAY_END, SETTINGS, masked_in_task_logs, resolve
from tests.support.embedded_db import airflow_connection_json
from tests.support.factories import insert_client, insert_statuses


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


def test_a_big_window_is_written_as_read_with_every_duplicate_noted_and_no_records_held(
    settings_variable, process_db, process_db_uri, monkeypatch
):
    """20,000 processes (~40 MB as records in memory) go to processes.jsonl one by one:
    the task's Python memory stays a few MB, each of the rows is in the file in the
    query's order, and both records of a duplicated UUID carry the note."""
    insert_statuses(process_db)
    source = insert_client(process_db, "Big Client", f"client-key-{secrets.token_hex(8)}")
    start = DAY_END - timedelta(hours=20)
    with process_db.cursor() as cur:
        cur.execute(
            "INSERT INTO process (uuid, source_id, status_id, start_time, stop_time) "
            "SELECT md5(n::text)::uuid, %s, 2, %s + n * interval '1 second', "
            "%s + n * interval '1 second' + interval '5 minutes' "
            "FROM generate_series(1, 20000) AS n",
            (source, start.replace(tzinfo=None), start.replace(tzinfo=None)),
        )
        cur.execute(
            "INSERT INTO process (uuid, source_id, status_id, start_time) "
            "VALUES (md5('7')::uuid, %s, 2, %s)",
            (source, start.replace(tzinfo=None)),
        )
    process_db.commit()
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(process_db_uri))
    settings_variable(SETTINGS)
    run = resolve()
    tracemalloc.start()
    fetched = task.fetch_processes_task(run=run)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    records = list(read_records(fetched["processes_path"]))
    assert fetched["counts"]["total"] == len(records) == 20001
    duplicated = [r for r in records if r["uuid"] == records[-1]["uuid"] and r["notes"]]
    assert len(duplicated) == 2
    assert all("process UUID appears 2 times" in r["notes"] for r in duplicated)
    summary = read_summary(fetched["processes_path"])
    assert any("appears in 2 rows" in note for note in summary["data_quality"])
    assert peak < 15_000_000, f"{peak / 1e6:.1f} MB of Python memory at the peak"
