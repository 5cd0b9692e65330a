"""One stored, redacted extract per failed process, bounded whatever the log's size."""

from __future__ import annotations

import os
import re
import tracemalloc

from process_report.logs import cap as log_cap
from process_report.logs import extracts as log_extracts
from process_report.logs import problems as log_problems
from process_report.logs import scan as log_scan
from process_report.logs import spool as log_spool
from process_report.logs import stored_extracts
from process_report.redact import Redactor
from tests.support.failure_logs import END, OTHER, PATTERNS, A, B, failed, notes, run
from tests.support.small_disk import small_disk


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


def test_per_process_files_belong_to_their_process_whole(tmp_path):
    nested = tmp_path / "workers" / "w1"
    nested.mkdir(parents=True)
    (nested / f"encode_{A}.log").write_text("no uuid on this line\nnor this one\n")
    (tmp_path / f"encode_{OTHER}.log").write_text("someone else\n")
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "no uuid on this line\nnor this one\n" in texts[A]
    assert OTHER not in texts
    assert result["files_scanned"] == 1


def test_non_canonical_uuid_never_reaches_a_pattern_or_path(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_text("2026-11-26 09:00:00 ERROR ../../etc\n")
    result, texts, _ = run(tmp_path, [failed("../../etc")])
    assert texts == {}
    assert "is not a canonical UUID" in notes(result["problems"])[0]


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


def test_an_extract_over_its_cap_keeps_head_and_tail_and_the_report_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(log_cap, "HEAD_BYTES", 2000)
    monkeypatch.setattr(log_cap, "TAIL_BYTES", 3000)
    lines = [f"2026-11-26 09:00:00 INFO {A} line {i:04d}\n" for i in range(1000)]
    (tmp_path / f"encode_{A}.log").write_text("".join(lines))
    result, texts, _ = run(tmp_path, [failed(A)])
    full = f"==> encode_{A}.log <==\n" + "".join(lines)
    head, cut, tail = re.split(r"… (\d+) lines cut …\n", texts[A])
    assert full.startswith(head)
    assert full.endswith(tail)
    assert int(cut) == full.count("\n") - head.count("\n") - tail.count("\n")
    assert [p for p in notes(result["problems"]) if A in p and f"{cut} lines" in p]


def test_a_secret_across_the_line_limit_leaves_no_prefix(tmp_path, monkeypatch):
    monkeypatch.setattr(log_cap, "LINE_MAX_BYTES", 100)
    secret = "ck_live_0123456789abcdef"
    start = f"2026-11-26 09:00:00 ERROR {A} "
    # the secret starts 8 bytes before the limit: cut first, its prefix would be kept
    line = start + "x" * (100 - len(start) - 8) + secret + " rest of the line\n"
    (tmp_path / "app_2026-11-26.log").write_text(line)
    _, texts, _ = run(tmp_path, [failed(A)], redactor=Redactor([secret]))
    assert "ck_live" not in texts[A]
    assert "[line truncated: " in texts[A]


def test_a_secret_block_across_the_head_and_tail_cut_is_redacted_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(log_cap, "HEAD_BYTES", 300)
    monkeypatch.setattr(log_cap, "TAIL_BYTES", 300)
    pem = "".join(f"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{i:04d}\n" for i in range(40))
    (tmp_path / f"encode_{A}.log").write_text(
        f"2026-11-26 09:00:00 ERROR {A} key\n-----BEGIN PRIVATE KEY-----\n{pem}"
        "-----END PRIVATE KEY-----\n" + "2026-11-26 09:00:01 ERROR done\n" * 20
    )
    _, texts, _ = run(tmp_path, [failed(A)])
    assert "MIIEvQ" not in texts[A]
    assert "lines cut" in texts[A]


def test_extracting_a_large_log_takes_memory_bounded_by_the_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(log_scan, "CHUNK_BYTES", 1 << 18)
    monkeypatch.setattr(log_scan, "FLUSH_BYTES", 1 << 19)
    monkeypatch.setattr(log_spool, "READ_BYTES", 1 << 16)
    monkeypatch.setattr(log_cap, "HEAD_BYTES", 1 << 16)
    monkeypatch.setattr(log_cap, "TAIL_BYTES", 1 << 16)
    run(tmp_path / "none", [failed(A)])  # imports done before measuring
    lines = "".join(
        f"2026-11-26 09:00:00 ERROR {A} {'password=hunter2 ' if i % 100 == 0 else ''}{'z' * 60}\n"
        for i in range(1000)
    )
    (tmp_path / f"encode_{A}.log").write_text(lines * (10_000_000 // len(lines)))
    (tmp_path / "app_2026-11-26.log").write_text(lines * (6_000_000 // len(lines)))
    tracemalloc.start()
    try:
        _, texts, _ = run(tmp_path, [failed(A)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "lines cut" in texts[A]
    assert "hunter2" not in texts[A]
    assert peak < 6_000_000  # the logs are 16 MB; extracting them whole took 3 times that


def test_cut_extracts_past_the_first_few_are_counted_in_one_note(tmp_path, monkeypatch):
    monkeypatch.setattr(log_cap, "HEAD_BYTES", 100)
    monkeypatch.setattr(log_cap, "TAIL_BYTES", 100)
    monkeypatch.setattr(log_problems, "EXAMPLES", 2)
    for uuid in (A, B, OTHER):
        (tmp_path / f"encode_{uuid}.log").write_text(f"{uuid} line\n" * 20)
    result, _, _ = run(tmp_path, [failed(A), failed(B), failed(OTHER)])
    named = [p for p in notes(result["problems"]) if p.startswith("Log extract of ")]
    assert [p.split(":")[0] for p in named] == [f"Log extract of {A}", f"Log extract of {B}"]
    assert "1 more log extract(s) cut the same way" in notes(result["problems"])[-1]


def test_a_full_extracts_disk_is_a_note_for_that_extract_not_a_failed_scan(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    noise = [os.urandom(60).hex() for _ in range(3_000)]  # incompressible: gzip keeps it big
    for uuid, count in ((A, 300), (B, 3_000)):
        (logs / f"encode_{uuid}.log").write_text(
            "".join(f"2026-11-26 09:00:00 INFO {uuid} {noise[i]}\n" for i in range(count))
        )
    with small_disk(tmp_path / "disk", 256) as disk:

        def store(name, blocks):
            with (disk / name).open("wb") as handle:
                handle.writelines(blocks)
            return str(disk / name)

        result = log_extracts.extract_failure_logs(
            [failed(A), failed(B)],
            logs_dir=str(logs),
            log_patterns=PATTERNS,
            window_end=END,
            zones=("UTC",),
            redactor=Redactor(),
            store=store,
        )
        assert list(result["extracts"]) == [A]
        with open(result["extracts"][A], "rb") as handle:
            assert noise[299] in "".join(stored_extracts.extract_lines(handle, f"{A}.log"))
    full = [n for n in result["problems"] if n["kind"] == "disk_full"]
    assert [n["text"] for n in full] == [f"Log extract of {B} not stored: the disk is full."]
