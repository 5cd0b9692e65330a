"""One signature's history from real archive files: its days with their runs, first and
last, clients, nothing of a later day, a hostile id refused, and a known_issues entry the
settings accept."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.history import record_of_day
from process_report.history.archive import MAX_RECORD_BYTES
from process_report.history.known_issues import acknowledgement, parse_known_issues
from process_report.logs.signatures import error_id
from process_report.run_files import RunFiles
from process_report.signature_history import (
    UnknownSignatureError,
    day_record,
    run_signatures,
    signature_history,
)

TIMEOUT = "TimeoutError: upload to OneDrive timed out after {n} s"
DISK = "OSError: [Errno 28] No space left on device"


def archive_day(root: str, day: str, failures: list[tuple[str, str]], run_id: str) -> dict:
    """Write the record a run of `day` leaves, with (client, key error) failures."""
    processes = [
        {"uuid": f"u{n}", "client": client, "category": "failed"}
        for n, (client, _) in enumerate(failures)
    ]
    summaries = [
        {"uuid": f"u{n}", "found": True, "key_error": error, "signature": None}
        for n, (_, error) in enumerate(failures)
    ]
    counts = {"failed": len(failures)}
    written = datetime.fromisoformat(f"{day}T07:05:00+00:00")
    record = {
        **record_of_day(day, counts, processes, summaries, written_at=written),
        "run_id": run_id,
    }
    artifacts.write_json(artifacts.run_folder(root, day, run_id), "history.json", record)
    return record


@pytest.fixture
def root(tmp_path):
    root = tmp_path.as_uri()
    archive_day(root, "2026-11-22", [("Acme", TIMEOUT.format(n=30))], "scheduled__22")
    archive_day(root, "2026-11-24", [("Acme", DISK)], "scheduled__24")
    archive_day(
        root,
        "2026-11-25",
        [("Acme", TIMEOUT.format(n=95)), ("Birch", TIMEOUT.format(n=12))],
        "scheduled__25",
    )
    archive_day(root, "2026-11-27", [("Zulu", TIMEOUT.format(n=1))], "scheduled__27")  # later
    return root


def test_a_signature_shows_its_days_runs_clients_first_and_last(root):
    found = signature_history(root, error_id(TIMEOUT.format(n=1)), date(2026, 11, 26), 14)
    assert [(d["day"], d["count"], d["run_id"]) for d in found["days"]] == [
        ("2026-11-22", 1, "scheduled__22"),
        ("2026-11-25", 2, "scheduled__25"),
    ]
    assert (found["first_seen"], found["last_seen"]) == ("2026-11-22", "2026-11-25")
    assert found["clients"] == ["Acme", "Birch"]  # never Zulu: 2026-11-27 is after the day
    assert found["failures"] == 3
    assert (found["days_archived"], found["horizon"]) == (3, 14)
    assert found["first_day"] == "2026-11-13"


def test_a_signature_not_in_the_archive_has_no_days(root):
    found = signature_history(root, "0" * 12, date(2026, 11, 26), 14)
    assert found["days"] == []
    assert found["first_seen"] is None
    assert found["key_error"] is None


@pytest.mark.parametrize("bad", ["../../etc", "ABCDEF012345", "0" * 13, "", "0" * 11 + "/"])
def test_anything_but_a_signature_id_is_refused(root, bad):
    with pytest.raises(UnknownSignatureError):
        signature_history(root, bad, date(2026, 11, 26), 14)


def test_the_entry_to_paste_is_accepted_by_the_settings_and_acknowledges_the_error(root):
    (disk, *_) = [
        row
        for row in run_signatures(json.loads(_record(root, "2026-11-24")))
        if DISK in row["key_error"]
    ]
    entries, problems = parse_known_issues([json.loads(disk["known_issue"])])
    assert problems == []
    ack = acknowledgement(disk["signature"], DISK, entries, date(2026, 11, 26))
    assert ack is not None
    assert not ack["expired"]


def test_a_run_lists_its_signatures_most_failures_first(root):
    rows = run_signatures(json.loads(_record(root, "2026-11-25")))
    assert [(r["count"], r["clients"]) for r in rows] == [(2, ["Acme", "Birch"])]
    assert run_signatures(None) == []


def _record(root: str, day: str) -> str:
    (folder,) = artifacts.run_folder(root, day, "x", create=False).parent.iterdir()
    return (folder / "history.json").read_text()


def test_a_runs_record_is_read_without_following_a_link_and_within_its_size(root, tmp_path):
    day = tmp_path / "2026-11-25"
    (folder,) = day.iterdir()
    files = RunFiles(ObjectStoragePath(root), ("2026-11-25", folder.name))
    assert day_record(files)["report_day"] == "2026-11-25"
    record = folder / "history.json"
    record.rename(folder / "elsewhere.json")
    record.symlink_to(folder / "elsewhere.json")
    assert day_record(files) is None
    record.unlink()
    record.write_bytes(b" " * (MAX_RECORD_BYTES + 1))
    assert day_record(files) is None
