"""The run's artifacts folder: path-safe, per report day, files that read back as written."""

from __future__ import annotations

from pathlib import Path

import pytest

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
