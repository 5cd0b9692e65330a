"""Sending exactly once, every sequence against the Graph stand-in over HTTPS: lost
answers, attempts killed between steps, overlapping attempts, clears after an unknown
outcome, broken records and deleted drafts. Each test counts the emails Graph sent."""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import threading
import time
from email import message_from_bytes
from email.policy import default

import pytest
from upath import UPath

from process_report.graph.client import GraphError
from process_report.mail import Attachment, build_message
from process_report.report import RenderedReport
from process_report.send_record import SendRecord, SendRecordError
from process_report.sending import SendPolicy, send_once
from tests.support import send_attempt
from tests.support.graph_fixtures import client_for
from tests.support.graph_standin import Answer

REPORT = RenderedReport(
    "Daily process report 2026-11-26: 1 finished", "<html><body><p>hi</p></body></html>", "hi\n"
)
# Short waits: a killed attempt's record is taken over after 2 s, and Graph is given 3 s
# to show a send whose answer was lost. Attempts that race while both alive get a lease
# no stall of a loaded test machine reaches.
POLICY = SendPolicy(settle_s=3.0, poll_s=0.2, lease_s=2.0)
RACING = SendPolicy(settle_s=3.0, poll_s=0.2, lease_s=60.0)


def report_message():
    return build_message(REPORT, ["ops@x.example"], sender="reports@contoso.example")


def record_at(path):
    return SendRecord(UPath(path))


def attempt(standin, record_path, earlier=(), policy=POLICY):
    """One attempt of the task's send step, as `tasks.compose_report.send_email` makes it."""
    client, config = client_for(standin)
    records = [record_at(path) for path in earlier]
    return send_once(
        client, config.mail_root, report_message(), record_at(record_path), records, policy
    )


def start_child(standin, record_path, policy=POLICY, log=None):
    mime = report_message().as_bytes()
    return send_attempt.start(standin.airflow_connection(), str(record_path), mime, policy, log)


