from __future__ import annotations

import logging

import pytest

from process_report.batches import DEFAULT_MAPPED
from process_report.graph.client import GraphError
from process_report.videos import find_videos, is_video, plan_batches
from tests.support.graph_fixtures import batch_posts, client_for, stop_after

U1 = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
U2 = "1c8dae2f-3a4b-4c5d-9e7f-8091a2b3c4d5"
U3 = "2d9ebf30-4b5c-4d6e-af80-91a2b3c4d5e6"


def lookup(standin, uuids_by_key):
    client, config = client_for(standin)
    return find_videos(
        client,
        drive_root=config.drive_root,
        onedrive_root="Videos/Backup",
        uuids_by_key=uuids_by_key,
    )


def test_videos_anywhere_under_the_client_folder_match_any_case_newest_first(standin):
    standin.add_file(
        f"Videos/Backup/key1/2026/11/cam_{U1.upper()}.MP4"
    ).modified = "2026-11-26T10:00:00Z"
    standin.add_file(f"Videos/Backup/key1/2026/12/{U1}_v2.mov").modified = "2026-12-01T10:00:00Z"
    standin.add_file(f"Videos/Backup/key1/2026/11/{U1}.json")  # sidecar
    standin.add_file(f"Videos/Backup/key1/2026/11/{U1}.srt")
    result = lookup(standin, {"key1": [U1, U2]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}_v2.mov", f"cam_{U1.upper()}.MP4"]
    assert result[U1]["videos"][0]["url"].startswith("https://")
    assert result[U2] == {"videos": [], "error": None}


def test_missing_folder_marks_its_processes_link_unavailable(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    result = lookup(standin, {"key1": [U1], "gone-api-key-123": [U2]})
    assert result[U1]["videos"]
    assert result[U2]["error"] == (
        "link unavailable: the client's folder is missing under Videos/Backup in OneDrive"
    )
    assert "gone-api-key-123" not in result[U2]["error"]  # folder names are API keys


def test_each_folder_is_listed_once_and_only_client_folders_asked_for(standin):
    for key in ("key1", "key2", "other"):
        for sub in ("a", "b"):
            standin.add_file(f"Videos/Backup/{key}/{sub}/{U3}.mp4")
    lookup(standin, {"key1": [U1], "key2": [U2]})
    batches = [r for r in standin.requests if r.startswith("POST /v1.0/$batch")]
    assert len(batches) == 2  # client folders, then their four subfolders
    assert not any("other" in r for r in standin.requests)


def test_a_folder_listed_among_its_own_children_is_walked_once_not_forever(standin):
    standin.add_file(f"Videos/Backup/key1/2026/{U1}.mp4")
    standin.faults.folders_list_themselves = True
    result = lookup(standin, {"key1": [U1]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]
    batches = [r for r in standin.requests if r.startswith("POST /v1.0/$batch")]
    assert len(batches) == 2  # key1 (names 2026 and itself), then 2026 (names itself)


def test_folders_with_more_than_a_page_are_followed(standin):
    for n in range(1005):
        standin.add_file(f"Videos/Backup/key1/f{n:04d}.txt")
    standin.add_file(f"Videos/Backup/key1/zz_{U1}.mp4")
    assert lookup(standin, {"key1": [U1]})[U1]["videos"]


def test_video_is_decided_by_mime_type_or_extension():
    assert is_video({"name": "a.bin", "file": {"mimeType": "video/mp4"}})
    assert is_video({"name": "a.webm", "file": {}})
    assert not is_video({"name": "a.json", "file": {"mimeType": "application/json"}})
    assert not is_video({"name": "a.mp4", "folder": {}})


def test_plan_keeps_each_client_folder_in_one_batch_and_never_walks_skip_listed():
    finished = [{"uuid": f"u{n}", "api_key": f"k{n % 40}"} for n in range(400)]
    finished.append({"uuid": "t", "api_key": "test-key"})
    assert len(plan_batches(finished, frozenset({"test-key"}), min_folders=1)) == DEFAULT_MAPPED
    batches = plan_batches(finished, frozenset({"test-key"}), max_batches=16, min_folders=1)
    assert len(batches) == 16
    keys = [k for b in batches for k in b]
    assert len(keys) == len(set(keys)) == 40
    assert "test-key" not in keys
    assert sum(len(u) for b in batches for u in b.values()) == 400


def test_plan_puts_at_least_twenty_folders_in_a_batch_so_small_days_map_little():
    finished = [{"uuid": f"u{n}", "api_key": f"k{n % 45}"} for n in range(90)]
    assert len(plan_batches(finished, frozenset())) == 3
    assert len(plan_batches(finished[:5], frozenset())) == 1


def test_folder_graph_still_fails_after_retries_fails_the_lookup_not_its_links(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.faults.batch_item_statuses = [503]
    standin.faults.retry_after_s = 31  # past the 30 s budget: given up at once
    with pytest.raises(GraphError) as caught:
        lookup(standin, {"key1": [U1]})
    assert caught.value.transient


def test_forbidden_folder_marks_only_its_processes_link_unavailable(standin):
    standin.add_file(f"Videos/Backup/a-key/{U1}.mp4")
    standin.add_file(f"Videos/Backup/b-key/{U2}.mp4")
    standin.faults.batch_item_statuses = [403]  # the first folder asked for: a-key
    result = lookup(standin, {"a-key": [U1], "b-key": [U2]})
    assert result[U1]["error"].startswith("link unavailable: no permission")
    assert result[U2]["videos"]
    assert result[U2]["error"] is None


# --- hostile and bad-day answers ------------------------------------------------------
SECRET_KEY = "secret-api-key-123"


def guarded_lookup(standin, uuids_by_key, sleeps=None, limit=200):
    """`lookup`, with waits recorded in `sleeps` and at most `limit` requests sent."""
    client, config = client_for(standin, sleeps=[] if sleeps is None else sleeps)
    stop_after(client, limit)
    return find_videos(
        client,
        drive_root=config.drive_root,
        onedrive_root="Videos/Backup",
        uuids_by_key=uuids_by_key,
    )


@pytest.mark.parametrize("header", ["1", "1e-300", "nan", "inf"])
def test_folder_throttled_forever_fails_the_lookup_within_the_budget_naming_no_key_or_token(
    standin, caplog, header
):
    for key in ("key1", SECRET_KEY, "key3"):
        standin.add_file(f"Videos/Backup/{key}/sub/{U1}.mp4")
    standin.faults.always_throttled, standin.faults.retry_after_s = (SECRET_KEY,), header
    sleeps: list[float] = []
    with (
        caplog.at_level(logging.DEBUG, logger="process_report"),
        pytest.raises(GraphError) as caught,
    ):
        guarded_lookup(standin, {"key1": [U1], SECRET_KEY: [U2], "key3": [U3]}, sleeps)
    assert caught.value.transient
    assert sum(sleeps) <= 30
    assert batch_posts(standin) <= 35
    listed = {url for _, url, status in standin.batch_items if status == 200}
    assert sum("/items/" in url for url in listed) == 2  # the others' subfolders were listed
    told = [str(caught.value), *(r.getMessage() for r in caplog.records)]
    assert not [line for line in told if SECRET_KEY in line]
    assert not [line for line in told for token in standin.tokens if token in line]


def on_key1(change):
    """A `listing_rewrite` that applies `change(page)` to key1's own listing."""
    return lambda route, page: change(page) if "key1" in route else page


MALFORMED_PAGES = {
    "value null": lambda page: {**page, "value": None},
    "value an object": lambda page: {**page, "value": {"folder": {}}},
    "value a string": lambda page: {**page, "value": "folder"},
    "page a list": lambda page: page["value"],
    "page null": lambda page: None,
    "page a string": lambda page: "<html>",
    "next link a number": lambda page: {**page, "@odata.nextLink": 5},
    "next link an object": lambda page: {**page, "@odata.nextLink": {"href": "x"}},
}


@pytest.mark.parametrize("change", MALFORMED_PAGES.values(), ids=MALFORMED_PAGES)
def test_malformed_folder_listing_marks_only_its_clients_links_unavailable(standin, change):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.add_file(f"Videos/Backup/key2/{U2}.mp4")
    standin.faults.listing_rewrite = on_key1(change)
    result = guarded_lookup(standin, {"key1": [U1], "key2": [U2]})
    assert result[U1]["error"].startswith("link unavailable: ")
    assert "key1" not in result[U1]["error"]
    assert result[U2]["videos"]
    assert result[U2]["error"] is None


MALFORMED_ITEMS = {
    "item null": None,
    "item a string": "folder",
    "item a number": 5,
    "item a list": [{"id": "01X", "folder": {}}],
    "folder without id": {"name": "x", "folder": {}},
    "folder with an object id": {"id": {"x": 1}, "name": "x", "folder": {}},
    "folder with an empty id": {"id": "", "name": "x", "folder": {}},
    "video without name": {"id": "01X", "file": {"mimeType": "video/mp4"}},
    "video named with a number": {"id": "01X", "name": 5, "file": {"mimeType": "video/mp4"}},
    "file named null": {"id": "01X", "name": None, "file": {}},
    "file not an object": {"id": "01X", "name": f"{U1}.mp4", "file": "video/mp4"},
    "mime type a number": {"id": "01X", "name": f"{U1}.bin", "file": {"mimeType": 5}},
}


@pytest.mark.parametrize("bad", MALFORMED_ITEMS.values(), ids=MALFORMED_ITEMS)
def test_malformed_item_in_a_listing_is_skipped_and_the_rest_of_the_page_used(standin, bad):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.faults.listing_rewrite = on_key1(lambda page: {**page, "value": [bad, *page["value"]]})
    result = guarded_lookup(standin, {"key1": [U1]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]
    assert result[U1]["error"] is None


def test_a_video_named_with_its_uuid_twice_is_listed_once(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}_copy_{U1.upper()}.mp4")
    result = guarded_lookup(standin, {"key1": [U1]})
    assert len(result[U1]["videos"]) == 1


def test_a_client_folder_listed_among_its_own_children_lists_its_videos_once(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.faults.folders_list_themselves = True  # key1 again, by id: another URL
    result = guarded_lookup(standin, {"key1": [U1]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]


def test_a_next_link_back_to_the_first_page_by_another_url_lists_its_videos_once(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")

    def back_to_the_start(route, page):
        first = f"{standin.base_url}/v1.0/users/{standin.mailbox}/drive{route}"
        return {**page, "@odata.nextLink": f"{first}?$top=1000&$skiptoken=0"}

    standin.faults.listing_rewrite = back_to_the_start
    result = guarded_lookup(standin, {"key1": [U1]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]
    assert batch_posts(standin) == 2  # the first page, then it again once by its other URL


@pytest.mark.parametrize(
    "link",
    [
        f"https://elsewhere.example/v1.0/users/u/drive/root:/Videos/Backup/{SECRET_KEY}:/children",
        f"/v2.0/users/u/drive/root:/Videos/Backup/{SECRET_KEY}:/children?$skiptoken=2",
        f"https://127.0.0.1:99999/v1.0/users/u/drive/root:/Videos/Backup/{SECRET_KEY}:/children",
    ],
    ids=["another host", "another version root", "a port out of range"],
)
def test_untrusted_next_link_fails_the_lookup_without_naming_the_client_folder(standin, link):
    standin.add_file(f"Videos/Backup/{SECRET_KEY}/{U1}.mp4")
    if link.startswith("/"):
        link = standin.base_url + link
    standin.faults.listing_rewrite = lambda route, page: {**page, "@odata.nextLink": link}
    with pytest.raises(GraphError, match="UntrustedUrl") as caught:
        guarded_lookup(standin, {SECRET_KEY: [U1]})
    assert SECRET_KEY not in str(caught.value)
    assert not any("elsewhere" in r for r in standin.requests)


def test_thousands_of_subfolders_are_listed_twenty_per_batch(standin):
    for n in range(2000):
        standin.add_file(f"Videos/Backup/key1/s{n:04d}/notes.txt")
    standin.add_file(f"Videos/Backup/key1/s1999/{U1}.mp4")
    result = guarded_lookup(standin, {"key1": [U1]}, limit=200)
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]
    assert batch_posts(standin) <= 2 + 2000 // 20


def test_a_hundred_levels_deep_are_walked_one_batch_per_level(standin):
    deep = "/".join(f"d{n}" for n in range(100))
    standin.add_file(f"Videos/Backup/key1/{deep}/{U1}.mp4")
    result = guarded_lookup(standin, {"key1": [U1]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]
    assert batch_posts(standin) == 101


def test_binary_and_huge_names_are_matched_by_their_uuid(standin):
    odd = "\x00\x1b[31m\u202e\udcff" + U1 + "\ufffd" + "é" * 100_000 + ".mp4"
    standin.add_file("Videos/Backup/key1/odd.mp4")
    standin.add_file("Videos/Backup/key1/nul.mp4")
    names = {"odd.mp4": odd, "nul.mp4": "\x00" * 1000 + ".mp4"}  # as JSON can carry them

    def rename(route, page):
        return {**page, "value": [{**i, "name": names[i["name"]]} for i in page["value"]]}

    standin.faults.listing_rewrite = rename
    result = guarded_lookup(standin, {"key1": [U1]})
    (shown,) = [v["name"] for v in result[U1]["videos"]]
    # shown redacted: without NUL bytes (they would hide a secret from the redactor)
    assert shown.startswith("\x1b[31m\u202e")
    assert U1 in shown
    assert "\x00" not in shown
    assert shown.endswith("é" * 100_000 + ".mp4")


def answered_for_key1(status, body):
    """A `batch_rewrite`: key1's folder is answered `status` with `body`."""

    def rewrite(requests, answer):
        (key1,) = [r["id"] for r in requests if "key1" in r["url"]] or [None]
        return {
            "responses": [
                {"id": item["id"], "status": status, "body": body} if item["id"] == key1 else item
                for item in answer["responses"]
            ]
        }

    return rewrite


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, None),
        (404, "Not Found"),
        (403, ["denied"]),
        (403, {"error": "accessDenied"}),
        (400, {"error": None}),
        (200, None),
        (200, "<html>"),
    ],
)
def test_error_answer_of_any_shape_marks_only_its_clients_links_unavailable(standin, status, body):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.add_file(f"Videos/Backup/key2/{U2}.mp4")
    standin.faults.batch_rewrite = answered_for_key1(status, body)
    result = guarded_lookup(standin, {"key1": [U1], "key2": [U2]})
    assert result[U1]["error"].startswith("link unavailable: ")
    assert result[U2]["videos"]
    assert result[U2]["error"] is None


def test_error_answer_of_any_shape_still_failing_fails_the_lookup_transiently(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.faults.batch_rewrite = answered_for_key1(503, "Service Unavailable")
    with pytest.raises(GraphError) as caught:
        guarded_lookup(standin, {"key1": [U1]})
    assert caught.value.transient


@pytest.mark.parametrize("status", [429, 503])
def test_whole_batch_refused_every_time_fails_the_lookup_within_the_budget(standin, status):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    standin.faults.graph_statuses = [status] * 500  # every request, the $batch included
    sleeps: list[float] = []
    with pytest.raises(GraphError, match="RetryBudgetExhausted") as caught:
        guarded_lookup(standin, {"key1": [U1]}, sleeps)
    assert caught.value.transient
    assert sum(sleeps) <= 30
    assert batch_posts(standin) <= 31


def test_next_links_that_never_end_on_the_same_page_stop_when_a_page_brings_nothing_new(standin):
    standin.add_file(f"Videos/Backup/key1/{U1}.mp4")
    pages: list[int] = []

    def forever(route, page):  # always the first page again, under a new next link
        pages.append(1)
        first = f"{standin.base_url}/v1.0/users/{standin.mailbox}/drive{route}"
        return {**page, "@odata.nextLink": f"{first}?$top=1000&$skiptoken={len(pages)}"}

    standin.faults.listing_rewrite = forever
    result = guarded_lookup(standin, {"key1": [U1]})
    assert [v["name"] for v in result[U1]["videos"]] == [f"{U1}.mp4"]
    assert batch_posts(standin) == 2  # the first page, then the same again: nothing new


def test_video_names_reach_the_report_redacted_of_secrets_and_api_keys(standin):
    """Issue 17: names are shown in the text part, HTML and CSV; a name that holds a
    password or the client's API key must not carry it there."""
    key = "Client-Key-7f3c9a12"
    standin.add_file(f"Videos/Backup/{key}/password=Hunter2x {U1}.mp4")
    standin.add_file(f"Videos/Backup/{key}/{key.upper()}_{U1}.mov")
    names = sorted(v["name"] for v in lookup(standin, {key: [U1]})[U1]["videos"])
    assert names == [f"[REDACTED]_{U1}.mov", f"password=[REDACTED] {U1}.mp4"]
