"""One stored, redacted extract per failed process."""

from __future__ import annotations

from process_report.redact import Redactor
from tests.support.failure_logs import OTHER, A, B, failed, run


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
