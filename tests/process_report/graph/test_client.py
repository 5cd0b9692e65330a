from __future__ import annotations

import base64
import contextlib
import logging
import socket
import threading
import time

import pytest

from process_report.graph.client import AmbiguousSendError, GraphError, RetryPolicy, retry_after
from tests.support.graph_fixtures import batch_posts, client_for, stop_after
from tests.support.graph_standin import Answer, redirect


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


def test_batch_retries_throttled_items_no_sooner_than_their_retry_after(standin):
    for n in range(45):
        standin.add_file(f"Videos/k{n}/v.mp4")
    client, config = client_for(standin, sleep=time.sleep)
    standin.faults.throttle_rate = 0.3
    answers = client.batch(
        [
            {"id": str(n), "url": f"{config.drive_root}/root:/Videos/k{n}:/children"}
            for n in range(45)
        ]
    )
    assert {a["status"] for a in answers.values()} == {200}
    assert len(answers) == 45
    throttled_at: dict[str, float] = {}
    for at, url, status in standin.batch_items:
        if url in throttled_at:
            assert at - throttled_at.pop(url) >= 1.0  # Retry-After: 1
        if status == 429:
            throttled_at[url] = at
    assert not throttled_at  # each throttled item was sent again
    assert any(status == 429 for _, _, status in standin.batch_items)
    assert all(
        r.startswith("POST /v1.0/$batch") or "token" in r or "openid" in r for r in standin.requests
    )


def test_crawl_lists_the_next_level_while_a_throttled_folder_waits(standin, caplog):
    for key in ("a", "b"):
        standin.add_file(f"Videos/{key}/sub/v.mp4")
    client, config = client_for(standin, sleep=time.sleep)
    standin.faults.batch_item_statuses = [429]  # the first folder asked for: a
    seen: list[str] = []

    def visit(request, answer):
        seen.append(f"{request['name']} {answer['status']}")
        subfolders = [i for i in answer["body"].get("value", []) if "folder" in i]
        return [
            {
                "name": f"{request['name']}/{i['name']}",
                "url": f"/{config.drive_root.strip('/')}/items/{i['id']}/children",
            }
            for i in subfolders
        ]

    with caplog.at_level(logging.INFO, logger="process_report.graph.client"):
        client.crawl(
            [
                {"name": key, "url": f"{config.drive_root}/root:/Videos/{key}:/children"}
                for key in ("a", "b")
            ],
            visit,
        )
    assert seen == ["b 200", "b/sub 200", "a 200", "a/sub 200"]
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert len(waits) == 1
    assert "429 to 1 batch item(s)" in waits[0]
    assert "(Retry-After)" in waits[0]


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


