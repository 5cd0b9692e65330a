from __future__ import annotations

import pytest

from process_report.graph.client import AmbiguousSendError, GraphError, retry_after
from tests.support.graph_fixtures import client_for


def test_pages_follow_next_link_until_the_last_page(standin):
    for n in range(25):
        standin.add_file(f"Videos/key/f{n:02d}.mp4")
    client, config = client_for(standin)
    names = [
        i["name"] for i in client.pages(f"{config.drive_root}/root:/Videos/key:/children?$top=10")
    ]
    assert names == [f"f{n:02d}.mp4" for n in range(25)]
    assert sum("/children" in r or "skiptoken" in r for r in standin.requests) == 3


def test_batch_returns_each_item_with_partial_failures_in_any_order(standin):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    answers = client.batch(
        [
            {"id": "ok", "url": f"{config.drive_root}/root:/Videos/a:/children"},
            {"id": "missing", "url": f"{config.drive_root}/root:/Videos/nope:/children"},
        ]
    )
    assert answers["ok"]["status"] == 200
    assert answers["missing"]["status"] == 404
    assert answers["missing"]["body"]["error"]["code"] == "itemNotFound"


def test_batch_retries_throttled_items_after_their_retry_after(standin):
    for n in range(45):
        standin.add_file(f"Videos/k{n}/v.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.throttle_rate = 0.3
    answers = client.batch(
        [
            {"id": str(n), "url": f"{config.drive_root}/root:/Videos/k{n}:/children"}
            for n in range(45)
        ]
    )
    assert {a["status"] for a in answers.values()} == {200}
    assert len(answers) == 45
    assert sleeps  # waited for Retry-After at least once
    assert all(s >= 1 for s in sleeps)
    assert all(
        r.startswith("POST /v1.0/$batch") or "token" in r or "openid" in r for r in standin.requests
    )


def test_throttled_request_waits_retry_after_then_succeeds(standin):
    standin.add_file("Videos/a/x.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.throttle_rate, standin.faults.retry_after_s = 1.0, 3
    with pytest.raises(GraphError, match="RetryBudgetExhausted"):
        client.get_json(f"{config.drive_root}/root:/Videos/a:/children")
    assert sleeps[:3] == [3, 3, 3]
    assert sum(sleeps) <= 30  # the bounded total wait
    standin.faults.throttle_rate = 0.0
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]


def test_expired_token_is_refreshed_once_on_401(standin):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    client.get_json(f"{config.drive_root}/root:/Videos/a:/children")
    standin.expire_all_tokens()
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert sum("oauth2/v2.0/token" in r for r in standin.requests) == 2


def test_post_is_not_retried_after_an_ambiguous_failure(standin):
    client, config = client_for(standin)
    client.session.close()
    client.base_url = "https://127.0.0.1:1/v1.0"  # nothing listens: no answer at all
    with pytest.raises(AmbiguousSendError, match="not retried blindly"):
        client.request("POST", f"{config.mail_root}/messages/x/send", idempotent=False)


def test_retry_after_reads_delta_seconds_in_any_case():
    assert retry_after({"retry-after": "7"}) == 7
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None
