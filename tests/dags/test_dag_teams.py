"""The Teams summary in a whole run under `dag.test()`: the card follows the report, and a
webhook that refuses never holds the email back (the run then fails and alerts)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import psycopg2
import pytest

from tests.support.dag_runs import configured_report_dag
from tests.support.sample_day import load_sample_day
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

REPORT_DAY = date(2026, 11, 26)


@pytest.fixture
def teams_run(airflow_db, process_db_uri, monkeypatch, tmp_path, standin, teams):
    conn = psycopg2.connect(process_db_uri)
    load_sample_day(conn, REPORT_DAY, "Europe/Paris")
    write_sample_logs(conn, tmp_path / "logs")
    publish_sample_videos(conn, standin, "Videos")
    conn.close()
    monkeypatch.setenv("AIRFLOW_CONN_TEAMS_REPORT", teams.airflow_connection())
    return configured_report_dag(monkeypatch, process_db_uri, standin, tmp_path)


def states(run):
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_the_days_card_is_posted_once_after_the_report(teams_run, standin, teams):
    run = teams_run.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    assert run.state == "success"
    assert len(standin.sent_messages()) == 1
    (card,) = teams.cards
    assert "Daily process report 2026-11-26" in json.dumps(card)
    assert "History starts today" in json.dumps(card)


def test_a_refusing_webhook_never_holds_the_email_back(teams_run, standin, teams):
    teams.faults.statuses.extend([400] * 5)
    run = teams_run.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    assert states(run)["compose_and_send_report"] == "success"
    assert states(run)["post_to_teams"] == "failed"
    assert run.state == "failed"
    assert teams.cards == []
    sent = [path.read_bytes() for path in standin.sent_messages()]
    assert len(sent) == 2  # the report, then the run's one alert
    assert any(b"post_to_teams" in message for message in sent)
