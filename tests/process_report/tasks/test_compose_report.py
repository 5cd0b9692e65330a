"""compose_and_send_report: a send record only a person can settle fails unretried; a
report Graph refuses as too large still goes out, in its minimal form."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from dataclasses import replace
from email import message_from_bytes
from email.policy import default

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report import sending
from process_report.report import RenderedReport, ReportEmail, report_email
from process_report.tasks import compose_report as task
from process_report.tasks import fetch_processes
from process_report.tasks.common import graph_client
from tests.process_report.tasks.runs import SETTINGS, compose, resolve
from tests.support.graph_standin import Faults
from tests.support.report_days import LINKS, extract_text, report_inputs


def test_send_record_only_a_person_can_settle_fails_the_task_without_retry(
    settings_variable, monkeypatch, standin
):
    settings_variable(SETTINGS)
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    folder = ObjectStoragePath(resolve()["folder"])
    body = RenderedReport("Daily process report 2026-11-26", "<html><body>x</body></html>", "x")
    email = ReportEmail(body, (), None, body)
    assert task.send_email(folder, email, ["ops@example.com"], 0, graph_client())["sent"] is True
    (folder / "outbox/send-record-1.json").write_text('{"state": "sen')  # damaged
    with pytest.raises(AirflowFailException, match=r"remove \S+/outbox/send-record-1\.json"):
        task.send_email(folder, email, ["ops@example.com"], 1, graph_client())
    assert len(standin.sent_messages()) == 1


def sent_message(standin):
    (sent,) = standin.sent_messages()
    return message_from_bytes(sent.read_bytes(), policy=default)


def test_graph_answering_413_gets_the_minimal_report_instead_of_none(
    settings_variable, monkeypatch, standin, caplog
):
    settings_variable(SETTINGS)
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    folder = ObjectStoragePath(resolve()["folder"])
    email = report_email(**report_inputs(200), read_extract=extract_text)
    standin.faults = Faults(max_request_bytes=100_000)  # a gateway's limit, below Graph's
    result = task.send_email(folder, email, ["ops@example.com"], 0, graph_client())
    assert (result["sent"], result["body"]) == (True, "minimal")
    message = sent_message(standin)
    assert message["Subject"] == email.body.subject
    assert list(message.iter_attachments()) == []
    text = message.get_body(("plain",)).get_content()
    assert "the full one did not fit in one email" in text
    assert re.search(r"Failed\s+20\s+\(previous 0, \+20\)", text)
    assert LINKS.viewer in text
    assert f'href="{LINKS.viewer}"' in message.get_body(("html",)).get_content()
    posts = [r for r in standin.requests if r.startswith("POST") and r.endswith("/messages")]
    assert len(posts) == 2  # the full report (413), then the minimal one
    assert "413" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_report_over_graphs_limit_even_without_attachments_goes_minimal_at_once(
    settings_variable, monkeypatch, standin
):
    settings_variable(SETTINGS)
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    folder = ObjectStoragePath(resolve()["folder"])
    small = report_email(**report_inputs(20))
    # a body no render makes today (the budget keeps it at 100 KB): a template edited
    # to print every process, say; random text, so it does not compress
    huge = replace(small.body, text=base64.b64encode(os.urandom(4 * 1024 * 1024)).decode())
    email = replace(small, body=huge)
    sent = task.send_email(folder, email, ["ops@example.com"], 0, graph_client())
    assert sent["body"] == "minimal"
    assert "short form of the report" in sent_message(standin).get_body(("plain",)).get_content()
    posts = [r for r in standin.requests if r.startswith("POST") and r.endswith("/messages")]
    assert len(posts) == 1  # never sent to Graph in its full form


def _report_lines(caplog):
    names = (task.__name__, sending.__name__)
    return [r.getMessage() for r in caplog.records if r.name in names and r.levelno >= logging.INFO]


def test_a_sent_report_is_logged_as_sent_once_with_its_subject(
    settings_variable, monkeypatch, standin, clients_in_db, caplog
):
    settings_variable(SETTINGS)
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    run = resolve()
    fetched = fetch_processes.fetch_processes_task(run=run)
    with caplog.at_level(logging.INFO):
        result = compose(run, fetched)
    lines = _report_lines(caplog)
    subject = "Daily process report 2026-11-26: 2 failed · 0 finished · 0 running"  # failures first
    assert result["subject"] == subject
    said_sent = [line for line in lines if line.startswith(("Sent", "Report sent"))]
    assert said_sent == [
        f"Sent {subject!r} to 1 recipient(s) (full body); draft id {result['draft_id']}"
    ]
    assert len(standin.sent_messages()) == 1


def test_a_dry_run_is_logged_as_nothing_sent(settings_variable, clients_in_db, caplog):
    settings_variable(SETTINGS)
    run = resolve({"dry_run": True})
    fetched = fetch_processes.fetch_processes_task(run=run)
    with caplog.at_level(logging.INFO):
        compose(run, fetched)
    lines = _report_lines(caplog)
    assert lines[-1] == (
        # with its history read, the subject leads with the failures
        "Dry run, nothing sent: 'Daily process report 2026-11-26: 2 failed · 0 finished · "
        "0 running' for 1 recipient(s) written to the outbox"
    )
    assert not any("sent to" in line.lower() for line in lines)


def test_a_cut_short_records_file_fails_the_report_naming_it_instead_of_sending_fewer(
    settings_variable, clients_in_db
):
    """processes.jsonl that lost its last line (the disk filled as fetch wrote it) would
    make a report of one process where the subject counts two: the task fails, saying
    which file and what to do, and nothing reaches the outbox."""
    settings_variable(SETTINGS)
    run = resolve({"dry_run": True})
    fetched = fetch_processes.fetch_processes_task(run=run)
    records = ObjectStoragePath(fetched["processes_path"]).parent / "processes.jsonl"
    lines = records.read_bytes().splitlines(keepends=True)
    assert len(lines) == fetched["counts"]["total"] == 2
    records.write_bytes(lines[0])
    with pytest.raises(AirflowFailException) as caught:
        compose(run, fetched)
    assert f"{records} holds 1 records, but processes.json counted 2" in str(caught.value)
    assert not (records.parent / "outbox/message.eml").exists()


def test_a_run_archived_before_the_records_were_streamed_composes_the_same_csv(
    settings_variable, clients_in_db
):
    """processes.json with the records inside and no processes.jsonl (a run fetched
    before the change, cleared after it) gives the report the streamed layout gives."""
    settings_variable(SETTINGS)
    run = resolve({"dry_run": True})
    fetched = fetch_processes.fetch_processes_task(run=run)
    streamed = compose(run, fetched)
    csv_streamed = ObjectStoragePath(streamed["attachments"][0]).read_bytes()
    summary_path = ObjectStoragePath(fetched["processes_path"])
    records = summary_path.parent / "processes.jsonl"
    old = json.loads(summary_path.read_text())
    del old["records"]
    old["processes"] = [json.loads(line) for line in records.read_bytes().splitlines()]
    summary_path.write_text(json.dumps(old))
    records.unlink()
    archived = compose(run, fetched)
    assert archived["subject"] == streamed["subject"]
    assert ObjectStoragePath(archived["attachments"][0]).read_bytes() == csv_streamed
    assert csv_streamed.count(b"\n") == 1 + fetched["counts"]["total"]
