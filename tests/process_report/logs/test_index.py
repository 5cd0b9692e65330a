"""Which files belong to which failed process: one walk of logs_dir, patterns with
placeholders, rotated siblings, and links that must not lead outside the folder."""

from __future__ import annotations

import gzip
import os
import uuid

from process_report.logs import problems as log_problems
from process_report.logs.index import compile_pattern, index_logs
from tests.support.failure_logs import PATTERNS, A, failed, notes, run


def test_rotated_and_gzipped_siblings_are_read_oldest_first(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text(f"2026-11-26 09:30:00 ERROR {A} third\n")
    (tmp_path / "app_2026-11-26.log.1").write_text(f"2026-11-26 09:20:00 ERROR {A} second\n")
    with gzip.open(tmp_path / "app_2026-11-26.log.2.gz", "wt") as handle:
        handle.write(f"2026-11-26 09:10:00 ERROR {A} first\n")
    _, texts, _ = run(tmp_path, [failed(A)])
    assert texts[A].index("first") < texts[A].index("second") < texts[A].index("third")
    assert "==> app_2026-11-26.log.2.gz <==" in texts[A]


def test_shared_logs_of_every_day_the_process_ran_are_read(tmp_path):
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        (tmp_path / f"app_{day}.log").write_text(f"{day} 12:00:00 INFO {A} on {day}\n")
    _, texts, _ = run(tmp_path, [failed(A, start="2026-11-25T22:00:00+00:00")])
    assert "on 2026-11-25" in texts[A]
    assert "on 2026-11-26" in texts[A]
    assert "on 2026-11-24" not in texts[A]


def test_symlinks_leading_outside_logs_dir_are_not_followed(tmp_path):
    logs, outside = tmp_path / "logs", tmp_path / "secret"
    logs.mkdir()
    outside.mkdir()
    (outside / f"leak_{A}.log").write_text("/etc/shadow contents\n")
    (logs / f"link_{A}.log").symlink_to(outside / f"leak_{A}.log")
    (logs / "inside.txt").write_text("fine\n")
    (logs / f"ok_{A}.log").symlink_to(logs / "inside.txt")
    result, texts, _ = run(logs, [failed(A)])
    assert "shadow" not in texts.get(A, "")
    assert "fine" in texts[A]
    assert any("links outside the logs folder" in p for p in notes(result["problems"]))


def test_missing_logs_dir_is_reported_not_raised(tmp_path):
    result, texts, _ = run(tmp_path / "nope", [failed(A)])
    assert texts == {}
    assert "cannot be read" in notes(result["problems"])[0]


def test_log_patterns_are_configurable_with_placeholders():
    pattern = compile_pattern("jobs/{date}/*-{uuid}.txt")
    assert pattern.match(f"jobs/2026-11-26/encode-{A}.txt")["uuid"] == A
    assert not pattern.match(f"jobs/2026-11-26/encode-{A}.log")


def test_custom_pattern_finds_renamed_logs(tmp_path):
    (tmp_path / f"proc-{A}.txt").write_text("custom pattern log\n")
    index = index_logs(tmp_path, ("proc-{uuid}.txt",), wanted={A: set()})
    assert [f.path.name for f in index.per_process[A]] == [f"proc-{A}.txt"]


def test_a_pattern_with_dotdot_is_refused_and_noted(tmp_path):
    (tmp_path / f"encode_{A}.log").write_text("own file\n")
    index = index_logs(
        tmp_path, ("../*{uuid}*.log", "*{uuid}*.log", "x/..{uuid}.log"), wanted={A: set()}
    )
    assert [f.path.name for f in index.per_process[A]] == [f"encode_{A}.log"]
    refused = [p for p in notes(index.problems.notes()) if "refused" in p]
    assert len(refused) == 2
    assert "'../*{uuid}*.log'" in refused[0]
    assert "'x/..{uuid}.log'" in refused[1]


def test_a_dotdot_pattern_note_reaches_the_scan_problems(tmp_path):
    (tmp_path / f"encode_{A}.log").write_text("own file\n")
    result, texts, _ = run(tmp_path, [failed(A)], patterns=("../{uuid}.log", "*{uuid}*.log"))
    assert "own file" in texts[A]
    assert any("'../{uuid}.log'" in p and "refused" in p for p in notes(result["problems"]))


def test_forty_thousand_links_outside_give_one_counted_kind_of_note(tmp_path):
    logs, archive = tmp_path / "logs", tmp_path / "archive"
    logs.mkdir()
    archive.mkdir()
    uuids = [str(uuid.UUID(int=n, version=4)) for n in range(40_000)]
    for process in uuids:  # per-process links into an archive volume
        os.symlink(archive / f"encode_{process}.log", logs / f"encode_{process}.log")
    result, _, _ = run(logs, [failed(process) for process in uuids[:3_000]])
    links = [note for note in result["problems"] if note["kind"] == "log_symlink"]
    assert len(links) == log_problems.EXAMPLES + 1
    assert links[-1]["count"] == 3_000 - log_problems.EXAMPLES
    assert links[-1]["text"].startswith("2,995 link(s)")
    assert all("links outside the logs folder" in note["text"] for note in links[:-1])


def test_unrelated_files_are_matched_and_forgotten(tmp_path):
    for n in range(5_000):
        os.close(os.open(tmp_path / f"encode_{uuid.UUID(int=n, version=4)}.log", os.O_CREAT))
    (tmp_path / f"encode_{A}.log").write_text("own file\n")
    (tmp_path / "app_2026-11-26.log").touch()
    (tmp_path / "app_2026-11-20.log").touch()
    index = index_logs(tmp_path, PATTERNS, wanted={A: {"2026-11-26"}})
    assert index.files_seen == 5_003
    assert list(index.per_process) == [A]
    assert list(index.shared) == ["2026-11-26"]


def test_a_deep_folder_tree_is_walked_without_recursion(tmp_path):
    folder = tmp_path
    for _ in range(1_200):  # deeper than Python's recursion limit
        folder = folder / "d"
        folder.mkdir()
    deep_file = folder / f"encode_{A}.log"
    deep_file.write_text("deep own file\n")
    try:
        _, texts, _ = run(tmp_path, [failed(A)])
        assert "deep own file" in texts[A]
    finally:
        # removed leaf first: shutil.rmtree (pytest's cleanup of old temporary folders,
        # in this and later sessions) recurses per level and fails on a tree this deep
        deep_file.unlink()
        while folder != tmp_path:
            folder.rmdir()
            folder = folder.parent
