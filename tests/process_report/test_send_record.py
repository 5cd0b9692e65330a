"""The send record's storage: exclusive creation with its content, whole replacement,
one winner per takeover, unreadable records named, unsafe stores refused."""

from __future__ import annotations

import json
import threading

import pytest
from upath import UPath

from process_report.send_record import BrokenSendRecordError, SendRecord, SendRecordError

RECORD = {"state": "claimed", "message_id": "<a@b>", "generation": 0, "updated_at": 1.0}


def racing(count, action):
    """Run `action(i)` in `count` threads released at the same moment; each one's
    result, or the exception it raised."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(i):
        start.wait()
        try:
            results[i] = action(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_of_many_simultaneous_claims_exactly_one_wins_and_losers_read_it_whole(tmp_path):
    record = SendRecord(UPath(tmp_path / "outbox" / "send-record-0.json"))

    def claim_then_read(i):
        won = record.claim({**RECORD, "owner": f"attempt-{i}", "padding": "x" * 200_000})
        return won, record.read()["owner"]  # a loser reads at once, as sending does

    results = racing(8, claim_then_read)
    assert not [r for r in results if isinstance(r, Exception)]
    winners = [i for i, (won, _) in enumerate(results) if won]
    assert len(winners) == 1
    assert {owner for _, owner in results} == {f"attempt-{winners[0]}"}
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["send-record-0.json"]


def test_readers_never_see_a_half_written_record(tmp_path):
    record = SendRecord(UPath(tmp_path / "send-record-0.json"))
    record.claim(RECORD)
    big = {**RECORD, "padding": "x" * 500_000}
    stop = threading.Event()
    seen = []

    def read_until_stopped():
        while not stop.is_set():
            try:
                seen.append(record.read()["state"])
            except BrokenSendRecordError as exc:  # a torn read
                seen.append(exc)

    reader = threading.Thread(target=read_until_stopped)
    reader.start()
    try:
        for n in range(40):
            record.write({**big, "state": f"write-{n}"})
    finally:
        stop.set()
        reader.join(30)
    assert seen
    assert not [s for s in seen if isinstance(s, Exception)]
    assert record.read()["state"] == "write-39"


def test_an_abandoned_record_is_taken_over_by_one_attempt_per_generation(tmp_path):
    record = SendRecord(UPath(tmp_path / "send-record-0.json"))
    record.claim(RECORD)
    assert racing(6, lambda i: record.take_over(1)).count(True) == 1
    assert record.take_over(2)
    assert not record.take_over(2)


@pytest.mark.parametrize(
    ("content", "reason"),
    [('{"state": "sen', "is not JSON"), (json.dumps({"state": "sent"}), "lacks message_id")],
)
def test_an_unreadable_record_is_an_error_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "send-record-0.json"
    path.write_text(content)
    with pytest.raises(BrokenSendRecordError, match=reason) as caught:
        SendRecord(UPath(path)).read()
    assert str(path) in str(caught.value)


def test_a_missing_record_reads_as_none(tmp_path):
    assert SendRecord(UPath(tmp_path / "send-record-0.json")).read() is None


def test_object_storage_claims_with_an_exclusive_put_and_writes_whole_objects():
    record = SendRecord(UPath("memory://reports/2026-11-26/run/outbox/send-record-0.json"))
    assert record.claim(RECORD)
    assert not record.claim({**RECORD, "owner": "second"})
    record.write({**RECORD, "state": "sent"})
    assert record.read()["state"] == "sent"
    assert record.take_over(1)
    assert not record.take_over(1)


def test_a_store_without_exclusive_create_is_refused_naming_the_setting():
    with pytest.raises(SendRecordError, match="ftp:// cannot create a file exclusively"):
        SendRecord(UPath("ftp://example.invalid/reports/send-record-0.json"))
