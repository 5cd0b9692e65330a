"""Records of made-up days for the history tests: failed processes with key errors,
turned into records by the real record builder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from process_report.history.record import record_of_day
from process_report.logs.signatures import error_id, signature

DISK = "OSError: [Errno 28] No space left on device: '/data/{n}/out.mp4'"
TIMEOUT = "TimeoutError: upload to storage-{n}.example.com:443 timed out after {n}0s"
CODEC = "ValueError: unsupported codec in frame {n}"
AUTH = "PermissionError: token for job {n} rejected"


def day_record(day: date, failures: list[tuple[str, str]], written_hour: int = 8) -> dict[str, Any]:
    """The record of `day` whose failures are (client, key error template) pairs; each
    failure gets other numbers, paths and hosts, as on a real day."""
    processes, summaries = [], []
    for n, (client, template) in enumerate(failures):
        key_error = template.format(n=n + day.day)
        uuid = f"{day.isoformat()}-{n}"
        processes.append({"uuid": uuid, "client": client, "category": "failed"})
        summaries.append(
            {"uuid": uuid, "found": True, "key_error": key_error, "signature": signature(key_error)}
        )
    processes.append({"uuid": "ok", "client": "Zed", "category": "finished"})
    counts = {"finished": 1, "failed": len(failures), "running": 0, "other": 0}
    written_at = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    return record_of_day(
        day, counts, processes, summaries, written_at=written_at.replace(hour=written_hour)
    )


def sig(template: str) -> str:
    """The id every failure of this template has, whatever its numbers."""
    return error_id(template.format(n=1))
