"""The whole DAG under `dag.test()` with Graph misbehaving the way it does on a bad
morning (`fault_mix`: throttling, latency, 60 s tokens, token-endpoint 503s, a lost
answer to the send). Each fault is absorbed inside the task that meets it: one email,
every video link found."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import psycopg2

from tests.dags.test_dag_run import configured_run  # noqa: F401  (the sample day, configured)
from tests.support.graph_standin import Faults, fault_mix

LOGICAL_DATE = datetime(2026, 11, 27, 7, tzinfo=UTC)
MISSING_FOLDER = "link unavailable: the client's folder is missing under Videos in OneDrive"


def timed_run(dag, monkeypatch, artifacts_root: Path):
    """One run of the DAG with its archive under `artifacts_root` (a fresh send
    record); the run and its wall time in seconds."""
    settings = json.loads(os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"])
    settings["artifacts_root"] = artifacts_root.as_uri()
    monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps(settings))
    started = time.perf_counter()
    run = dag.test(logical_date=LOGICAL_DATE)
    return run, time.perf_counter() - started


def found_videos(artifacts_root: Path) -> dict:
    """What the video tasks stored, by process UUID."""
    found: dict = {}
    for path in artifacts_root.glob("2026-11-26/*/videos/found-*.json"):
        found.update(json.loads(path.read_text()))
    return found


def test_fault_mix_is_absorbed_one_email_and_every_video_link(
    configured_run,  # noqa: F811
    standin,
    monkeypatch,
    tmp_path,
):
    dag, _, _, fixtures = configured_run
    # The first run in a process also pays Airflow's warm-up (~45 s): untimed.
    baseline, _ = timed_run(dag, monkeypatch, tmp_path / "baseline")
    assert baseline.state == "success"
    sent_before = len(standin.sent_messages())

    standin.faults = fault_mix(drop_send_answer=True)
    mixed, mixed_s = timed_run(dag, monkeypatch, tmp_path / "mixed")
    assert mixed.state == "success"
    assert len(standin.sent_messages()) == sent_before + 1
    tries = {ti.task_id: ti.try_number for ti in mixed.get_task_instances()}
    assert set(tries.values()) == {1}, tries  # absorbed inside the tasks, no Airflow retry
    found = found_videos(tmp_path / "mixed")
    assert found == found_videos(tmp_path / "baseline")  # every link a clean run finds
    expected = fixtures["videos"]["videos"]
    for uuid, result in found.items():
        if result["error"] is None:
            assert [video["name"] for video in result["videos"]] == expected.get(uuid, [])
        else:
            assert result["error"] == MISSING_FOLDER
    assert sum(1 for result in found.values() if result["videos"]) >= 20

    standin.faults = Faults()
    _, clean_s = timed_run(dag, monkeypatch, tmp_path / "clean")
    print(
        f"\nDAG wall time under dag.test(): clean {clean_s:.1f} s, fault mix {mixed_s:.1f} s, "
        f"ratio {mixed_s / clean_s:.2f} (in one process, without the task runner's start "
        f"per task instance: make bench-faults measures the ratio as production runs it)"
    )


def test_role_losing_select_fails_fetch_at_once_and_alerts_on_the_first_try(
    configured_run,  # noqa: F811
    process_db_uri,
    standin,
    monkeypatch,
):
    """The read-only role loses SELECT on `process`: the task's retries (kept here, with
    the DAG's retry policy) must not be spent on it, so the alert follows the first try
    instead of a quarter of an hour of retry delays."""
    dag, _, _, _ = configured_run
    conn = psycopg2.connect(process_db_uri)
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS report_reader_dag")
        cur.execute("CREATE ROLE report_reader_dag LOGIN")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO report_reader_dag")
        cur.execute("REVOKE SELECT ON process FROM report_reader_dag")
    conn.commit()
    conn.close()
    reader = json.loads(os.environ["AIRFLOW_CONN_PROCESS_DB"]) | {"login": "report_reader_dag"}
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", json.dumps(reader))
    fetch = dag.get_task("fetch_processes")
    fetch.retries, fetch.retry_delay = 3, timedelta(seconds=1)  # retried quickly if at all

    started = time.perf_counter()
    run = dag.test(logical_date=LOGICAL_DATE)
    elapsed = time.perf_counter() - started

    tries = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
    assert tries["fetch_processes"] == ("failed", 1)
    assert run.state == "failed"
    (alert,) = standin.sent_messages()  # the alert, and no report
    text = message_from_bytes(alert.read_bytes(), policy=default).get_content()
    assert "fetch_processes" in text
    assert "permission denied for table process" in text
    assert "SQLSTATE 42501, permanent: not retried" in text
    print(f"\nrole without SELECT: run failed and alerted in {elapsed:.1f} s under dag.test()")
