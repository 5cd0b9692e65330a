"""One pass per file for all failed UUIDs: records whole across chunks and flushes,
bad and unreadable files noted instead of failing the scan."""

from __future__ import annotations

import re

from process_report.logs import records as log_records
from process_report.logs import scan as log_scan
from tests.support.failure_logs import OTHER, A, B, failed, run


def test_records_across_chunk_boundaries_are_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(log_scan, "CHUNK_BYTES", 64)
    lines = [
        f"2026-11-26 09:{i:02d}:00 ERROR {A if i % 2 else OTHER} event {i}\n"
        "  continuation that is long enough to cross a chunk edge\n"
        for i in range(40)
    ]
    (tmp_path / "app_2026-11-26.log").write_text("".join(lines))
    _, texts, _ = run(tmp_path, [failed(A)])
    assert texts[A].count("continuation") == 20
    assert texts[A].count("event") == 20


def test_small_chunks_and_flushes_give_the_same_extracts_in_file_order(tmp_path, monkeypatch):
    lines = "".join(
        f"2026-11-26 09:{i // 60:02d}:{i % 60:02d} INFO {(A, B, OTHER)[i % 3]} step {i}\n"
        + ("Traceback (most recent call last):\nValueError: bad\n" if i % 7 == 0 else "")
        for i in range(300)
    )
    (tmp_path / "app_2026-11-26.log").write_text(lines)
    (tmp_path / "app_2026-11-26.log.1").write_text(lines.replace("step", "older step"))
    (tmp_path / f"encode_{A}.log").write_text("own file\n")
    _, whole, _ = run(tmp_path, [failed(A), failed(B)])
    monkeypatch.setattr(log_scan, "CHUNK_BYTES", 100)
    monkeypatch.setattr(log_scan, "FLUSH_BYTES", 300)
    _, pieces, _ = run(tmp_path, [failed(A), failed(B)])
    assert pieces == whole
    assert whole[A].index("own file") < whole[A].index("older step") < whole[A].index(" step 0")
    # the rotated (older) file first, each file in line order
    assert [int(n) for n in re.findall(r" step (\d+)", whole[B])] == [*range(1, 300, 3)] * 2


def test_the_same_uuid_twice_in_one_record_gives_the_record_once(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text(f"2026-11-26 09:00:00 ERROR {A} retry {A}\n")
    _, texts, _ = run(tmp_path, [failed(A)])
    assert texts[A].count("retry") == 1


def test_bad_files_never_fail_the_scan(tmp_path):
    (tmp_path / f"bin_{A}.log").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "app_2026-11-26.log").write_bytes(
        f"2026-11-26 09:00:00 ERROR {A} ".encode() + b"caf\xe9 latin-1\n"
    )
    (tmp_path / "app_2026-11-26.log.1").write_text("")
    (tmp_path / "app_2026-11-26.log.3.gz").write_bytes(b"not gzip at all")
    long_line = f"2026-11-26 09:00:01 ERROR {A} " + "x" * (log_records.LINE_MAX_BYTES + 10) + "\n"
    (tmp_path / "app_2026-11-26.log.2").write_text(long_line)
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "[binary file skipped]" in texts[A]
    assert "caf\ufffd" in texts[A]
    assert f"[line truncated: {len(long_line) - 1} bytes]" in texts[A]
    assert any("app_2026-11-26.log.3.gz could not be read" in p for p in result["problems"])


def test_unreadable_file_is_a_problem_not_a_failure(tmp_path, monkeypatch):
    # Tests run as root, which reads any mode, so the open itself is made to refuse.
    (tmp_path / "app_2026-11-26.log").write_text(f"2026-11-26 09:00:00 ERROR {A} kept\n")
    (tmp_path / "app_2026-11-26.log.1").write_text(f"2026-11-26 08:00:00 ERROR {A} locked\n")
    real_open = log_scan._open

    def refuse_rotated(log_file):
        if log_file.rotation == 1:
            raise PermissionError(13, "Permission denied", str(log_file.path))
        return real_open(log_file)

    monkeypatch.setattr(log_scan, "_open", refuse_rotated)
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "kept" in texts[A]
    assert any("app_2026-11-26.log.1 could not be read" in p for p in result["problems"])
