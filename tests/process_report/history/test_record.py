from __future__ import annotations

import json
from datetime import UTC, date, datetime

from process_report.history.record import record_of_day
from process_report.logs.signatures import NORMALIZATION
from tests.process_report.history.days import CODEC, DISK, day_record, sig


def test_failures_are_grouped_by_signature_id_with_counts_and_clients():
    record = day_record(date(2026, 11, 26), [("Acme", DISK), ("Beta", DISK), ("Acme", CODEC)])
    assert record["report_day"] == "2026-11-26"
    assert record["normalization"] == NORMALIZATION
    assert record["signatures"][sig(DISK)]["count"] == 2
    assert record["signatures"][sig(DISK)]["clients"] == ["Acme", "Beta"]
    assert record["signatures"][sig(CODEC)] == {
        "key_error": CODEC.format(n=28),
        "count": 1,
        "clients": ["Acme"],
    }
    assert record["clients_failed"] == {"Acme": 2, "Beta": 1}
    assert record["counts"]["failed"] == 3
    json.dumps(record)  # what the compose task writes as history.json


def test_a_failure_without_log_records_counts_for_its_client_but_has_no_signature():
    processes = [
        {"uuid": "a", "client": "Acme", "category": "failed"},
        {"uuid": "b", "client": "Beta", "category": "failed"},
        {"uuid": "c", "client": "Beta", "category": "running"},
    ]
    summaries = [{"uuid": "a", "found": False, "key_error": None, "signature": None}]
    record = record_of_day(
        "2026-11-26",
        {"failed": 2},
        processes,
        summaries,
        written_at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert record["signatures"] == {}
    assert record["clients_failed"] == {"Acme": 1, "Beta": 1}
    assert record["written_at"] == "2026-11-27T00:00:00+00:00"


def test_logs_that_could_not_be_scanned_leave_counts_and_clients():
    processes = [{"uuid": "a", "client": "Acme", "category": "failed"}]
    record = record_of_day(
        date(2026, 11, 26), {"failed": 1}, processes, None, written_at=datetime.now(UTC)
    )
    assert record["signatures"] == {}
    assert record["clients_failed"] == {"Acme": 1}
