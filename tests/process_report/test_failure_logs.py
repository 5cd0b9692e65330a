from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime

from process_report import log_records, log_scan
from process_report.failure_logs import extract_failure_logs, read_extract
from process_report.log_index import compile_pattern, index_logs
from process_report.redact import Redactor

A = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
B = "1c8dae2f-3a4b-4c5d-9e7f-8091a2b3c4d5"
OTHER = "2d9ebf30-4b5c-4d6e-af80-91a2b3c4d5e6"
END = datetime(2026, 11, 27, 8, tzinfo=UTC)
PATTERNS = ("*{uuid}*.log", "app_{date}*.log")


def failed(uuid, start="2026-11-26T09:00:00+00:00", stop="2026-11-26T10:00:00+00:00"):
    return {"uuid": uuid, "start_time": start, "stop_time": stop, "category": "failed"}


def run(logs_dir, processes, redactor=None, patterns=PATTERNS):
    stored = {}

    def store(name, data):
        stored[name] = data
        return f"mem://{name}"

    result = extract_failure_logs(
        processes,
        logs_dir=str(logs_dir),
        log_patterns=patterns,
        window_end=END,
        zones=("UTC",),
        redactor=redactor or Redactor(),
        store=store,
    )
    texts = {name.split(".")[0]: read_extract(data, name) for name, data in stored.items()}
    return result, texts, stored


def test_traceback_lines_without_the_uuid_stay_with_their_record(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text(
        f"2026-11-26 09:00:01 INFO process {A} started\n"
        f"2026-11-26 09:10:00 ERROR process {A} crashed\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/worker/encode.py", line 88, in run\n'
        "    frame = decoder.next()\n"
        "ValueError: corrupt frame 1443\n"
        f"2026-11-26 09:10:01 INFO process {OTHER} fine\n"
    )
    _, texts, _ = run(tmp_path, [failed(A)])
    assert "ValueError: corrupt frame 1443" in texts[A]
    assert '  File "/srv/worker/encode.py", line 88, in run' in texts[A]
    assert OTHER not in texts[A]


def test_interleaved_processes_in_one_file_are_separated(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text(
        "".join(
            f"2026-11-26 09:{i:02d}:00 INFO process {[A, B, OTHER][i % 3]} step {i}\n"
            for i in range(30)
        )
    )
    _, texts, _ = run(tmp_path, [failed(A), failed(B)])
    assert texts[A].count(A) == 10
    assert B not in texts[A]
    assert OTHER not in texts[B]
    assert "step 0\n" in texts[A]
    assert "step 1\n" in texts[B]


def test_rotated_and_gzipped_siblings_are_read_oldest_first(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text(f"2026-11-26 09:30:00 ERROR {A} third\n")
    (tmp_path / "app_2026-11-26.log.1").write_text(f"2026-11-26 09:20:00 ERROR {A} second\n")
    with gzip.open(tmp_path / "app_2026-11-26.log.2.gz", "wt") as handle:
        handle.write(f"2026-11-26 09:10:00 ERROR {A} first\n")
    _, texts, _ = run(tmp_path, [failed(A)])
    assert texts[A].index("first") < texts[A].index("second") < texts[A].index("third")
    assert "==> app_2026-11-26.log.2.gz <==" in texts[A]


def test_per_process_files_belong_to_their_process_whole(tmp_path):
    nested = tmp_path / "workers" / "w1"
    nested.mkdir(parents=True)
    (nested / f"encode_{A}.log").write_text("no uuid on this line\nnor this one\n")
    (tmp_path / f"encode_{OTHER}.log").write_text("someone else\n")
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "no uuid on this line\nnor this one\n" in texts[A]
    assert OTHER not in texts
    assert result["files_scanned"] == 1


def test_shared_logs_of_every_day_the_process_ran_are_read(tmp_path):
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        (tmp_path / f"app_{day}.log").write_text(f"{day} 12:00:00 INFO {A} on {day}\n")
    _, texts, _ = run(tmp_path, [failed(A, start="2026-11-25T22:00:00+00:00")])
    assert "on 2026-11-25" in texts[A]
    assert "on 2026-11-26" in texts[A]
    assert "on 2026-11-24" not in texts[A]


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
    assert any("links outside the logs folder" in p for p in result["problems"])


def test_missing_logs_dir_is_reported_not_raised(tmp_path):
    result, texts, _ = run(tmp_path / "nope", [failed(A)])
    assert texts == {}
    assert "cannot be read" in result["problems"][0]


def test_non_canonical_uuid_never_reaches_a_pattern_or_path(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text("2026-11-26 09:00:00 ERROR ../../etc\n")
    result, texts, _ = run(tmp_path, [failed("../../etc")])
    assert texts == {}
    assert "is not a canonical UUID" in result["problems"][0]


def test_secrets_are_redacted_before_the_extract_is_stored(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text(
        f"2026-11-26 09:00:00 ERROR {A} db postgresql://svc:hunter22@db:5432/x "
        "client key ck_live_0123456789\n"
    )
    _, texts, _ = run(tmp_path, [failed(A)], redactor=Redactor(["ck_live_0123456789"]))
    assert "hunter22" not in texts[A]
    assert "ck_live_0123456789" not in texts[A]


def test_large_extracts_are_gzipped(tmp_path):
    body = "".join(f"2026-11-26 09:00:{i % 60:02d} INFO {A} {'y' * 200}\n" for i in range(2000))
    (tmp_path / "app_2026-11-26.log").write_text(body)
    _, texts, stored = run(tmp_path, [failed(A)])
    assert list(stored) == [f"{A}.log.gz"]
    assert texts[A].count(A) == 2000


def test_log_patterns_are_configurable_with_placeholders():
    pattern = compile_pattern("jobs/{date}/*-{uuid}.txt")
    assert pattern.match(f"jobs/2026-11-26/encode-{A}.txt")["uuid"] == A
    assert not pattern.match(f"jobs/2026-11-26/encode-{A}.log")


def test_custom_pattern_finds_renamed_logs(tmp_path):
    (tmp_path / f"proc-{A}.txt").write_text("custom pattern log\n")
    index = index_logs(tmp_path, ("proc-{uuid}.txt",))
    assert [f.path.name for f in index.per_process[A]] == [f"proc-{A}.txt"]
