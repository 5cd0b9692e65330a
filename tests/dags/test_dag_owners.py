"""Owner digests in a whole run under `dag.test()` on the sample day: the owner of the
failing clients gets one digest of theirs, skip-listed accounts stay out, an owner's
client that does not exist is a note in the team report (never a crash), and a digest
that is not due is not sent."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default

import psycopg2
import pytest

from tests.support.dag_runs import configured_report_dag
from tests.support.sample_day import CLIENTS, TEST_API_KEY, load_sample_day
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

OWNERS = [
    {"name": "Alice", "email": "alice@example.com", "clients": [c for c in CLIENTS if c]},
    {
        "name": "Bob",
        "email": "bob@example.com",
        "clients": ["Internal QA (test)"],
        "when": "failures",
    },
    {
        "name": "Carol",
        "email": "carol@example.com",
        "clients": ["No Such Client"],
        "when": "failures",
    },
]


@pytest.fixture
def owners_run(airflow_db, process_db_uri, monkeypatch, tmp_path, standin):
    conn = psycopg2.connect(process_db_uri)
    load_sample_day(conn, date(2026, 11, 26), "Europe/Paris")
    write_sample_logs(conn, tmp_path / "logs")
    publish_sample_videos(conn, standin, "Videos")
    conn.close()
    dag = configured_report_dag(monkeypatch, process_db_uri, standin, tmp_path)
    settings = json.loads(os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"])
    monkeypatch.setenv(
        "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps({**settings, "owners": OWNERS})
    )
    return dag


def test_owners_get_their_digest_once_and_unknown_clients_are_noted(owners_run, standin):
    run = owners_run.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    assert run.state == "success"
    sent = [message_from_bytes(p.read_bytes(), policy=default) for p in standin.sent_messages()]
    by_to = {m["To"]: m for m in sent}
    assert set(by_to) == {"ops@example.com", "alice@example.com"}  # Bob and Carol: nothing due
    digest = by_to["alice@example.com"]
    assert digest["Subject"].startswith("Your clients 2026-11-26: ")
    text = digest.get_body(("plain",)).get_content()
    assert "For Alice: " in text
    assert "Internal QA" not in text  # skip-listed: never in a digest
    assert TEST_API_KEY not in text
    team = by_to["ops@example.com"].get_body(("plain",)).get_content()
    assert "Owner Carol (owners[2].clients[0]) matches no client in the database" in team
    assert "Owner Bob (owners[1].clients[0]) matches no client in the database" in team
