"""The stored processes read back in the same orders as the records held in memory, so
a big day's email is the one the in-memory report made, byte for byte."""

from __future__ import annotations

import gc
import io
import json
import tracemalloc
import zipfile
from datetime import datetime

import pytest
from airflow.sdk import ObjectStoragePath
from hypothesis import given, settings
from hypothesis import strategies as st

from process_report import report
from process_report.process_records import write_records
from process_report.process_store import ListedProcesses, stored_processes
from process_report.processes import CATEGORIES, WindowTally
from process_report.report import report_email
from process_report.tasks.compose_report import report_inputs as stored_inputs
from tests.support.report_days import extract_text, report_inputs

CLIENTS = ["acme", "Acme", "ACME", "Zeta", "zeta", "Ärzte", "ärzte", "Éclair", "b", "\ud800x"]
TIMES = [None, "2026-11-26T08:00:00+00:00", "2026-11-26T09:00:00+00:00"]

records = st.lists(
    st.fixed_dictionaries(
        {
            "category": st.sampled_from(CATEGORIES),
            "client": st.sampled_from(CLIENTS) | st.text(max_size=6),
            "start_time": st.sampled_from(TIMES),
            "uuid": st.sampled_from([None, "u1", "u2", "U1", "ü"]),
            "n": st.integers(),
        }
    ),
    max_size=60,
)


def _summary(processes: list[dict]) -> dict:
    return {"processes": processes, "counts": {"total": len(processes)}}


@settings(max_examples=60, deadline=None)
@given(records)
def test_stored_lists_come_in_the_in_memory_order_with_ties_in_query_order(processes):
    listed = ListedProcesses(_summary(processes))
    with stored_processes({"counts": {}}, processes) as stored:
        assert list(stored.records()) == processes
        for category in CATEGORIES:
            expected = list(listed.listed(category))
            assert list(stored.listed(category)) == expected
            assert list(stored.listed(category, 3)) == expected[:3]
            assert stored.count(category) == listed.count(category) == len(expected)


def test_a_later_lookup_of_a_uuid_replaces_an_earlier_as_in_a_dict():
    pairs = [("u1", {"v": 1}), ("u2", {"v": 2}), ("u1", {"v": 3})]
    with stored_processes({"counts": {}}, [], {"videos": pairs}) as stored:
        videos = stored.lookup("videos")
        assert dict(videos) == dict(pairs)
        assert videos.get("u3") is None
        assert len(videos) == 2


def test_a_record_of_an_unknown_category_is_refused_not_left_out():
    lost = {"category": "lost", "client": "a", "start_time": None, "uuid": "u"}
    with (
        pytest.raises(ValueError, match="category"),
        stored_processes({"counts": {}}, [lost]),
    ):
        pass


def _unzipped(attachments) -> dict[str, bytes]:
    files = {}
    for a in attachments:
        if a.name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(a.data)) as archive:
                files.update({f"{a.name}/{n}": archive.read(n) for n in archive.namelist()})
        else:
            files[a.name] = a.data
    return files


def _stored_email(inputs: dict):
    data = inputs.pop("process_data")
    summary = {k: v for k, v in data.items() if k != "processes"}
    failures, videos = inputs.pop("failures"), inputs.pop("videos")
    lookups = {"failures": ((f["uuid"], f) for f in failures), "videos": iter(videos.items())}
    with stored_processes(summary, iter(data["processes"]), lookups) as store:
        return report_email(
            **inputs,
            process_data=store,
            failures=store.lookup("failures"),
            videos=store.lookup("videos"),
            read_extract=extract_text,
        )


def _mixed_case_day(count: int) -> dict:
    """report_inputs' day with clients that differ only in case and accents and ties in
    the list order, as a big day has them."""
    inputs = report_inputs(count)
    for n, p in enumerate(inputs["process_data"]["processes"]):
        p["client"] = CLIENTS[n % 9]
        if n % 5 == 0:
            p["start_time"] = "2026-11-26T09:00:00+00:00"
    return inputs


def test_the_email_from_stored_processes_is_the_in_memory_one_on_a_small_day():
    memory = report_email(**_mixed_case_day(40), read_extract=extract_text)
    stored = _stored_email(_mixed_case_day(40))
    assert stored.body == memory.body
    assert stored.row_limit is None
    assert _unzipped(stored.attachments) == _unzipped(memory.attachments)


def test_the_email_from_stored_processes_is_the_in_memory_one_on_a_cut_day():
    memory = report_email(**_mixed_case_day(6000), read_extract=extract_text)
    stored = _stored_email(_mixed_case_day(6000))
    assert memory.row_limit is not None  # the body was cut and the full report attached
    assert stored.body == memory.body
    assert stored.row_limit == memory.row_limit
    names = [a.name for a in stored.attachments]
    assert "full-report.html.zip" in names or "full-report.html" in names
    assert _unzipped(stored.attachments) == _unzipped(memory.attachments)


