"""Send-record claims raced by separate OS processes on one store: each racer is a
spawned (fresh) interpreter, so nothing is shared with its rival but the store itself,
as with two Airflow workers. Every round both racers are released at one barrier and
try the same record."""

from __future__ import annotations

import multiprocessing
import queue
from typing import Any

from airflow.sdk import ObjectStoragePath

from process_report.send_record import SendRecord

RECORD = {"state": "claimed", "message_id": "<race@test>", "generation": 0, "updated_at": 1.0}
TIMEOUT_S = 120


def record_path(root: str, round_number: int) -> str:
    return f"{root}/round-{round_number}/outbox/send-record-0.json"


def race(root: str, rounds: int, action: str, racers: int = 2) -> list[dict[str, Any]]:
    """Run `rounds` rounds of `action` ("claim" or "take_over") in `racers` processes;
    one result per racer and round: whether it won and, for a claim, whose record it
    then read. The records of a take_over race must have been claimed beforehand."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(racers)
    results = context.Queue()
    processes = [
        context.Process(target=_racer, args=(f"racer-{i}", root, rounds, action, barrier, results))
        for i in range(racers)
    ]
    for process in processes:
        process.start()
    try:
        found = [results.get(timeout=TIMEOUT_S) for _ in range(rounds * racers)]
    except queue.Empty:
        raise AssertionError(f"the racers gave no result within {TIMEOUT_S} s") from None
    finally:
        for process in processes:
            process.join(TIMEOUT_S)
            if process.is_alive():
                process.kill()
    return found


def _racer(name: str, root: str, rounds: int, action: str, barrier, results) -> None:
    # First touch of the store outside the rounds: the connection and the filesystem
    # are set up here, so every round starts both racers equally ready.
    SendRecord(ObjectStoragePath(record_path(root, -1))).read()
    for number in range(rounds):
        record = SendRecord(ObjectStoragePath(record_path(root, number)))
        barrier.wait(TIMEOUT_S)
        try:
            if action == "claim":
                won = record.claim({**RECORD, "owner": name})
                result = {"won": won, "read": record.read()["owner"]}
            else:
                result = {"won": record.take_over(1)}
        except Exception as exc:  # reported, so the test names what went wrong
            result = {"error": f"{type(exc).__name__}: {exc}"}
        results.put({"round": number, "racer": name, **result})
