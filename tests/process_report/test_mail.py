from __future__ import annotations

import base64
import json
from email import message_from_bytes
from email.policy import default

import pytest

from process_report.graph.client import AmbiguousSendError
from process_report.mail import GRAPH_REQUEST_LIMIT, Attachment, build_message, send_once
from process_report.report import RenderedReport
from tests.support.graph_fixtures import client_for

REPORT = RenderedReport(
    "Daily process report 2026-11-26: 1 finished", "<html><body><p>hi</p></body></html>", "hi\n"
)


def record_store(path):
    return (
        lambda: json.loads(path.read_text()) if path.exists() else None,
        lambda data: path.write_text(json.dumps(data)),
    )


def test_message_is_sent_once_as_multipart_alternative(standin, tmp_path):
    client, config = client_for(standin)
    record = send_once(
        client,
        config.mail_root,
        build_message(REPORT, ["ops@x.example"]),
        *record_store(tmp_path / "r.json"),
    )
    assert record["sent"] is True
    assert record["draft_id"].startswith("imm-")  # immutable id asked for
    (sent,) = standin.sent_messages()
    message = message_from_bytes(sent.read_bytes(), policy=default)
    assert message.get_content_type() == "multipart/alternative"


def test_lost_answer_then_retry_sends_no_second_copy(standin, tmp_path):
    client, config = client_for(standin)
    store = record_store(tmp_path / "r.json")
    standin.faults.lose_response_once.add("send")
    message = build_message(REPORT, ["ops@x.example"])
    with pytest.raises(AmbiguousSendError):
        send_once(client, config.mail_root, message, *store)
    assert len(standin.sent_messages()) == 1  # Graph did send it
    record = send_once(client, config.mail_root, message, *store)  # the task's retry
    assert record["sent"] is True
    assert len(standin.sent_messages()) == 1


def test_deliberate_rerun_with_a_new_record_sends_again(standin, tmp_path):
    client, config = client_for(standin)
    message = build_message(REPORT, ["ops@x.example"])
    send_once(client, config.mail_root, message, *record_store(tmp_path / "clear-0.json"))
    send_once(client, config.mail_root, message, *record_store(tmp_path / "clear-0.json"))
    send_once(client, config.mail_root, message, *record_store(tmp_path / "clear-1.json"))
    assert len(standin.sent_messages()) == 2


def test_attachments_over_the_4mb_request_limit_are_left_out_with_a_note(standin, tmp_path):
    small = Attachment("processes.csv", b"uuid,client\n" * 100, "text/csv")
    big = Attachment("full-report.html", b"x" * (GRAPH_REQUEST_LIMIT * 3 // 4), "text/html")
    message = build_message(REPORT, ["ops@x.example"], [small, big])
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["processes.csv"]
    assert (
        "Not attached (over Graph's 4 MB message limit): full-report.html"
        in message.get_body(("plain",)).get_content()
    )
    assert len(base64.b64encode(message.as_bytes())) < GRAPH_REQUEST_LIMIT
    client, config = client_for(standin)
    assert send_once(client, config.mail_root, message, *record_store(tmp_path / "r.json"))["sent"]


def test_the_stand_in_refuses_requests_over_4mb_like_graph(standin):
    client, config = client_for(standin)
    from process_report.graph.client import GraphError

    with pytest.raises(GraphError, match="413"):
        client.request(
            "POST",
            f"{config.mail_root}/messages",
            idempotent=False,
            data=b"A" * (GRAPH_REQUEST_LIMIT + 1),
            headers={"Content-Type": "text/plain"},
        )