def test_the_csv_lists_every_process_in_the_query_order():
    inputs = _mixed_case_day(2000)
    uuids = [p["uuid"] for p in inputs["process_data"]["processes"]]
    files = _unzipped(_stored_email(inputs).attachments)
    csv = files.get("processes.csv") or files["processes.csv.zip/processes.csv"]
    lines = csv.decode().splitlines()[1:]
    assert [line.split(",")[2] for line in lines] == uuids


def test_reading_the_store_keeps_its_records_out_of_memory():
    """A day of 30,000 records (~30 MB as Python objects) is read back, every list in
    order, with a few MB of Python memory: records are decoded one at a time."""

    big = "x" * 600
    processes = (
        {
            "category": CATEGORIES[n % 4],
            "client": f"client {n % 300}",
            "start_time": datetime(2026, 11, 26, n % 24).isoformat(),
            "uuid": f"{n:032x}",
            "padding": big,
        }
        for n in range(30_000)
    )
    with stored_processes({"counts": {}}, processes) as stored:
        tracemalloc.start()
        seen = sum(1 for _ in stored.records())
        seen += sum(1 for category in CATEGORIES for _ in stored.listed(category))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seen == 60_000
    assert peak < 5_000_000, f"{peak / 1e6:.1f} MB held while reading"


def test_a_30000_process_days_email_from_its_stored_records_holds_a_few_tens_of_mb(
    tmp_path, monkeypatch
):
    """The email task's whole path on a big day (processes.jsonl read into the store,
    the body rendered and cut, the CSV of every process and the full report attached,
    both zipped as written) with tracemalloc on: its peak (~35 MB, most of it the
    body's first cut of 1,000 rows a list, which does not grow with the day) stays
    below what the day's records alone take as Python objects (~65 MB), measured here
    too. All of it in this process, where tracemalloc sees it: the task renders the
    full report in a child process, which runs the same code. About 45 s: tracemalloc
    slows rendering sevenfold."""
    monkeypatch.setattr(report, "RENDER_BESIDE_FROM", 10**9)
    inputs = report_inputs(30_000)
    data = inputs.pop("process_data")
    tally = WindowTally()
    records = data.pop("processes")
    for p in records:
        tally.count(p)
    url = write_records(ObjectStoragePath(tmp_path.as_uri()), iter(records), tally)
    failures, videos = inputs.pop("failures"), inputs.pop("videos")
    (tmp_path / "failures.json").write_text(json.dumps(failures))
    (tmp_path / "videos.json").write_text(json.dumps(videos))
    del records, failures, videos, data
    gc.collect()

    tracemalloc.start()
    held = [json.loads(line) for line in (tmp_path / "processes.jsonl").open()]
    records_size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del held
    # the failure summaries and video lookups come from their batch files, each read
    # whole by the task (a batch's worth): loaded before tracing, they are not counted
    failures = iter(json.loads((tmp_path / "failures.json").read_text()))
    videos = iter(json.loads((tmp_path / "videos.json").read_text()).items())
    gc.collect()
    tracemalloc.start()
    with stored_inputs({"processes_path": url}, failures, videos) as (store, found, looked_up):
        del failures, videos
        email = report_email(
            **inputs, process_data=store, failures=found, videos=looked_up, read_extract=None
        )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    files = _unzipped(email.attachments)
    assert files["processes.csv.zip/processes.csv"].count(b"\n") == 30_001
    assert email.row_limit is not None
    assert "full-report.html.zip/full-report.html" in files
    assert records_size > 60_000_000, f"{records_size / 1e6:.0f} MB as records"
    assert peak < 40_000_000, f"{peak / 1e6:.1f} MB peak vs {records_size / 1e6:.0f} MB"


@pytest.mark.parametrize(
    "count", [40, 500, 6000], ids=["whole-body", "report-kept-body-cut", "report-zipped"]
)
def test_the_email_with_the_complete_report_rendered_in_a_child_is_the_one_rendered_here(
    count, monkeypatch
):
    # From 1 process on every day forks: also the days whose complete report turns out
    # to fit (the body cut in the meantime is then thrown away).
    monkeypatch.setattr(report, "RENDER_BESIDE_FROM", 1)
    forked = _stored_email(_mixed_case_day(count))
    monkeypatch.setattr(report, "RENDER_BESIDE_FROM", 10**9)
    here = _stored_email(_mixed_case_day(count))
    assert forked.body == here.body
    assert forked.row_limit == here.row_limit
    assert [a.name for a in forked.attachments] == [a.name for a in here.attachments]
    assert _unzipped(forked.attachments) == _unzipped(here.attachments)
