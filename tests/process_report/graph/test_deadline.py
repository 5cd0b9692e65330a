"""Every request has a total deadline: an answer dripped byte by byte is cut, over TLS,
against the stand-in; requests that finish in time are untouched."""

from __future__ import annotations

import base64
import logging
import time

import pytest

from process_report.graph.auth import IdentityHttp, SignInError, http_session
from process_report.graph.client import AmbiguousSendError, RetryPolicy
from process_report.graph.deadline import DeadlineExceeded, deadline
from tests.support.graph_fixtures import client_for, config_for
from tests.support.graph_standin import Answer

DRIP = b'{"value": []}' + b" " * 300  # 313 bytes at one a second: over five minutes
SHORT = RetryPolicy(max_wait_s=30, timeout_s=5, deadline_s=2)


def test_listing_dripped_one_byte_a_second_is_cut_at_the_deadline_and_tried_again(standin, caplog):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps, policy=SHORT)
    client.get_json(f"{config.drive_root}/root/children")  # signed in, connection open
    standin.faults.graph_answers = [Answer(200, DRIP, drip_s=1.0)]
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="process_report.graph.client"):
        assert client.get_json(f"{config.drive_root}/root/children") == {"value": []}
    assert time.monotonic() - started < 30  # not the 313 s the drip would take
    assert len(sleeps) == 1  # cut once, waited out like a lost answer, then answered
    assert any("gave no answer to GET (DeadlineExceeded)" in r.getMessage() for r in caplog.records)


def test_draft_post_dripped_is_cut_and_reported_as_ambiguous_not_resent(standin):
    client, config = client_for(standin, policy=SHORT)
    standin.faults.graph_answers = [Answer(201, DRIP, match="POST", drip_s=1.0)]
    started = time.monotonic()
    with pytest.raises(AmbiguousSendError, match="deadline"):
        client.request(
            "POST",
            f"{config.mail_root}/messages",
            idempotent=False,
            data=base64.b64encode(b"Subject: hi\r\n\r\nhello\r\n"),
            headers={"Content-Type": "text/plain"},
        )
    assert time.monotonic() - started < 30


def test_token_answer_dripped_is_a_transient_sign_in_failure_at_the_deadline(standin):
    config = config_for(standin)
    http = IdentityHttp(http_session(config), config.authority, timeout_s=5, deadline_s=2)
    standin.faults.identity_answers = [Answer(200, DRIP, match="/token", drip_s=1.0)]
    started = time.monotonic()
    with pytest.raises(SignInError, match="got no answer") as caught:
        http.post(f"{config.authority}/oauth2/v2.0/token", data={"grant_type": "x"})
    assert caught.value.transient
    assert time.monotonic() - started < 30


def test_requests_that_finish_in_time_are_never_cut_and_their_connections_stay_usable(standin):
    client, config = client_for(standin, policy=RetryPolicy(max_wait_s=30, deadline_s=0.5))
    for _ in range(5):
        assert client.get_json(f"{config.drive_root}/root/children") == {"value": []}
    time.sleep(1.0)  # every deadline above has passed while its connection sat in the pool
    assert client.get_json(f"{config.drive_root}/root/children") == {"value": []}


def test_a_deadline_that_passes_after_the_block_raises_nothing():
    with deadline(0.05, "quick"):
        pass
    time.sleep(0.2)


def test_an_error_inside_a_deadline_that_did_not_fire_is_left_as_it_is():
    with pytest.raises(ValueError, match="not ours"), deadline(10, "x"):
        raise ValueError("not ours")
    assert issubclass(DeadlineExceeded, Exception)
