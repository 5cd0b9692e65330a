"""The whole DAG under `dag.test()` with its archive on S3 (artifacts_root
`s3://conn_id@bucket/...` on a real S3-compatible server, moto's, on 127.0.0.1): the
report is sent exactly once, the run's archive is in the bucket (listed with boto3, not
through the code under test), and the report viewer reads that run from there."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import psycopg2
import pytest

from process_report.artifacts import run_name
from process_report.links import DAG_ID, RunLinks
from tests.process_report.test_viewer import USERS, api_client, token
from tests.support.dag_runs import configured_report_dag
from tests.support.embedded_db import drop_database, recreate_database
from tests.support.graph_standin import GraphStandIn
from tests.support.s3_server import CONN_ID
from tests.support.sample_day import load_sample_day, load_schema
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

REPORT_DAY = date(2026, 11, 26)
BASE_URL = "http://testserver"
DATABASE = "t_dag_on_s3"
PREFIX = "dag-on-s3"  # the artifacts root's folder in the bucket
JWT_SECRET = "s3-run-tests-signing-key-" + "0123456789abcdef" * 3  # 73 bytes, as PyJWT asks


@pytest.fixture(scope="module")
def s3_run(airflow_db, pg_server_uri, s3, tmp_path_factory):
    """One real (not dry) run of the DAG on the sample day, sending through the Graph
    stand-in, with artifacts_root on the S3 server; the viewer's API app beside it."""
    tmp = tmp_path_factory.mktemp("dag-on-s3")
    db_uri = recreate_database(pg_server_uri, DATABASE)
    conn = psycopg2.connect(db_uri)
    load_schema(conn)
    load_sample_day(conn, REPORT_DAY, "Europe/Paris")
    write_sample_logs(conn, tmp / "logs")
    with GraphStandIn(tmp / "graph") as standin, pytest.MonkeyPatch.context() as env:
        publish_sample_videos(conn, standin, "Videos")
        conn.close()
        dag = configured_report_dag(env, db_uri, standin, tmp)
        settings = json.loads(os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"])
        settings["artifacts_root"] = f"s3://{CONN_ID}@{s3.bucket}/{PREFIX}"
        env.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps(settings))
        env.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", s3.airflow_connection())
        env.setenv("AIRFLOW__API__BASE_URL", BASE_URL)
        env.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", USERS)
        env.setenv("AIRFLOW__CORE__AUTH_MANAGER", "tests.support.auth_managers.RunsOnlyAuthManager")
        env.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(tmp / "passwords"))
        env.setenv("AIRFLOW__API_AUTH__JWT_SECRET", JWT_SECRET)
        run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
        api = api_client()
        yield {
            "run": run,
            "standin": standin,
            "local": tmp / "artifacts",
            "folder": f"{PREFIX}/{REPORT_DAY.isoformat()}/{run_name(run.run_id)}",
            "api": api,
            "reader": {"Authorization": f"Bearer {token(api, 'reader')}"},
            "links": RunLinks(BASE_URL, DAG_ID, run.run_id),
        }
    drop_database(pg_server_uri, DATABASE)


def stored(s3, key: str) -> bytes:
    return s3.client().get_object(Bucket=s3.bucket, Key=key)["Body"].read()


def test_a_run_with_its_archive_on_s3_sends_the_report_exactly_once(s3_run, s3):
    assert s3_run["run"].state == "success"
    (sent,) = s3_run["standin"].sent_messages()
    assert b"Daily process report 2026-11-26:" in sent.read_bytes()
    record = json.loads(stored(s3, f"{s3_run['folder']}/outbox/send-record-0.json"))
    assert record["state"] == "sent"
    assert record["message_id"]
    assert not s3_run["local"].exists()  # nothing went to the local default


def test_the_runs_whole_archive_is_in_the_bucket(s3_run, s3):
    folder = s3_run["folder"]
    keys = {key.removeprefix(f"{folder}/") for key in s3.keys(f"{folder}/")}
    assert {
        "run/settings.json",
        "processes.json",
        "report.html",
        "report.txt",
        "attachments/processes.csv",
        "attachments/failure-logs.zip",
        "outbox/send-record-0.json",
        "trend.json",
        "history.json",
    } <= keys, sorted(keys)
    assert [k for k in keys if k.startswith("failure_logs/")]
    assert not [k for k in keys if k.startswith("outbox/") and k.endswith(".eml")]
    counts = json.loads(stored(s3, f"{folder}/processes.json"))["counts"]
    assert json.loads(stored(s3, f"{folder}/history.json"))["counts"]["total"] == counts["total"]


def test_the_viewer_reads_the_run_from_s3(s3_run, s3):
    api, reader, links, folder = s3_run["api"], s3_run["reader"], s3_run["links"], s3_run["folder"]
    page = api.get(links.viewer, headers=reader)
    assert page.status_code == 200, page.text
    assert "Process report 2026-11-26" in page.text
    assert "dry run" not in page.text
    assert 'href="files/processes.csv"' in page.text
    report = api.get(links.report, headers=reader)
    assert report.status_code == 200
    assert report.content == stored(s3, f"{folder}/report.html")
    csv = api.get(links.attachment("processes.csv"), headers=reader)
    assert csv.content == stored(s3, f"{folder}/attachments/processes.csv")
    extract = next(k for k in s3.keys(f"{folder}/failure_logs/"))
    raw = api.get(f"{links.extract(extract.rsplit('/', 1)[1])}/raw", headers=reader)
    assert raw.status_code == 200
