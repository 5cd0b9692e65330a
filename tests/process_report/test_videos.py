from __future__ import annotations

import pytest

from process_report.batches import DEFAULT_MAPPED
from process_report.graph.client import GraphError
from process_report.videos import find_videos, is_video, plan_batches
from tests.support.graph_fixtures import client_for

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
