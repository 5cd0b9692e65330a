"""What the email shows of each process, applied as a list is read: the lists cut to
their first rows without reading the rest, the CSV's records without local times."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from process_report.process_store import ListedProcesses, stored_processes
from process_report.report_rows import AllProcesses, ListedView, ProcessView, local_iso

PARIS = ZoneInfo("Europe/Paris")


def record(n: int, category: str, client: str, uri: str | None = None) -> dict:
    return {
        "uuid": f"u-{n}",
        "category": category,
        "client": client,
        "start_time": f"2026-11-26T{10 + n % 10:02d}:00:00+00:00",
        "stop_time": None,
        "ping_time": None,
        "source_uri": uri,
        "notes": [],
    }


def view(videos=None, summaries=None) -> ProcessView:
    return ProcessView(
        summaries=summaries or {}, videos=videos, links=None, clock=(PARIS, PARIS), tz=PARIS
    )


def test_a_list_is_cut_to_its_first_rows_in_the_emails_order():
    processes = [record(n, "finished", ["b", "A", "a"][n % 3]) for n in range(9)]
    with stored_processes({"counts": {}}, processes) as store:
        listed = ListedView(store, "finished", view())
        assert len(listed) == 9
        assert [p["uuid"] for p in listed[:4]] == ["u-1", "u-2", "u-4", "u-5"]
        assert [p["uuid"] for p in listed][:4] == ["u-1", "u-2", "u-4", "u-5"]
        with pytest.raises(TypeError):
            listed[2:4]


def test_the_csv_records_keep_stored_times_and_the_lists_add_local_ones():
    source = ListedProcesses({"processes": [record(1, "running", "A")], "counts": {}})
    (exported,) = AllProcesses(source, view())
    (shown,) = ListedView(source, "running", view())
    assert "start_local" not in exported
    assert (
        shown["start_local"] == local_iso(exported["start_time"], PARIS) == ("2026-11-26 12:00 CET")
    )
    assert {k: v for k, v in shown.items() if not k.endswith("_local")} == exported


def test_a_source_with_a_password_is_shown_without_it_and_not_linked():
    source = ListedProcesses(
        {
            "processes": [record(1, "running", "A", "rtsp://cam:hunter2@cams.example/1")],
            "counts": {},
        }
    )
    (shown,) = ListedView(source, "running", view())
    assert "hunter2" not in shown["source_shown"]
    assert shown["source_link"] is None


def test_a_finished_process_without_a_found_video_is_missing_only_when_looked_up():
    source = ListedProcesses({"processes": [record(1, "finished", "A")], "counts": {}})
    (not_looked_up,) = ListedView(source, "finished", view(videos=None))
    (looked_up,) = ListedView(source, "finished", view(videos={}))
    assert not not_looked_up["video_missing"]
    assert looked_up["video_missing"]
