"""One pass per file for all failed UUIDs: records whole across chunks and flushes,
bad and unreadable files noted instead of failing the scan."""

from __future__ import annotations

import gzip
import os
import re
import tracemalloc
import uuid

from process_report.logs import cap as log_cap
from process_report.logs import scan as log_scan
from process_report.logs import spool as log_spool
from process_report.logs.index import index_logs
from tests.support.failure_logs import OTHER, PATTERNS, A, B, failed, notes, run
from tests.support.small_disk import small_disk


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
    long_line = f"2026-11-26 09:00:01 ERROR {A} " + "x" * (log_cap.LINE_MAX_BYTES + 10) + "\n"
    (tmp_path / "app_2026-11-26.log.2").write_text(long_line)
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "[binary file skipped]" in texts[A]
    assert "caf\ufffd" in texts[A]
    assert f"[line truncated: {len(long_line) - 1} bytes]" in texts[A]
    assert any("app_2026-11-26.log.3.gz could not be read" in p for p in notes(result["problems"]))


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
    assert any("app_2026-11-26.log.1 could not be read" in p for p in notes(result["problems"]))


def scan_text(files, uuids, folder):
    """(scan stats, every record the spool got) for `files`, as the extract step reads them."""
    with log_spool.Spool(folder) as spool:
        stats = log_scan.scan_logs(files, uuids, spool)
        data = b"".join(part for _, rows in spool.groups() for _, part, _ in spool.stream(rows))
    return stats, data


def test_a_file_swapped_for_a_link_outside_after_the_walk_is_not_read(tmp_path):
    logs, outside = tmp_path / "logs", tmp_path / "outside"
    logs.mkdir()
    outside.mkdir()
    (outside / "shadow").write_text(f"2026-11-26 09:00:00 ERROR {A} root:$6$SECRET-HASH\n")
    own, shared = logs / f"encode_{A}.log", logs / "app_2026-11-26.log"
    own.write_text("own file\n")
    shared.write_text(f"2026-11-26 09:00:00 ERROR {A} shared line\n")
    own_files, shared_files = index_logs(logs, PATTERNS, wanted={A: {"2026-11-26"}}).files_for(
        {A: {"2026-11-26"}}
    )
    for walked in (own, shared):
        walked.unlink()
        walked.symlink_to(outside / "shadow")
    stats, data = scan_text(own_files + shared_files, [A], tmp_path / "spool")
    assert b"SECRET-HASH" not in data
    assert len([p for p in notes(stats.problems.notes()) if "became a link" in p]) == 2


def test_a_folder_swapped_for_a_link_outside_after_the_walk_is_not_followed(tmp_path):
    logs, outside = tmp_path / "logs", tmp_path / "outside"
    (logs / "w1").mkdir(parents=True)
    outside.mkdir()
    (logs / "w1" / f"encode_{A}.log").write_text("own file\n")
    (outside / f"encode_{A}.log").write_text("SECRET from another part of the disk\n")
    files = index_logs(logs, PATTERNS, wanted={A: set()}).files_for({A: set()})[0]
    (logs / "w1").rename(logs / "w1-old")
    (logs / "w1").symlink_to(outside)
    stats, data = scan_text(files, [A], tmp_path / "spool")
    assert b"SECRET" not in data
    assert any(
        f"encode_{A}.log" in p and "became a link" in p for p in notes(stats.problems.notes())
    )


