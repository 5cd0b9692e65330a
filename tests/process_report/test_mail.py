"""The report as an email: both bodies, attachments within Graph's 4 MB request limit."""

from __future__ import annotations

import base64

import pytest

from process_report.graph.client import GraphError
from process_report.mail import GRAPH_REQUEST_LIMIT, Attachment, build_message
from process_report.report import RenderedReport
from tests.support.graph_fixtures import client_for

REPORT = RenderedReport(
    "Daily process report 2026-11-26: 1 finished", "<html><body><p>hi</p></body></html>", "hi\n"
)


def test_message_is_multipart_alternative_with_text_first():
    message = build_message(REPORT, ["ops@x.example"], sender="reports@contoso.example")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["From"] == "reports@contoso.example"
    assert message["To"] == "ops@x.example"


def test_attachments_over_the_4mb_request_limit_are_left_out_with_a_note():
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


def test_the_stand_in_refuses_requests_over_4mb_like_graph(standin):
    client, config = client_for(standin)
    with pytest.raises(GraphError, match="413"):
        client.request(
            "POST",
            f"{config.mail_root}/messages",
            idempotent=False,
            data=b"A" * (GRAPH_REQUEST_LIMIT + 1),
            headers={"Content-Type": "text/plain"},
        )
