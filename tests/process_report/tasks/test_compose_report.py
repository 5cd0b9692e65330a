"""compose_and_send_report: a send record only a person can settle fails unretried."""

from __future__ import annotations

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report.report import RenderedReport, ReportEmail
from process_report.tasks import compose_report as task
from tests.process_report.tasks.runs import SETTINGS, resolve


def test_send_record_only_a_person_can_settle_fails_the_task_without_retry(
    settings_variable, monkeypatch, standin
):
    settings_variable(SETTINGS)
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    folder = ObjectStoragePath(resolve()["folder"])
    body = RenderedReport("Daily process report 2026-11-26", "<html><body>x</body></html>", "x")
    email = ReportEmail(body, (), None, body)
    assert task._send(folder, email, ["ops@example.com"], 0)["sent"] is True
    (folder / "outbox/send-record-1.json").write_text('{"state": "sen')  # damaged
    with pytest.raises(AirflowFailException, match=r"remove \S+/outbox/send-record-1\.json"):
        task._send(folder, email, ["ops@example.com"], 1)
    assert len(standin.sent_messages()) == 1
