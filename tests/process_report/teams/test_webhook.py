"""One POST to the Teams webhook stand-in over real HTTPS: accepted, refused for good,
refused for now, redirected (never followed), answered too slowly (cut at the
deadline) — and the webhook's secret signature never in an error."""

from __future__ import annotations

import pytest
import requests

from process_report.teams.webhook import WebhookError, post_message, webhook_session

MESSAGE = {
    "type": "message",
    "attachments": [
        {
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {"type": "AdaptiveCard", "version": "1.4", "body": []},
        }
    ],
}


def session_for(teams):
    return webhook_session(str(teams.ca_path))


def test_an_accepted_card_is_posted_once(teams):
    assert post_message(session_for(teams), teams.url, MESSAGE) == 202
    assert len(teams.cards) == 1


def test_a_bad_request_is_permanent_and_nothing_was_posted(teams):
    teams.faults.statuses.append(400)
    with pytest.raises(WebhookError) as failed:
        post_message(session_for(teams), teams.url, MESSAGE)
    assert failed.value.transient is False
    assert failed.value.delivered is False
    assert teams.sig not in str(failed.value)
    assert teams.cards == []


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_outages_are_transient(teams, status):
    teams.faults.statuses.append(status)
    with pytest.raises(WebhookError) as failed:
        post_message(session_for(teams), teams.url, MESSAGE)
    assert failed.value.transient is True
    assert failed.value.delivered is False


def test_a_redirect_is_not_followed_and_names_only_its_host(teams):
    teams.faults.redirect_to = "http://collector.evil.example/steal"
    with pytest.raises(WebhookError, match=r"redirect to collector\.evil\.example") as failed:
        post_message(session_for(teams), teams.url, MESSAGE)
    assert teams.requests == 1
    assert failed.value.transient is False
    assert teams.sig not in str(failed.value)


def test_an_answer_dripped_slowly_is_cut_at_the_deadline(teams):
    teams.faults.drip_s = 0.2
    with pytest.raises(WebhookError, match="too slowly") as failed:
        post_message(session_for(teams), teams.url, MESSAGE, deadline_s=1.0)
    assert failed.value.delivered is None  # the card was accepted; the answer never came


def test_a_lost_answer_may_have_been_delivered(teams):
    teams.faults.lose_answer_once = True
    with pytest.raises(WebhookError) as failed:
        post_message(session_for(teams), teams.url, MESSAGE)
    assert failed.value.delivered is None
    assert len(teams.cards) == 1


def test_a_plain_http_webhook_off_this_machine_is_refused():
    with pytest.raises(WebhookError, match="must be an https URL"):
        post_message(requests.Session(), "http://prod.logic.azure.example/x?sig=s", MESSAGE)
