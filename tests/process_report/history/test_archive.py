from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.history.archive import MAX_RECORD_BYTES, read_past
from process_report.history.lifecycle import compare
from process_report.history.record import RECORD_FILE
from process_report.logs.signatures import NORMALIZATION, error_id
from tests.process_report.history.days import CODEC, DISK, TIMEOUT, day_record, sig

D = date(2026, 11, 26)


def archive(root: str, record: dict, run_id: str) -> None:
    """Leave `record` where the compose task of `run_id` leaves it."""
    folder = artifacts.run_folder(root, record["report_day"], run_id)
    artifacts.write_json(folder, RECORD_FILE, record)


@pytest.mark.parametrize("given", ["url", "path", "object_storage_path"])
def test_each_day_reads_the_latest_run_and_a_day_without_one_is_a_gap(tmp_path, given):
    """The root as the settings give it (a file:// URL or a folder), or as the task
    passes it (an ObjectStoragePath, which reaches object storage by its connection)."""
    root = f"file://{tmp_path}"
    early = day_record(D - timedelta(days=1), [("Acme", DISK)], written_hour=8)
    rerun = day_record(D - timedelta(days=1), [("Acme", CODEC)], written_hour=11)
    archive(root, rerun, "manual__a_rerun")  # sorts before the scheduled run's folder
    archive(root, early, "scheduled__2026-11-25")
    (tmp_path / "2026-11-24" / "a-run-that-failed-before-its-report").mkdir(parents=True)
    roots = {"url": root, "path": str(tmp_path), "object_storage_path": ObjectStoragePath(root)}
    past = read_past(roots[given], D, 3)
    assert [d["day"] for d in past["days"]] == ["2026-11-25", "2026-11-24", "2026-11-23"]
    assert past["days"][0]["record"]["signatures"].keys() == {sig(CODEC)}
    assert past["days"][1]["record"] is None
    assert past["days"][2]["record"] is None
    assert past["problems"] == []


def test_reading_day_d_ignores_day_d_and_every_later_day(tmp_path):
    root = str(tmp_path)  # a plain folder works as well as a file:// URL
    for back in (1, 2, 3):
        archive(root, day_record(D - timedelta(days=back), [("Acme", DISK)]), f"run{back}")
    today = day_record(D, [("Acme", DISK), ("Beta", TIMEOUT)])
    before = compare(today, read_past(root, D, 14), [], D)
    archive(root, day_record(D, [("Beta", CODEC)]), "same-day")
    archive(root, day_record(D + timedelta(days=1), [("Beta", TIMEOUT)]), "later")
    archive(root, day_record(D + timedelta(days=9), [("Acme", CODEC)]), "much-later")
    after = compare(today, read_past(root, D, 14), [], D)
    assert after == before
    assert before["signatures"][sig(TIMEOUT)]["state"] == "new"
    assert before["signatures"][sig(DISK)]["streak"] == 4


def test_broken_or_foreign_records_are_skipped_with_a_note(tmp_path):
    root = str(tmp_path)
    day = (D - timedelta(days=1)).isoformat()
    good = day_record(D - timedelta(days=1), [("Acme", DISK)])
    archive(root, good, "good")
    bad = {
        "half-written": '{"version": 1, "report_day": "' + day,
        "other-day": json.dumps({**good, "report_day": "2026-11-20"}),
        "bool-count": json.dumps(
            {
                **good,
                "written_at": "2026-11-30T00:00:00+00:00",
                "signatures": {"x": {"key_error": "e", "count": True, "clients": []}},
            }
        ),
        "naive-time": json.dumps({**good, "written_at": "2026-11-30T00:00:00"}),
        "not-an-object": "[1, 2]",
        "huge": " " * (MAX_RECORD_BYTES + 1),
    }
    for run_id, text in bad.items():
        folder = artifacts.run_folder(root, day, run_id)
        artifacts.write_text(folder, RECORD_FILE, text)
    past = read_past(root, D, 1)
    assert past["days"][0]["record"]["signatures"].keys() == {sig(DISK)}
    assert len(past["problems"]) == len(bad)
    assert all(p.startswith(f"{day}/") and "skipped" in p for p in past["problems"])
    assert any("it is the record of '2026-11-20'" in p for p in past["problems"])


