"""summarize_failures: extracts are read as a stream, in bounded memory."""

from __future__ import annotations

from process_report import artifacts
from process_report.tasks import summarize_failures as task


def test_summaries_read_gzipped_extracts_as_a_stream_in_bounded_memory(tmp_path, caplog):
    import gzip
    import tracemalloc

    uuid = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
    folder = artifacts.run_folder(tmp_path.as_uri(), "2026-11-26", "manual__1")
    lines = b"".join(b"2026-11-26 09:00:00 ERROR step %06d failed\n" % i for i in range(10_000))
    with gzip.open(tmp_path / "extract.log.gz", "wb", compresslevel=1) as extract:
        for _ in range(5):  # 2 MB of text, a small file
            extract.write(lines)
        extract.write(b"Traceback (most recent call last):\nValueError: the last one\n")
    failures = {"uuids": [uuid], "extracts": {uuid: (tmp_path / "extract.log.gz").as_uri()}}
    path = artifacts.write_json(folder, "failures.json", failures)
    batch = {"failures_path": path, "start": 0, "stop": 1}
    caplog.set_level("INFO", logger=task.__name__)
    task.summarize_failures_task(batch=batch)  # imports done before measuring
    tracemalloc.start()
    try:
        task.summarize_failures_task(batch=batch)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (summary,) = artifacts.read_json(str(folder / "summaries/0-1.json"))
    assert summary["key_error"] == "ValueError: the last one"
    assert summary["last_error_at"] == "2026-11-26 09:00:00"
    assert peak < 1 << 20
    assert (
        "Summarized 1 failed processes, 1 of them from log records." in caplog.text
    )  # reading it whole took 7 times its size
