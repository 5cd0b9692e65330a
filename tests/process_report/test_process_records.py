"""The window's records go to processes.jsonl as they stream past, duplicates noted on
each of their records, and come back one at a time, from either layout of a run."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import process_records
from process_report.process_records import (
    RecordsFileError,
    read_category,
    read_records,
    read_summary,
)
from process_report.processes import (
    RECORDS_FILE,
    WindowTally,
    categorize,
    categorized,
)

END = datetime(2026, 11, 27, 7, tzinfo=UTC)


def rows(count: int, duplicate_every: int = 0):
    for n in range(count):
        uuid = f"u-{n - 1 if duplicate_every and n % duplicate_every == 0 and n else n}"
        yield {
            "process_uuid": uuid,
            "client_id": n % 7,
            "client_name": f"Client {n % 7}" if n % 11 else "",
            "api_key": f"key-{n % 7}",
            "status_name": ["Finished", "Failed", "Running", "Queued"][n % 4],
            "status_id": n % 4,
            "start_time": END - timedelta(minutes=n + 30),
            "ping_time": END - timedelta(minutes=n % 90),
            "stop_time": None if n % 4 in (2, 3) else END - timedelta(minutes=n % 29),
        }


def written(folder, source, **options):
    tally = WindowTally()
    records = categorized(source, tally, window_end=END, hung_after_minutes=60, **options)
    return process_records.write_records(folder, records, tally)


def test_the_stored_records_and_summary_are_what_categorize_makes_in_memory(tmp_path):
    folder = ObjectStoragePath(tmp_path.as_uri())
    url = written(folder, rows(500, duplicate_every=97), skip_api_keys=frozenset({"key-3"}))
    in_memory = categorize(
        list(rows(500, duplicate_every=97)),
        window_end=END,
        hung_after_minutes=60,
        skip_api_keys=frozenset({"key-3"}),
    )
    assert list(read_records(url)) == in_memory.processes
    summary = read_summary(url)
    assert summary["counts"] == in_memory.counts
    assert summary["data_quality"] == in_memory.data_quality
    assert summary["skipped_test_processes"] == in_memory.skipped_test_processes > 0
    assert any("appears in 2 rows" in note for note in summary["data_quality"])


def test_one_record_a_line_in_the_query_order_whatever_the_text_holds(tmp_path):
    folder = ObjectStoragePath(tmp_path.as_uri())
    odd = [{**row, "client_name": "Line\nbreak \u2028 and \u2029 \U0001f680"} for row in rows(3)]
    url = written(folder, odd)
    lines = (tmp_path / RECORDS_FILE).read_bytes().splitlines()
    assert len(lines) == 3
    assert [json.loads(line)["uuid"] for line in lines] == ["u-0", "u-1", "u-2"]
    assert next(read_records(url))["client"] == "Line\nbreak \u2028 and \u2029 \U0001f680"


def test_a_category_is_read_without_the_others(tmp_path):
    folder = ObjectStoragePath(tmp_path.as_uri())
    url = written(folder, rows(40))
    failed = list(read_category(url, "failed"))
    assert {p["category"] for p in failed} == {"failed"}
    assert len(failed) == read_summary(url)["counts"]["failed"] > 0


def test_a_run_archived_before_the_records_were_streamed_is_read_too(tmp_path):
    old = categorize(list(rows(20)), window_end=END, hung_after_minutes=60).to_dict()
    (tmp_path / "processes.json").write_text(json.dumps(old))
    url = (tmp_path / "processes.json").as_uri()
    assert list(read_records(url)) == old["processes"]
    assert "processes" not in read_summary(url)
    assert read_summary(url)["counts"] == old["counts"]


def test_writing_a_big_window_holds_no_records(tmp_path):
    """50,000 records (~100 MB as Python objects) are written holding a few MB: the
    spool and the tally's UUIDs, never the records."""
    folder = ObjectStoragePath(tmp_path.as_uri())
    tracemalloc.start()
    url = written(folder, rows(50_000, duplicate_every=10_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert read_summary(url)["counts"]["total"] == 50_000
    assert peak < 20_000_000, f"{peak / 1e6:.1f} MB held while writing"


def test_object_storage_gets_the_records_as_written(tmp_path):
    folder = ObjectStoragePath("memory://records-test/2026-11-26/run")
    url = written(folder, rows(30, duplicate_every=7))
    assert url == "memory://records-test/2026-11-26/run/processes.json"
    assert len(list(read_records(url))) == 30


def _damaged(tmp_path, damage) -> str:
    """A run's records written whole, then `damage(bytes) -> bytes | None` done to the
    file (None: the file is gone), as a full disk or a lost upload leaves it."""
    url = written(ObjectStoragePath(tmp_path.as_uri()), rows(30))
    path = tmp_path / RECORDS_FILE
    data = damage(path.read_bytes())
    if data is None:
        path.unlink()
    else:
        path.write_bytes(data)
    return url


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda data: None, "is missing"),
        (lambda data: data[: len(data) // 2], "ends in the middle of its line"),
        (lambda data: data.replace(b"\n", b"\n\x00\x00\x00\n", 1), "on line 2 of it"),
        (lambda data: b"".join(data.splitlines(keepends=True)[:20]), "holds 20 records"),
        (lambda data: data + data.splitlines(keepends=True)[0], "holds 31 records"),
    ],
    ids=["missing", "cut-mid-line", "not-json", "lost-whole-lines", "a-line-too-many"],
)
def test_a_damaged_records_file_is_an_error_naming_it_never_fewer_records(tmp_path, damage, said):
    url = _damaged(tmp_path, damage)
    with pytest.raises(RecordsFileError) as caught:
        for _ in read_records(url):
            pass
    message = str(caught.value)
    assert said in message
    assert str(tmp_path / RECORDS_FILE) in message
    assert "fetch_processes" in message  # what to do: read the window again


@pytest.mark.parametrize(
    "content", [None, '{"counts": {"total"', "[]"], ids=["missing", "cut", "not-a-summary"]
)
def test_a_damaged_summary_is_an_error_naming_it(tmp_path, content):
    url = written(ObjectStoragePath(tmp_path.as_uri()), rows(3))
    summary = tmp_path / "processes.json"
    if content is None:
        summary.unlink()
    else:
        summary.write_text(content)
    for read in (read_summary, lambda url: list(read_records(url))):
        with pytest.raises(RecordsFileError, match="fetch_processes") as caught:
            read(url)
        assert str(summary) in str(caught.value)
