"""The send record's storage: exclusive creation with its content, whole replacement,
one winner per takeover, unreadable records named, unsafe stores refused; on S3 (a real
S3-compatible server) by separate processes racing through conditional PUTs."""

from __future__ import annotations

import json
import threading

import pytest
from upath import UPath

from process_report.send_record import BrokenSendRecordError, SendRecord, SendRecordError
from tests.support.claim_race import RECORD as RACE_RECORD
from tests.support.claim_race import race, record_path

ROUNDS = 25

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


def test_two_processes_claiming_the_same_record_on_s3_leave_exactly_one_winner(s3, s3_root):
    results = race(s3_root, ROUNDS, "claim")
    assert not [r for r in results if "error" in r]
    for number in range(ROUNDS):
        this_round = [r for r in results if r["round"] == number]
        (winner,) = [r["racer"] for r in this_round if r["won"]]
        assert {r["read"] for r in this_round} == {winner}  # the loser reads the winner's
        key = record_path(s3_root, number).split(f"{s3.bucket}/", 1)[1]
        stored = s3.client().get_object(Bucket=s3.bucket, Key=key)["Body"].read()
        assert json.loads(stored)["owner"] == winner
    prefix = s3_root.split(f"{s3.bucket}/", 1)[1]
    assert len(s3.keys(prefix)) == ROUNDS  # nothing but the records


def test_two_processes_taking_over_the_same_record_on_s3_leave_exactly_one_winner(s3, s3_root):
    from airflow.sdk import ObjectStoragePath

    for number in range(ROUNDS):
        assert SendRecord(ObjectStoragePath(record_path(s3_root, number))).claim(RACE_RECORD)
    results = race(s3_root, ROUNDS, "take_over")
    assert not [r for r in results if "error" in r]
    for number in range(ROUNDS):
        assert [r["won"] for r in results if r["round"] == number].count(True) == 1
    prefix = s3_root.split(f"{s3.bucket}/", 1)[1]
    markers = [k for k in s3.keys(prefix) if k.endswith(".takeover-1")]
    assert len(markers) == ROUNDS


def test_a_record_another_worker_wrote_on_s3_is_never_replaced_and_always_read(s3, s3_root):
    """This process listed the outbox before another worker's record existed: its claim
    still loses (the PUT itself carries `If-None-Match: *`, no listing is trusted) and
    its read finds the record (a listing cached by the filesystem is not trusted)."""
    from airflow.sdk import ObjectStoragePath

    record = SendRecord(ObjectStoragePath(f"{s3_root}/outbox/send-record-0.json"))
    outbox = record.path.parent
    s3.client().put_object(Bucket=s3.bucket, Key=f"{outbox.key}/message.eml", Body=b"x")
    assert [p.name for p in outbox.iterdir()] == ["message.eml"]  # now listed, cached
    other = json.dumps({**RECORD, "owner": "other worker"}).encode()
    s3.client().put_object(Bucket=s3.bucket, Key=record.path.key, Body=other)
    assert not record.claim({**RECORD, "owner": "this worker"})
    assert record.read()["owner"] == "other worker"
    stored = s3.client().get_object(Bucket=s3.bucket, Key=record.path.key)["Body"].read()
    assert stored == other
