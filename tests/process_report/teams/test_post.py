"""At most once per clear of the run: a second attempt does not post again, a definite
failure is retried and posts once, a lost answer is never posted twice, and of two
attempts at once exactly one posts."""

from __future__ import annotations

import threading

import pytest
from upath import UPath

from process_report.send_record import SendRecord
from process_report.teams.post import post_once
from process_report.teams.webhook import WebhookError, post_message, webhook_session
from tests.process_report.teams.test_webhook import MESSAGE


def poster(teams):
    session = webhook_session(str(teams.ca_path))
    return lambda: post_message(session, teams.url, MESSAGE)


def record_in(tmp_path, clear=0):
    return SendRecord(UPath(tmp_path / "outbox" / f"teams-record-{clear}.json"))


def test_a_second_attempt_of_the_same_clear_does_not_post_again(teams, tmp_path):
    assert post_once(record_in(tmp_path), poster(teams), "try-1") == "posted"
    assert post_once(record_in(tmp_path), poster(teams), "try-2") == "already posted"
    assert len(teams.cards) == 1


def test_a_new_clear_posts_again(teams, tmp_path):
    post_once(record_in(tmp_path, 0), poster(teams), "try-1")
    assert post_once(record_in(tmp_path, 1), poster(teams), "try-1") == "posted"
    assert len(teams.cards) == 2


def test_a_definite_failure_is_recorded_and_the_retry_posts_once(teams, tmp_path):
    teams.faults.statuses.append(503)
    with pytest.raises(WebhookError):
        post_once(record_in(tmp_path), poster(teams), "try-1")
    assert record_in(tmp_path).read()["state"] == "failed"
    assert post_once(record_in(tmp_path), poster(teams), "try-2") == "posted"
    assert post_once(record_in(tmp_path), poster(teams), "try-3") == "already posted"
    assert len(teams.cards) == 1


def test_a_lost_answer_is_never_posted_twice(teams, tmp_path):
    teams.faults.lose_answer_once = True
    with pytest.raises(WebhookError):
        post_once(record_in(tmp_path), poster(teams), "try-1")
    assert post_once(record_in(tmp_path), poster(teams), "try-2") == "outcome unknown"
    assert len(teams.cards) == 1


def test_of_two_attempts_at_once_exactly_one_posts(teams, tmp_path):
    outcomes, start = [], threading.Barrier(2)

    def attempt(name):
        start.wait()
        outcomes.append(post_once(record_in(tmp_path), poster(teams), name))

    threads = [threading.Thread(target=attempt, args=(f"try-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(teams.cards) == 1
    assert sorted(outcomes)[-1] == "posted"
    assert sorted(outcomes)[0] in ("already posted", "outcome unknown")