@pytest.fixture
def foreign_host():
    """A listener on another loopback port: the origin of a link that is not Graph's.
    Counts the connections it gets, so a test can tell that nothing was sent there."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}", accepted
    listener.close()
    for conn in accepted:
        conn.close()


def test_next_link_to_another_host_is_refused_and_gets_no_token(standin, foreign_host):
    origin, accepted = foreign_host
    for n in range(3):
        standin.add_file(f"Videos/key/f{n}.mp4")
    standin.faults.next_link_origin = origin
    client, config = client_for(standin)
    with pytest.raises(GraphError, match=r"not the configured Graph host") as caught:
        list(client.pages(f"{config.drive_root}/root:/Videos/key:/children?$top=2"))
    assert origin in str(caught.value)
    assert not caught.value.transient
    assert accepted == []  # not even a connection: no token left the process


def test_absolute_url_with_another_scheme_is_refused(standin):
    client, config = client_for(standin)
    downgraded = client.base_url.replace("https://", "http://") + f"{config.drive_root}/root"
    with pytest.raises(GraphError, match=r"not the configured Graph host"):
        client.get_json(downgraded)
    assert not any("/drive/root" in r for r in standin.requests)


def test_non_idempotent_post_is_not_retried_after_a_5xx(standin):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.graph_statuses = [503]
    with pytest.raises(GraphError) as caught:
        client.request("POST", f"{config.mail_root}/messages/x/send", idempotent=False)
    assert caught.value.status == 503
    assert sleeps == []
    assert sum(r.endswith("/send") for r in standin.requests) == 1


def test_non_idempotent_post_refused_with_429_is_sent_again_after_retry_after(standin):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.graph_statuses, standin.faults.retry_after_s = [429], 4
    draft = client.request(
        "POST",
        f"{config.mail_root}/messages",
        idempotent=False,
        data=base64.b64encode(b"Subject: hi\r\nTo: a@b.example\r\n\r\nhello\r\n"),
        headers={"Content-Type": "text/plain"},
    ).json()
    assert sleeps == [4]
    assert list(standin.messages) == [draft["id"]]  # Graph refused the first: one draft


def test_one_401_forces_one_token_refresh_not_one_per_later_retry(standin):
    standin.add_file("Videos/a/x.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.graph_statuses = [401, 429, 429]
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert sleeps == [1, 1]
    assert sum("oauth2/v2.0/token" in r for r in standin.requests) == 2


def test_second_401_after_the_refresh_fails_clearly(standin):
    client, config = client_for(standin)
    standin.faults.graph_statuses = [401, 401]
    with pytest.raises(GraphError, match="refused a freshly issued token") as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.status == 401
    assert not caught.value.transient
    assert sum("oauth2/v2.0/token" in r for r in standin.requests) == 2
    assert sum(r.startswith("GET /v1.0/") for r in standin.requests) == 2


def test_response_over_the_size_cap_fails_clearly(standin):
    for n in range(200):
        standin.add_file(f"Videos/big/file-{n:03d}.mp4")
    client, config = client_for(standin, policy=RetryPolicy(max_response_bytes=16 * 1024))
    with pytest.raises(GraphError, match=r"larger than the 16384-byte cap") as caught:
        client.get_json(f"{config.drive_root}/root:/Videos/big:/children?$top=200")
    assert caught.value.code == "ResponseTooLarge"
    assert client.get_json(f"{config.drive_root}/root:/Videos/big:/children?$top=5")["value"]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_idempotent_get_waits_out_a_5xx_or_429_and_logs_each_wait(standin, caplog, status):
    standin.add_file("Videos/a/x.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.graph_statuses = [status, status]
    with caplog.at_level(logging.INFO, logger="process_report.graph.client"):
        assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert len(sleeps) == 2
    waits = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(waits) == 2
    for line, slept in zip(waits, sleeps, strict=True):
        assert str(status) in line
        assert f"{slept:.1f} s" in line
        assert "Videos" not in line  # paths name client folders: API keys


def test_batch_items_answered_5xx_are_retried_with_backoff(standin, caplog):
    for key in ("a", "b", "c"):
        standin.add_file(f"Videos/{key}/x.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.batch_item_statuses = [500, 502]
    with caplog.at_level(logging.INFO, logger="process_report.graph.client"):
        answers = client.batch(
            [
                {"id": key, "url": f"{config.drive_root}/root:/Videos/{key}:/children"}
                for key in ("a", "b", "c")
            ]
        )
    assert {a["status"] for a in answers.values()} == {200}
    assert len(sleeps) == 1
    assert any("500" in r.getMessage() for r in caplog.records)


# --- hostile and bad-day answers ------------------------------------------------------
HOSTILE_RETRY_AFTER = [
    "1",
    "0.01",
    "1e-300",
    "-5",
    "nan",
    "inf",
    "1e12",
    "soon",
    "Wed, 21 Oct 2026 07:28:00 GMT",
]


def three_folders(standin, config):
    for key in ("a", "b", "c"):
        standin.add_file(f"Videos/{key}/x.mp4")
    return [
        {"id": key, "url": f"{config.drive_root}/root:/Videos/{key}:/children"}
        for key in ("a", "b", "c")
    ]


@pytest.mark.parametrize("header", HOSTILE_RETRY_AFTER)
def test_batch_item_throttled_forever_is_given_up_within_the_budget_in_bounded_rounds(
    standin, header
):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    stop_after(client, 80)
    standin.faults.always_throttled, standin.faults.retry_after_s = ("Videos/b",), header
    answers = client.batch(three_folders(standin, config))
    assert answers["a"]["status"] == answers["c"]["status"] == 200
    assert answers["b"]["status"] == 429
    assert answers["b"]["body"]["error"]["code"] == "RetryBudgetExhausted"
    assert sum(sleeps) <= 30
    assert batch_posts(standin) <= 35  # at most one round per second of the 30 s budget


@pytest.mark.parametrize("header", ["0.01", "1e-300"])
def test_sub_second_retry_after_is_waited_as_a_whole_second_not_spun_on(standin, header):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    stop_after(client, 80)
    standin.faults.throttle_rate, standin.faults.retry_after_s = 1.0, header
    with pytest.raises(GraphError, match="RetryBudgetExhausted") as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.transient
    assert sleeps
    assert min(sleeps) >= 1


def test_retry_after_reads_hostile_values_as_no_wait_a_whole_second_or_forever():
    assert retry_after({"Retry-After": "0.2"}) == 1  # delta-seconds are whole seconds
    assert retry_after({"Retry-After": "1e-300"}) == 1
    assert retry_after({"Retry-After": "-5"}) == 0
    assert retry_after({"Retry-After": "inf"}) == float("inf")  # past any budget
    assert retry_after({"Retry-After": "1e12"}) == 1e12
    for value in ("nan", "Wed, 21 Oct 2026 07:28:00 GMT", "", None, [1]):
        assert retry_after({"Retry-After": value}) is None


LEFT_OUT = object()


def for_b(change):
    """A `batch_rewrite` that applies `change(answer_item)` to folder b's item (whatever
    its id in this round) and returns what replaces it (LEFT_OUT: nothing)."""

    def rewrite(requests, answer):
        (b_id,) = [r["id"] for r in requests if "Videos/b" in r["url"]] or [None]
        items = []
        for item in answer["responses"]:
            if item["id"] == b_id:
                item = change(item)
                if item is LEFT_OUT:
                    continue
            items.append(item)
        return {"responses": items}

    return rewrite


MALFORMED_ITEMS = {
    "left out": lambda item: LEFT_OUT,
    "id null": lambda item: {**item, "id": None},
    "id a list": lambda item: {**item, "id": [item["id"]]},
    "status missing": lambda item: {k: v for k, v in item.items() if k != "status"},
    "status a string": lambda item: {**item, "status": "200"},
    "status null": lambda item: {**item, "status": None},
    "status true": lambda item: {**item, "status": True},
    "status 999": lambda item: {**item, "status": 999},
    "item a string": lambda item: "oops",
    "item null": lambda item: None,
    "item a list": lambda item: [item],
}


@pytest.mark.parametrize("change", MALFORMED_ITEMS.values(), ids=MALFORMED_ITEMS)
def test_batch_item_without_a_usable_answer_fails_after_the_budget_not_the_call(standin, change):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    stop_after(client, 80)
    standin.faults.batch_rewrite = for_b(change)
    answers = client.batch(three_folders(standin, config))
    assert answers["a"]["status"] == answers["c"]["status"] == 200
    assert answers["b"]["status"] == 503  # no answer: like a 503, tried again, then given up
    assert answers["b"]["body"]["error"]["code"] == "RetryBudgetExhausted"
    assert sum(sleeps) <= 30
    assert batch_posts(standin) <= 35


MALFORMED_ANSWERS = {
    "responses null": lambda requests, answer: {"responses": None},
    "responses missing": lambda requests, answer: {},
    "responses an object": lambda requests, answer: {"responses": {"0": answer["responses"][0]}},
    "responses a string": lambda requests, answer: {"responses": "abc"},
    "responses a number": lambda requests, answer: {"responses": 5},
    "answer a list": lambda requests, answer: answer["responses"],
    "answer null": lambda requests, answer: None,
    "answer not JSON": lambda requests, answer: b"<html>Service Unavailable</html>",
}


@pytest.mark.parametrize("rewrite", MALFORMED_ANSWERS.values(), ids=MALFORMED_ANSWERS)
def test_malformed_batch_answer_fails_its_items_after_the_budget_not_the_call(standin, rewrite):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    stop_after(client, 80)
    standin.faults.batch_rewrite = rewrite
    answers = client.batch(three_folders(standin, config))
    assert {a["status"] for a in answers.values()} == {503}
    assert {a["body"]["error"]["code"] for a in answers.values()} == {"RetryBudgetExhausted"}
    assert sum(sleeps) <= 30
    assert batch_posts(standin) <= 35


def test_batch_item_with_retry_after_headers_not_an_object_is_retried_with_backoff(standin):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    stop_after(client, 80)
    standin.faults.always_throttled = ("Videos/b",)
    standin.faults.batch_rewrite = for_b(lambda item: {**item, "headers": "Retry-After: 5"})
    answers = client.batch(three_folders(standin, config))
    assert answers["a"]["status"] == answers["c"]["status"] == 200
    assert answers["b"]["status"] == 429
    assert sum(sleeps) <= 30
    for headers in ("Retry-After: 5", ["Retry-After"], 5, None):
        assert retry_after(headers) is None


def whole_batch_throttled_each_round(standin, config):
    """A crawl's `visit` that has the next round's `$batch` itself throttled once."""

    def visit(request, answer):
        standin.faults.graph_statuses = [429]
        return [
            {"url": f"{config.drive_root}/items/{i['id']}/children"}
            for i in answer["body"]["value"]
            if "folder" in i
        ]

    return visit


def test_a_walk_throttled_round_after_round_finishes_as_long_as_each_round_gets_somewhere(
    standin,
):
    standin.add_file("Videos/k/d1/d2/d3/d4/d5/x.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)  # 30 s budget, 6 rounds x 10 s
    stop_after(client, 80)
    standin.faults.retry_after_s = 10
    standin.faults.graph_statuses = [429]
    listed: list[str] = []
    visit = whole_batch_throttled_each_round(standin, config)
    client.crawl(
        [{"url": f"{config.drive_root}/root:/Videos/k:/children"}],
        lambda request, answer: listed.append(request["url"]) or visit(request, answer),
    )
    assert len(listed) == 6  # k, d1 … d5
    assert sleeps == [10] * 6
    assert sum(sleeps) > 30  # more than one budget in all, never more than one in a row


def test_a_crawl_that_gets_nowhere_fails_once_the_budget_is_spent(standin):
    standin.add_file("Videos/k/x.mp4")
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    stop_after(client, 80)
    standin.faults.retry_after_s = 10
    standin.faults.graph_statuses = [429] * 100
    with pytest.raises(GraphError, match="RetryBudgetExhausted") as caught:
        client.crawl(
            [{"url": f"{config.drive_root}/root:/Videos/k:/children"}],
            whole_batch_throttled_each_round(standin, config),
        )
    assert caught.value.transient
    assert sum(sleeps) <= 30


SURPLUS_IDS = {
    "ids duplicated": lambda requests, answer: {"responses": answer["responses"] * 2},
    "unknown ids": lambda requests, answer: {
        "responses": [*answer["responses"], {"id": "x9", "status": 500}, {"id": 77, "status": 200}]
    },
    "ids as numbers": lambda requests, answer: {
        "responses": [{**item, "id": int(item["id"])} for item in answer["responses"]]
    },
}


@pytest.mark.parametrize("rewrite", SURPLUS_IDS.values(), ids=SURPLUS_IDS)
def test_batch_answer_with_surplus_or_numeric_ids_gives_each_request_its_answer(standin, rewrite):
    client, config = client_for(standin)
    standin.faults.batch_rewrite = rewrite
    answers = client.batch(three_folders(standin, config))
    assert {key: a["status"] for key, a in answers.items()} == {"a": 200, "b": 200, "c": 200}
    assert batch_posts(standin) == 1


def test_batch_answer_over_the_size_cap_fails_clearly(standin):
    for n in range(300):
        standin.add_file(f"Videos/big/file-{n:03d}.mp4")
    client, config = client_for(
        standin, policy=RetryPolicy(max_wait_s=30, max_response_bytes=16 * 1024)
    )
    with pytest.raises(GraphError, match=r"larger than the 16384-byte cap") as caught:
        client.batch([{"id": "big", "url": f"{config.drive_root}/root:/Videos/big:/children"}])
    assert caught.value.code == "ResponseTooLarge"
    assert "Videos" not in str(caught.value)


def test_token_revoked_mid_crawl_is_refreshed_once(standin):
    standin.add_file("Videos/k/d1/d2/d3/x.mp4")
    client, config = client_for(standin)
    depth: list[int] = []

    def visit(request, answer):
        assert answer["status"] == 200
        depth.append(1)
        if len(depth) == 1:
            standin.expire_all_tokens()  # revoked: the next round's $batch gets 401
        return [
            {"url": f"{config.drive_root}/items/{i['id']}/children"}
            for i in answer["body"]["value"]
            if "folder" in i
        ]

    client.crawl([{"url": f"{config.drive_root}/root:/Videos/k:/children"}], visit)
    assert len(depth) == 4
    assert sum("oauth2/v2.0/token" in r for r in standin.requests) == 2


ODD_ERROR_BODIES = {
    "oauth-style": b'{"error": "invalid_request", "error_description": "bad"}',
    "error-is-a-list": b'{"error": []}',
    "list": b"[]",
    "string": b'"denied"',
    "number": b"42",
    "html": b"<html><body><h1>400 Bad Request</h1></body></html>",
    "truncated": b'{"error": {"code": "Bad',
    "empty": b"",
}


@pytest.mark.parametrize("body", ODD_ERROR_BODIES.values(), ids=ODD_ERROR_BODIES)
@pytest.mark.parametrize("status", [400, 403, 413, 422])
def test_any_4xx_with_any_error_body_is_a_permanent_graph_error_with_its_status(
    standin, body, status
):
    client, config = client_for(standin)
    standin.faults.graph_answers = [Answer(status, body)]
    with pytest.raises(GraphError) as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.status == status
    assert not caught.value.transient
    assert caught.value.code in {"invalid_request", "Unknown"}


def test_error_message_from_a_huge_html_page_is_clipped_to_one_line(standin):
    client, config = client_for(standin)
    page = b"<html>\n" + b"<p>proxy says no</p>\n" * 10_000 + b"</html>"
    standin.faults.graph_answers = [Answer(403, page)]
    with pytest.raises(GraphError) as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 600


@pytest.mark.parametrize("body", [b"<html>login</html>", b"[]", b'{"value": [', b""])
def test_success_answer_that_is_not_a_json_object_is_a_transient_graph_error(standin, body):
    client, config = client_for(standin)
    standin.faults.graph_answers = [Answer(200, body)]
    with pytest.raises(GraphError) as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.code == "MalformedAnswer"
    assert caught.value.transient


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_on_a_listing_is_refused_naming_the_host_and_nothing_goes_there(
    standin, elsewhere, status
):
    client, config = client_for(standin)
    standin.faults.graph_answers = [redirect(status, f"{elsewhere.origin}/v1.0/evil/children")]
    with pytest.raises(GraphError, match="redirects to") as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.status == status
    assert elsewhere.origin in str(caught.value)
    assert not caught.value.transient
    assert elsewhere.connections == 0


@pytest.mark.parametrize("status", [307, 308])
def test_redirect_of_a_draft_post_keeps_the_report_and_token_on_graph(standin, elsewhere, status):
    client, config = client_for(standin)
    standin.faults.graph_answers = [redirect(status, f"{elsewhere.origin}/v1.0/users/x/messages")]
    with pytest.raises(GraphError) as caught:
        client.request(
            "POST",
            f"{config.mail_root}/messages",
            idempotent=False,
            data=base64.b64encode(b"Subject: the report\r\n\r\nsecret body\r\n"),
            headers={"Content-Type": "text/plain"},
        )
    assert caught.value.status == status
    assert elsewhere.connections == 0
    assert not standin.messages


def test_redirect_of_a_batch_is_refused_not_followed(standin, elsewhere):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    standin.faults.graph_answers = [redirect(307, f"{elsewhere.origin}/v1.0/$batch", "$batch")]
    with pytest.raises(GraphError, match="redirects to") as caught:
        client.batch([{"id": "a", "url": f"{config.drive_root}/root:/Videos/a:/children"}])
    assert caught.value.status == 307
    assert elsewhere.connections == 0
