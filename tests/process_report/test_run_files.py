"""RunFiles reads a run's folder and never follows a symbolic link below the artifacts
root: not at a file, not at a folder on the path, not at the run's folder itself; a
FIFO is refused without waiting; names are single components. Object storage (no
links) is read as it is, on S3 (a real S3-compatible server) as it is now."""

from __future__ import annotations

import os
import threading

import pytest
from upath import UPath

from process_report.run_files import RefusedError, RunFiles

DAY, RUN = "2026-11-26", "manual__x-0123456789"


@pytest.fixture
def run(tmp_path):
    folder = tmp_path / "root" / DAY / RUN
    (folder / "attachments").mkdir(parents=True)
    (folder / "report.html").write_text("<p>report</p>")
    (folder / "attachments" / "processes.csv").write_text("uuid\n")
    (tmp_path / "secret").write_text("SECRET")
    return {"files": RunFiles(UPath(tmp_path / "root"), (DAY, RUN)), "folder": folder}


def test_regular_files_are_read_and_listed(run):
    files = run["files"]
    assert files.read_bytes("report.html") == b"<p>report</p>"
    assert files.sizes("attachments") == {"processes.csv": 5}
    assert files.exists("attachments/processes.csv")
    assert files.sizes("missing") == {}


@pytest.mark.parametrize("name", ["report.html", "attachments/processes.csv"])
def test_a_link_at_a_file_is_refused(run, tmp_path, name):
    target = run["folder"] / name
    target.unlink()
    target.symlink_to(tmp_path / "secret")
    with pytest.raises(RefusedError):
        run["files"].read_bytes(name)
    assert not run["files"].exists(name)


def test_a_link_in_a_listed_folder_is_left_out_of_its_listing(run, tmp_path):
    (run["folder"] / "attachments" / "planted.csv").symlink_to(tmp_path / "secret")
    (run["folder"] / "attachments" / "sub").mkdir()
    assert run["files"].sizes("attachments") == {"processes.csv": 5}


def test_a_link_at_a_folder_on_the_path_is_refused(run, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "processes.csv").write_text("SECRET")
    (run["folder"] / "attachments").rename(tmp_path / "kept")
    (run["folder"] / "attachments").symlink_to(outside)
    with pytest.raises(RefusedError):
        run["files"].read_bytes("attachments/processes.csv")
    assert run["files"].sizes("attachments") == {}


@pytest.mark.parametrize("level", [DAY, f"{DAY}/{RUN}"])
def test_a_link_at_the_day_or_run_folder_is_refused(run, tmp_path, level):
    linked = tmp_path / "root" / level
    linked.rename(tmp_path / "moved")
    linked.symlink_to(tmp_path / "moved")
    with pytest.raises(RefusedError):
        run["files"].read_bytes("report.html")
    assert run["files"].sizes("attachments") == {}


def test_the_artifacts_root_itself_may_be_a_link(run, tmp_path):
    (tmp_path / "link-to-root").symlink_to(tmp_path / "root")
    files = RunFiles(UPath(tmp_path / "link-to-root"), (DAY, RUN))
    assert files.read_bytes("report.html") == b"<p>report</p>"


def test_a_fifo_is_refused_without_waiting_for_a_writer(run):
    os.mkfifo(run["folder"] / "attachments" / "planted.csv")
    outcome: list[object] = []
    reader = threading.Thread(
        target=lambda: outcome.append(run["files"].exists("attachments/planted.csv")),
        daemon=True,
    )
    reader.start()
    reader.join(timeout=10)
    assert outcome == [False]  # answered (no writer ever came), and refused
    assert "planted.csv" not in run["files"].sizes("attachments")


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../x", "a//b", "attachments/../report.html", "a\\b", "a\0b", "/etc"]
)
def test_names_are_plain_components(run, name):
    with pytest.raises(RefusedError):
        run["files"].read_bytes(name)


def test_object_storage_is_read_as_it_is():
    root = UPath("memory://viewer-tests/root")
    (root / DAY / RUN / "attachments").mkdir(parents=True, exist_ok=True)
    (root / DAY / RUN / "attachments" / "processes.csv").write_bytes(b"uuid\n")
    files = RunFiles(root, (DAY, RUN))
    assert not files.local
    assert files.read_bytes("attachments/processes.csv") == b"uuid\n"
    assert files.sizes("attachments") == {"processes.csv": 5}
    with pytest.raises(RefusedError):
        files.read_bytes("../x")


def test_the_time_a_file_was_written_is_read_without_following_links(run, tmp_path):
    os.utime(run["folder"] / "report.html", (1_000_000, 1_000_000))
    assert run["files"].modified("report.html") == 1_000_000
    (run["folder"] / "attachments" / "planted.csv").symlink_to(tmp_path / "secret")
    with pytest.raises(RefusedError):
        run["files"].modified("attachments/planted.csv")


def test_on_s3_files_written_after_a_listing_are_read_and_folders_are_not_files(s3, s3_root):
    """The API server lives long: a file another process wrote after this one listed
    the folder is still found, and a key prefix (a folder) is not a file."""
    from airflow.sdk import ObjectStoragePath

    files = RunFiles(ObjectStoragePath(s3_root), (DAY, RUN))
    prefix = s3_root.split(f"{s3.bucket}/", 1)[1]
    put = s3.client().put_object
    put(Bucket=s3.bucket, Key=f"{prefix}/{DAY}/{RUN}/attachments/processes.csv", Body=b"uuid\n")
    assert files.sizes("attachments") == {"processes.csv": 5}
    assert not files.exists("attachments/failure-logs.zip")
    put(Bucket=s3.bucket, Key=f"{prefix}/{DAY}/{RUN}/attachments/failure-logs.zip", Body=b"PK")
    assert files.sizes("attachments") == {"processes.csv": 5, "failure-logs.zip": 2}
    assert files.read_bytes("attachments/failure-logs.zip") == b"PK"
    assert files.modified("attachments/failure-logs.zip") > 0
    assert not files.exists("attachments")
    with pytest.raises(RefusedError):
        files.read_bytes("attachments")
