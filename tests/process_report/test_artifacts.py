"""The run's artifacts folder: path-safe, per report day, files that read back as written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import artifacts


def test_run_folder_is_per_report_day_and_path_safe(tmp_path):
    folder = artifacts.run_folder(
        tmp_path.as_uri(), "2026-11-26", "scheduled__2026-11-27T07:00:00+00:00"
    )
    assert folder.is_dir()
    relative = folder.path.removeprefix(str(tmp_path) + "/")
    assert relative.split("/")[0] == "2026-11-26"
    assert ":" not in relative
    assert "+" not in relative


def test_json_written_reads_back_and_its_url_travels_as_text(tmp_path):
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    url = artifacts.write_json(folder, "nested/data.json", {"b": [1, 2], "a": "é"})
    assert isinstance(url, str)
    assert artifacts.read_json(url) == {"a": "é", "b": [1, 2]}


def test_bytes_and_text_land_in_subfolders_created_on_demand(tmp_path):
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    artifacts.write_bytes(folder, "a/b/c.bin", b"\x00\x01")
    artifacts.write_text(folder, "report.txt", "text")
    assert (Path(folder.path) / "a" / "b" / "c.bin").read_bytes() == b"\x00\x01"
    assert (Path(folder.path) / "report.txt").read_text() == "text"


def test_run_ids_that_differ_only_in_unsafe_characters_get_different_folders(tmp_path):
    root = tmp_path.as_uri()
    first = artifacts.run_folder(root, "2026-11-26", "manual__a:b")
    second = artifacts.run_folder(root, "2026-11-26", "manual__a_b")
    assert first != second
    assert first.name.startswith("manual__a_b-")  # still readable
    assert artifacts.run_folder(root, "2026-11-26", "manual__a:b") == first  # stable


@pytest.mark.parametrize("report_day", ["..", "2026-11-26/..", "../2026-11-26", "a\\b", ""])
def test_report_day_that_could_leave_the_root_is_refused(tmp_path, report_day):
    with pytest.raises(ValueError, match="report day"):
        artifacts.run_folder(tmp_path.as_uri(), report_day, "manual__1")
    assert not list(tmp_path.iterdir())


def test_chunks_are_written_as_they_come_never_held_whole(tmp_path):
    import tracemalloc

    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    chunk = b"x" * (1 << 20)
    tracemalloc.start()
    try:
        url = artifacts.write_chunks(folder, "logs/big.log", (chunk for _ in range(40)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (Path(folder.path) / "logs" / "big.log").stat().st_size == 40 << 20
    assert url.endswith("logs/big.log")
    assert peak < 8 << 20


@pytest.mark.parametrize("root", ["uri", "plain path"])
def test_local_files_are_readable_by_their_owner_only(tmp_path, root):
    """processes.json holds every client's API key, videos/plan.json is keyed by them and
    run/settings.json lists the skip-listed ones: no other user of the machine may read
    them, whatever the process umask."""
    base = tmp_path.as_uri() if root == "uri" else str(tmp_path)
    folder = artifacts.run_folder(base, "2026-11-26", "manual__1")
    old_umask = os.umask(0)
    try:
        written = [
            artifacts.write_json(folder, "processes.json", {"api_key": "c0ffee-key"}),
            artifacts.write_text(folder, "report.txt", "text"),
            artifacts.write_bytes(folder, "failure_logs/u.log.gz", b"\x1f\x8b"),
        ]
    finally:
        os.umask(old_umask)
    for url in written:
        assert stat.S_IMODE(os.stat(ObjectStoragePath(url).path).st_mode) == 0o600, url


def test_a_file_rewritten_over_a_readable_one_is_narrowed_to_its_owner(tmp_path):
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    path = Path(folder.path) / "outbox" / "send-record-0.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    path.chmod(0o644)
    artifacts.write_json(folder, "outbox/send-record-0.json", {"draft_id": "d1"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert artifacts.read_json(path.as_uri()) == {"draft_id": "d1"}


def test_object_storage_files_are_written_through_their_filesystem():
    folder = ObjectStoragePath("memory://artifacts-test/2026-11-26/manual__1")
    url = artifacts.write_json(folder, "processes.json", {"counts": {"total": 1}})
    assert url == "memory://artifacts-test/2026-11-26/manual__1/processes.json"
    assert artifacts.read_json(url) == {"counts": {"total": 1}}


@pytest.mark.parametrize("root", ["uri", "plain path"])
def test_folder_writer_writes_private_files_at_the_urls_write_chunks_gives(tmp_path, root):
    base = tmp_path.as_uri() if root == "uri" else str(tmp_path)
    folder = artifacts.run_folder(base, "2026-11-26", "manual__1")
    write = artifacts.folder_writer(folder, "failure_logs")
    url = write("u.log", iter([b"a\n", b"b\n"]))
    assert url == artifacts.write_chunks(folder, "failure_logs/v.log", [b"c\n"]).replace(
        "v.log", "u.log"
    )
    path = ObjectStoragePath(url).path
    assert Path(path).read_bytes() == b"a\nb\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