def test_a_file_swapped_for_a_fifo_is_skipped_without_blocking(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    own = logs / f"encode_{A}.log"
    own.write_text("own file\n")
    files = index_logs(logs, PATTERNS, wanted={A: set()}).files_for({A: set()})[0]
    own.unlink()
    os.mkfifo(own)
    stats, data = scan_text(files, [A], tmp_path / "spool")
    assert data == b""
    assert any("not a regular file" in p for p in notes(stats.problems.notes()))


def test_skipped_binary_files_are_named_in_the_problems(tmp_path):
    (tmp_path / f"bin_{A}.log").write_bytes(b"\x00\x01\x02binary\x00")
    # bytes of every value, as in an image or a gzip without its .gz: binary, not text
    (tmp_path / "app_2026-11-26.log").write_bytes(bytes(range(256)) * 4 + A.encode() + b"\n")
    result, _, _ = run(tmp_path, [failed(A)])
    skipped = [p for p in notes(result["problems"]) if "binary" in p]
    assert sorted(p.split(" ")[0] for p in skipped) == ["app_2026-11-26.log", f"bin_{A}.log"]


def test_a_record_over_two_chunks_is_cut_at_a_line_end_and_noted(tmp_path, monkeypatch):
    monkeypatch.setattr(log_scan, "CHUNK_BYTES", 64)
    record = (
        f"2026-11-26 09:00:00 ERROR {A} start\n"
        + "".join(f"  frame {i:03d} of a very deep stack\n" for i in range(20))
        + f"2026-11-26 09:00:01 INFO {A} after\n"
    )
    (tmp_path / "app_2026-11-26.log").write_text(record)
    result, texts, _ = run(tmp_path, [failed(A)])
    whole_lines = set(record.splitlines())
    assert [line for line in texts[A].splitlines()[1:] if line not in whole_lines] == []
    assert "start" in texts[A]
    assert "after" in texts[A]
    assert any(
        p.startswith("app_2026-11-26.log: a record longer than") for p in notes(result["problems"])
    )


def test_a_per_process_log_longer_than_a_chunk_is_kept_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(log_scan, "CHUNK_BYTES", 100)
    monkeypatch.setattr(log_spool, "READ_BYTES", 64)
    body = "".join(
        f"2026-11-26 09:00:{i % 60:02d} INFO step {i} of the encoder\n" for i in range(50)
    )
    (tmp_path / f"encode_{A}.log").write_text(body)
    _, texts, _ = run(tmp_path, [failed(A)])
    assert texts[A] == f"==> encode_{A}.log <==\n" + body


def spool_bytes(folder):
    return sum(path.stat().st_size for path in folder.glob("spool-*.bin"))


def numbered_lines(count, start=0):
    return "".join(
        f"2026-11-26 09:00:00 INFO {A} encoder step {i:09d} of the segment\n"
        for i in range(start, start + count)
    ).encode()


def test_a_large_per_process_log_spools_only_what_the_cap_keeps(tmp_path):
    logs, spool_dir = tmp_path / "logs", tmp_path / "spool"
    logs.mkdir()
    block = numbered_lines(100_000)  # 6.8 MB of lines
    with (logs / f"encode_{A}.log").open("wb") as handle:
        for _ in range(6):
            handle.write(block)
        handle.write(b"2026-11-26 09:59:59 ERROR the last line, the key error\n")
    size = (logs / f"encode_{A}.log").stat().st_size
    files, _ = index_logs(logs, PATTERNS, wanted={A: set()}).files_for({A: set()})
    stats, data = scan_text(files, [A], spool_dir)
    kept_at_most = log_cap.HEAD_BYTES + log_cap.TAIL_BYTES + 2 * log_scan.SPOOL_SLACK_BYTES
    assert stats.bytes_scanned == size  # read to the end, as a stream
    assert spool_bytes(spool_dir) <= kept_at_most + 100
    assert data.startswith(block[:1000])
    assert data.endswith(b"the last line, the key error\n")


def test_a_gzip_bomb_per_process_log_spools_only_what_the_cap_keeps(tmp_path):
    logs, spool_dir = tmp_path / "logs", tmp_path / "spool"
    logs.mkdir()
    # One gzip member of 6.8 MB of lines, written 40 times: 8 MB of gzip, 272 MB of log.
    member = gzip.compress(numbered_lines(100_000), compresslevel=9)
    with (logs / f"encode_{A}.log.1.gz").open("wb") as handle:
        for _ in range(40):
            handle.write(member)
    files, _ = index_logs(logs, PATTERNS, wanted={A: set()}).files_for({A: set()})
    stats, _ = scan_text(files, [A], spool_dir)
    assert stats.bytes_scanned == 40 * len(numbered_lines(100_000))
    assert (
        spool_bytes(spool_dir)
        <= log_cap.HEAD_BYTES + log_cap.TAIL_BYTES + 2 * (log_scan.SPOOL_SLACK_BYTES) + 100
    )


def test_a_capped_per_process_log_says_how_many_lines_the_spool_left_out(tmp_path):
    total = 200_000
    (tmp_path / f"encode_{A}.log").write_bytes(numbered_lines(total))
    result, texts, _ = run(tmp_path, [failed(A)])
    head, cut, tail = re.split(r"… (\d+) lines cut …\n", texts[A])
    assert int(cut) + head.count("\n") - 1 + tail.count("\n") == total  # header line aside
    assert "step 000000000 " in head
    assert f"step {total - 1:09d} " in tail
    assert any(f"Log extract of {A}: {cut} lines" in p for p in notes(result["problems"]))
    assert "\0" not in texts[A]


def test_a_full_spool_disk_is_a_note_for_that_file_not_a_failed_scan(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    uuids = [str(uuid.UUID(int=n, version=4)) for n in range(400)]
    texts = {}
    for process in uuids:  # 400 logs of 1.4 KB: small writes, 540 KB on a 256 KiB disk
        texts[process] = numbered_lines(20).replace(A.encode(), process.encode())
        (logs / f"encode_{process}.log").write_bytes(texts[process])
    wanted = {process: set() for process in uuids}
    own, _ = index_logs(logs, PATTERNS, wanted=wanted).files_for(wanted)
    with small_disk(tmp_path / "disk", 256) as disk, log_spool.Spool(disk) as spool:
        stats = log_scan.scan_logs(own, uuids, spool, workers=1)
        kept = {
            uuids[number]: b"".join(piece for _, piece, _ in spool.stream(rows))
            for number, rows in spool.groups()
        }
    assert 0 < len(kept) < 400
    assert all(text == texts[process] for process, text in kept.items())
    assert stats.problems.count("disk_full") == 400 - len(kept)
    noted = [note["text"] for note in stats.problems.notes() if note["kind"] == "disk_full"]
    assert noted[0].endswith(".log not kept whole: the disk of the log spool is full.")


def test_a_per_process_log_of_one_huge_line_keeps_that_line_s_start(tmp_path):
    start = f"2026-11-26 09:00:00 ERROR {A} dump: ".encode()
    with (tmp_path / f"encode_{A}.log").open("wb") as handle:
        handle.write(start + b"frame-data 0123456789abcdef " * 600_000)  # 17 MB, no newline
    result, texts, _ = run(tmp_path, [failed(A)])
    assert texts[A].startswith(f"==> encode_{A}.log <==\n{start.decode()}frame-data")
    assert "[line truncated: " in texts[A]
    assert any("MiB) cut between its first" in note for note in notes(result["problems"]))


def test_a_scanning_thread_holds_its_three_chunks_and_one_flush_of_records(tmp_path):
    """The per-thread bound the 100,000-process day's peak rests on, with the real chunk
    and flush sizes: a 40 MB shared log in which every record is a failed process's
    (so its records are flushed, merged, twice) is scanned holding the chunk buffer,
    the records waiting for a flush and a few MB of work, not a second copy of either."""
    logs = tmp_path / "logs"
    logs.mkdir()
    uuids = sorted(str(uuid.UUID(int=n + 1, version=4)) for n in range(3000))
    block = "".join(
        f"2026-11-26 09:{n % 60:02d}:00 ERROR process {process} failed at step {n}\n"
        for n, process in enumerate(uuids)
    ).encode()
    (logs / "app_2026-11-26.log").write_bytes(block * (40_000_000 // len(block)))
    wanted = {process: {"2026-11-26"} for process in uuids}
    _, shared = index_logs(logs, PATTERNS, wanted=wanted).files_for(wanted)
    tracemalloc.start()
    try:
        with log_spool.Spool(tmp_path / "spool") as spool:
            stats = log_scan.scan_logs(shared, uuids, spool, workers=1)
            peak = tracemalloc.get_traced_memory()[1]
            spooled = sum(int(rows["length"].sum()) for _, rows in spool.groups())
    finally:
        tracemalloc.stop()
    assert stats.bytes_scanned == spooled > 2 * log_scan.FLUSH_BYTES
    # 40.6 MB: the chunk buffer (12.6 MB), a flush's records with the chunk that filled
    # it (21 MB) and one chunk's search (~8 MB); 76 MB with 8 MiB chunks searched whole
    # and each flush joined whole.
    assert log_scan.CHUNK_BYTES == 4 << 20
    assert peak < 45_000_000
