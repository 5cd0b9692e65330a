"""post_to_teams through Airflow's own reading of `teams_report`, against the webhook
stand-in over HTTPS: nothing without the connection, one card per clear, a refusal that
fails the task for good, and the webhook's signature never in a log line."""

from __future__ import annotations

import json

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.tasks import post_to_teams as task
from process_report.teams.webhook import WebhookError
from tests.process_report.tasks.runs import SETTINGS, masked_in_task_logs, resolve

COUNTS = {"finished": 40, "failed": 3, "running": 2, "hung": 1, "other": 0, "total": 45}


@pytest.fixture
def run(settings_variable):
    settings_variable(SETTINGS)
    context = resolve()
    trend = {"days": [], "overall": {}, "clients": [{"client": "Acme", "streak": 3}]}
    path = artifacts.write_json(ObjectStoragePath(context["folder"]), "trend.json", trend)
    return context, {"counts": COUNTS, "trend_path": path}


def post(run, clear=0, try_number=1):
    context, fetched = run
    return task.post_to_teams_task(
        run=context,
        fetched=fetched,
        clear_number=clear,
        dag_id="client_process_daily_report",
        run_id="scheduled__2026-11-27T07:00:00+00:00",
        try_number=try_number,
    )


def test_without_the_connection_nothing_is_posted(run, monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_TEAMS_REPORT", raising=False)
    caplog.set_level("INFO", logger=task.__name__)
    assert post(run) == {"teams": "not configured"}
    assert "No teams_report connection" in caplog.text


def test_one_card_per_clear_with_the_days_counts_and_streaks(run, teams, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TEAMS_REPORT", teams.airflow_connection())
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    assert post(run) == {"teams": "posted"}
    assert post(run, try_number=2) == {"teams": "already posted"}
    assert post(run, clear=1) == {"teams": "posted"}
    assert len(teams.cards) == 2
    card = json.dumps(teams.cards[0])
    assert "Daily process report 2026-11-26" in card
    assert "Acme: failing 3 days in a row" in card
    assert "https://airflow.example.com/process-report/dags/client_process_daily_report" in card


def test_a_refusing_webhook_fails_the_task_for_good_and_its_signature_is_masked(
    run, teams, monkeypatch, caplog
):
    monkeypatch.setenv("AIRFLOW_CONN_TEAMS_REPORT", teams.airflow_connection())
    teams.faults.statuses.append(404)
    caplog.set_level("INFO")
    with pytest.raises(WebhookError) as failed:
        post(run)
    assert failed.value.transient is False
    assert teams.sig not in str(failed.value)
    assert teams.sig not in caplog.text
    assert masked_in_task_logs(teams.sig)
    assert teams.cards == []


def test_a_connection_whose_host_is_not_a_url_fails_naming_the_fix(run, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.setenv(
        "AIRFLOW_CONN_TEAMS_REPORT", json.dumps({"conn_type": "http", "host": "prod.logic.example"})
    )
    with pytest.raises(AirflowFailException, match="whole Workflows webhook URL"):
        post(run)