def until(condition, timeout=60):
    """Wait for `condition()`; whether it came true in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def read(path):
    return path.read_text() if path.exists() else ""


def killed_during(standin, action, record_path, *, performed):
    """Start an attempt in a child process, SIGKILL it while its `action` request is in
    flight, then let Graph carry that request out or not."""
    gate = standin.hold(action)
    child = start_child(standin, record_path)
    try:
        assert gate.arrived.wait(60), f"the child's {action} request never came"
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
    finally:
        gate.release(performed)
    deadline = time.monotonic() + 5
    while performed and time.monotonic() < deadline and not _acted(standin, action):
        time.sleep(0.02)


def _acted(standin, action):
    return bool(standin.messages) if action == "create" else bool(standin.sent_messages())


def test_message_goes_out_once_with_the_records_message_id(standin, tmp_path):
    record = attempt(standin, tmp_path / "send-record-0.json")
    assert record["state"] == "sent"
    assert record["draft_id"].startswith("imm-")  # immutable id asked for
    (sent,) = standin.sent_messages()
    message = message_from_bytes(sent.read_bytes(), policy=default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == record["message_id"]
    assert record["message_id"].endswith("@contoso.example>")


def test_retry_of_a_sent_record_sends_nothing_and_a_clear_sends_again(standin, tmp_path):
    first = tmp_path / "send-record-0.json"
    attempt(standin, first)
    attempt(standin, first)  # the task's retry, after the send went through
    attempt(standin, tmp_path / "send-record-1.json", earlier=[first])  # a deliberate clear
    assert len(standin.sent_messages()) == 2
    first_id, second_id = (
        message_from_bytes(path.read_bytes(), policy=default)["Message-ID"]
        for path in standin.sent_messages()
    )
    assert first_id != second_id  # a new message, not one the recipients' servers drop


def test_message_with_attachments_near_the_request_limit_is_sent(standin, tmp_path):
    big = Attachment("processes.csv", b"x" * (3 * 1024 * 1024 // 2), "text/csv")
    message = build_message(REPORT, ["ops@x.example"], [big])
    client, config = client_for(standin)
    record = send_once(client, config.mail_root, message, record_at(tmp_path / "r.json"))
    assert record["state"] == "sent"
    (sent,) = standin.sent_messages()
    assert b"processes.csv" in sent.read_bytes()


def test_lost_answer_to_draft_creation_finds_that_draft_instead_of_a_second(standin, tmp_path):
    standin.faults.lose_response_once.add("create")
    record = attempt(standin, tmp_path / "send-record-0.json")
    assert record["draft_id"] in standin.messages
    assert len(standin.messages) == 1
    assert len(standin.sent_messages()) == 1


def test_lost_answer_to_send_is_settled_in_the_same_attempt_by_polling_graph(
    standin, tmp_path, caplog
):
    standin.faults.lose_response_once.add("send")
    standin.faults.send_delay_s = 1.0  # Graph still shows a draft for a second
    with caplog.at_level(logging.INFO, logger="process_report.sending"):
        record = attempt(standin, tmp_path / "send-record-0.json")
    assert record["state"] == "sent"
    assert len(standin.sent_messages()) == 1
    polls = [r for r in caplog.records if "poll" in r.getMessage()]
    assert polls
    assert all(r.levelno == logging.INFO for r in polls)


def test_killed_while_creating_the_draft_retry_reuses_the_draft_graph_made(standin, tmp_path):
    record_path = tmp_path / "send-record-0.json"
    killed_during(standin, "create", record_path, performed=True)
    assert len(standin.messages) == 1  # Graph made the draft; nobody knows its id
    record = attempt(standin, record_path)
    assert len(standin.messages) == 1
    assert record["draft_id"] in standin.messages
    assert len(standin.sent_messages()) == 1


def test_killed_with_the_record_claimed_and_no_draft_retry_sends_one(standin, tmp_path):
    record_path = tmp_path / "send-record-0.json"
    killed_during(standin, "create", record_path, performed=False)
    assert not standin.messages
    attempt(standin, record_path)
    assert len(standin.sent_messages()) == 1


def test_killed_with_the_draft_recorded_and_not_sent_retry_sends_it_once(standin, tmp_path):
    record_path = tmp_path / "send-record-0.json"
    killed_during(standin, "send", record_path, performed=False)
    assert not standin.sent_messages()
    record = attempt(standin, record_path)
    assert len(standin.sent_messages()) == 1
    assert standin.sent_messages()[0].name.endswith(f"{record['draft_id']}.eml")


def test_killed_after_graph_accepted_the_send_retry_waits_for_it_instead_of_resending(
    standin, tmp_path
):
    standin.faults.send_delay_s = 3.5  # the retry (after the 2 s lease) sees a draft
    record_path = tmp_path / "send-record-0.json"
    killed_during(standin, "send", record_path, performed=True)
    record = attempt(standin, record_path)
    assert record["state"] == "sent"
    assert len(standin.sent_messages()) == 1


def test_two_overlapping_attempts_in_threads_send_one_email(standin, tmp_path, caplog):
    record_path = tmp_path / "send-record-0.json"
    create = standin.hold("create")  # the winner stays in flight until the loser waits
    outcomes = []

    def race():
        outcomes.append(attempt(standin, record_path, policy=RACING))

    threads = [threading.Thread(target=race) for _ in range(2)]
    with caplog.at_level(logging.INFO, logger="process_report.sending"):
        for thread in threads:
            thread.start()
        assert create.arrived.wait(60)
        assert until(lambda: "waiting for its outcome" in caplog.text)
        create.release(True)
        for thread in threads:
            thread.join(120)
    assert [o["state"] for o in outcomes] == ["sent", "sent"]  # the loser got its outcome
    assert outcomes[0]["draft_id"] == outcomes[1]["draft_id"]
    assert len(standin.messages) == 1
    assert len(standin.sent_messages()) == 1


def test_two_overlapping_attempts_in_processes_send_one_email(standin, tmp_path):
    record_path = tmp_path / "send-record-0.json"
    create = standin.hold("create")
    logs = [tmp_path / f"attempt-{n}.log" for n in range(2)]
    children = [start_child(standin, record_path, RACING, log) for log in logs]
    assert create.arrived.wait(60)
    assert until(lambda: any("waiting for its outcome" in read(log) for log in logs))
    create.release(True)
    for child in children:
        child.join(120)
    assert [child.exitcode for child in children] == [0, 0]  # the loser ended without error
    assert len(standin.messages) == 1
    assert len(standin.sent_messages()) == 1


def test_clear_after_an_unknown_unsent_send_sends_that_draft_not_a_new_one(standin, tmp_path):
    first = tmp_path / "send-record-0.json"
    killed_during(standin, "send", first, performed=False)
    (draft_id,) = standin.messages
    attempt(standin, tmp_path / "send-record-1.json", earlier=[first])
    (sent,) = standin.sent_messages()
    assert sent.name.endswith(f"{draft_id}.eml")
    assert len(standin.messages) == 1


def test_clear_after_an_unknown_delivered_send_settles_it_then_sends_again(standin, tmp_path):
    standin.faults.send_delay_s = 3.5  # still a draft when the clear takes the record over
    first = tmp_path / "send-record-0.json"
    killed_during(standin, "send", first, performed=True)
    attempt(standin, tmp_path / "send-record-1.json", earlier=[first])
    assert len(standin.sent_messages()) == 2  # the delivered one and the deliberate re-send
    assert json.loads(first.read_text())["state"] == "sent"


def test_broken_record_of_a_sent_report_is_recovered_from_sent_items(standin, tmp_path):
    record_path = tmp_path / "send-record-0.json"
    attempt(standin, record_path)
    record_path.write_text(record_path.read_text()[:9])  # truncated
    record = attempt(standin, record_path)
    assert record["state"] == "sent"
    assert len(standin.sent_messages()) == 1


def test_broken_record_of_an_unsent_report_names_the_fix_which_then_sends_it_once(
    standin, tmp_path
):
    record_path = tmp_path / "send-record-0.json"
    killed_during(standin, "send", record_path, performed=False)
    (draft_id,) = standin.messages
    record_path.write_text(record_path.read_text()[:20])  # damaged
    with pytest.raises(SendRecordError) as caught:
        attempt(standin, record_path)
    assert f"remove {record_path} and clear compose_and_send_report" in str(caught.value)
    assert not standin.sent_messages()
    record_path.unlink()  # the fix, as the error says
    attempt(standin, tmp_path / "send-record-1.json", earlier=[record_path])
    (sent,) = standin.sent_messages()
    assert sent.name.endswith(f"{draft_id}.eml")  # the clear found that draft and sent it


def test_draft_deleted_after_graph_refused_the_send_is_recreated_and_sent_once(standin, tmp_path):
    record_path = tmp_path / "send-record-0.json"
    standin.faults.refuse_once["send"] = 403
    with pytest.raises(GraphError, match="403"):
        attempt(standin, record_path)
    (draft_id,) = standin.messages
    standin.delete_message(draft_id)  # someone tidied up the Drafts folder
    attempt(standin, record_path)
    assert len(standin.sent_messages()) == 1


def test_draft_deleted_while_its_send_is_unknown_names_the_fix_which_then_sends_once(
    standin, tmp_path
):
    record_path = tmp_path / "send-record-0.json"
    killed_during(standin, "send", record_path, performed=False)
    (draft_id,) = standin.messages
    standin.delete_message(draft_id)
    with pytest.raises(SendRecordError) as caught:
        attempt(standin, record_path)
    assert f"remove {record_path} and clear compose_and_send_report" in str(caught.value)
    assert not standin.sent_messages()
    record_path.unlink()  # the recipients did not get it: the fix, as the error says
    attempt(standin, tmp_path / "send-record-1.json", earlier=[record_path])
    assert len(standin.sent_messages()) == 1


def test_record_of_the_first_version_with_a_send_in_flight_is_settled_not_resent(standin, tmp_path):
    standin.faults.send_delay_s = 1.0
    client, config = client_for(standin)
    draft = client.request(
        "POST",
        f"{config.mail_root}/messages",
        idempotent=False,
        data=base64.b64encode(report_message().as_bytes()),
        headers={"Content-Type": "text/plain", "Prefer": 'IdType="ImmutableId"'},
    ).json()
    record_path = tmp_path / "send-record-0.json"
    record_path.write_text(json.dumps({"draft_id": draft["id"], "sent": False}))
    client.request("POST", f"{config.mail_root}/messages/{draft['id']}/send", idempotent=False)
    record = attempt(standin, record_path)  # the old version's send is still a draft here
    assert record["state"] == "sent"
    assert len(standin.sent_messages()) == 1


ODD_ERROR_BODIES = {
    "oauth-style": b'{"error": "invalid_request"}',
    "list": b"[]",
    "string": b'"denied"',
    "html": b"<html><body><h1>403 Forbidden</h1></body></html>",
    "empty": b"",
}


@pytest.mark.parametrize("body", ODD_ERROR_BODIES.values(), ids=ODD_ERROR_BODIES)
def test_send_refused_with_any_error_body_settles_the_record_at_once_without_polling(
    standin, tmp_path, body
):
    record_path = tmp_path / "send-record-0.json"
    standin.faults.graph_answers = [Answer(403, body, match="/send")]
    slow = SendPolicy(settle_s=180.0, poll_s=0.2, lease_s=2.0)  # a poll would show
    started = time.monotonic()
    with pytest.raises(GraphError) as caught:
        attempt(standin, record_path, policy=slow)
    assert caught.value.status == 403
    assert time.monotonic() - started < 60  # no sent-items poll (180 s) was begun
    stored = json.loads(record_path.read_text())
    assert (stored["state"], stored["refused"]) == ("drafted", 403)
    assert not any("sentitems" in r for r in standin.requests[-3:])
    assert not standin.sent_messages()
    attempt(standin, record_path)  # the task's retry (or a fixed permission) sends it
    assert len(standin.sent_messages()) == 1


def test_draft_refused_as_too_large_leaves_nothing_sent_and_a_smaller_message_goes_out(
    standin, tmp_path
):
    """What the 413 fallback of compose_report does: the same record, a smaller message."""
    record_path = tmp_path / "send-record-0.json"
    client, config = client_for(standin)
    too_large = b'{"error": {"code": "RequestEntityTooLarge", "message": "over 4 MB"}}'
    standin.faults.graph_answers = [Answer(413, too_large, match="POST /v1.0/users/")]
    first = report_message()
    with pytest.raises(GraphError) as caught:
        send_once(client, config.mail_root, first, record_at(record_path), (), POLICY)
    assert caught.value.status == 413
    stored = json.loads(record_path.read_text())
    assert (stored["state"], stored["refused"], stored["released"]) == ("claimed", 413, True)
    assert not standin.messages  # no draft exists: nothing can go out behind our back
    started = time.monotonic()
    sent = send_once(client, config.mail_root, report_message(), record_at(record_path), (), POLICY)
    assert sent["state"] == "sent"
    assert time.monotonic() - started < POLICY.lease_s  # taken over at once, not after a lease
    assert len(standin.sent_messages()) == 1