def test_a_record_of_an_older_normalization_is_rekeyed_from_its_key_errors(tmp_path):
    root = str(tmp_path)
    old = day_record(D - timedelta(days=1), [])
    old["normalization"] = NORMALIZATION - 1
    # the old rules kept the port, so one error had two ids; today's rules merge them
    old["signatures"] = {
        "000000000001": {"key_error": TIMEOUT.format(n=3), "count": 2, "clients": ["Acme"]},
        "000000000002": {"key_error": TIMEOUT.format(n=7), "count": 1, "clients": ["Beta"]},
    }
    archive(root, old, "run")
    record = read_past(root, D, 1)["days"][0]["record"]
    assert record["normalization"] == NORMALIZATION
    assert record["rekeyed_from"] == NORMALIZATION - 1
    assert record["signatures"] == {
        error_id(TIMEOUT.format(n=3)): {
            "key_error": TIMEOUT.format(n=3), "count": 3, "clients": ["Acme", "Beta"],
        }
    }  # fmt: skip
    today = day_record(D, [("Acme", TIMEOUT)])
    assert compare(today, read_past(root, D, 1), [], D)["signatures"][sig(TIMEOUT)]["state"] == (
        "ongoing"
    )


def test_a_missing_archive_root_is_a_first_run(tmp_path):
    past = read_past(str(tmp_path / "nothing-yet"), D, 14)
    assert len(past["days"]) == 14
    assert all(d["record"] is None for d in past["days"])
    assert compare(day_record(D, [("Acme", DISK)]), past, [], D)["first_run"] is True


def test_a_backfill_in_order_builds_the_history_and_a_rerun_gives_the_original_day(tmp_path):
    """Days 11-20 .. 11-26 run in order, each reading the archive and leaving its record,
    as the DAG's compose task does; 11-23 has no report (its run failed). Then 11-24 is
    rerun after every later day exists: same lifecycle as the first time."""
    root = str(tmp_path)
    plan = {
        20: [("Acme", DISK)],
        21: [("Acme", DISK), ("Beta", TIMEOUT)],
        22: [("Acme", DISK)],
        23: None,  # gap
        24: [("Acme", DISK), ("Beta", TIMEOUT), ("Cine", CODEC)],
        25: [("Acme", DISK), ("Cine", CODEC)],
        26: [("Beta", TIMEOUT), ("Cine", CODEC)],
    }
    results = {}
    for day_of_month, failures in plan.items():
        day = date(2026, 11, day_of_month)
        if failures is None:
            continue
        today = day_record(day, failures)
        results[day_of_month] = compare(today, read_past(root, day, 14), [], day)
        archive(root, today, f"scheduled__{day.isoformat()}")

    def state(day_of_month: int, template: str) -> tuple:
        s = results[day_of_month]["signatures"][sig(template)]
        return s["state"], s["streak"], s["since"], s["away_days"]

    assert results[20]["first_run"] is True
    assert state(21, DISK) == ("ongoing", 2, "2026-11-20", None)
    assert state(21, TIMEOUT) == ("new", 1, "2026-11-21", None)
    assert [g["signature"] for g in results[22]["not_seen_today"]] == [sig(TIMEOUT)]
    assert results[24]["gaps"] == ["2026-11-23"]
    assert state(24, DISK) == ("ongoing", 4, "2026-11-20", None)
    assert state(24, TIMEOUT) == ("back", 1, "2026-11-24", 3)
    assert state(25, CODEC) == ("ongoing", 2, "2026-11-24", None)
    assert state(26, TIMEOUT) == ("back", 1, "2026-11-26", 2)
    assert [g["signature"] for g in results[26]["not_seen_today"]] == [sig(DISK)]
    assert results[26]["not_seen_today"][0]["streak"] == 5

    day = date(2026, 11, 24)
    rerun = day_record(day, plan[24], written_hour=15)
    assert compare(rerun, read_past(root, day, 14), [], day) == results[24]
