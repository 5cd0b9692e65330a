"""What a run leaves for the days after it: `history.json`, the day's record.

It is the compose task's last write, so its presence means the run produced a report.
It keeps counts and, per signature id, one key error (already redacted: it comes from a
redacted extract), how many failures had it and which clients: small (hundreds of
signatures on a bad day), so reading two weeks of them costs milliseconds. The key
error is what lets a later version re-key the day when the signature rules change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from process_report.logs.signatures import NORMALIZATION, signature, signature_id

RECORD_FILE = "history.json"
RECORD_VERSION = 1
FAILED = "failed"


def record_of_day(
    report_day: date | str,
    counts: Mapping[str, int],
    processes: Iterable[Mapping[str, Any]],
    summaries: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]] | None,
    *,
    written_at: datetime,
) -> dict[str, Any]:
    """The record of `report_day`: `counts` as fetched, the failed `processes` (each with
    `uuid`, `client`, `category`) grouped by the signature of their failure summary
    (`summaries`: those of summarize_failures, any order, or by UUID; None when the logs
    could not be scanned). A failure without a summary or log records counts for its client but
    has no signature: nothing is known of its cause."""
    by_uuid = summaries if isinstance(summaries, Mapping) else _by_uuid(summaries or ())
    clients_failed: Counter[str] = Counter()
    groups: dict[str, dict[str, Any]] = {}
    clients: defaultdict[str, set[str]] = defaultdict(set)
    for process in processes:
        if process.get("category") != FAILED:
            continue
        client = str(process.get("client"))
        clients_failed[client] += 1
        summary = by_uuid.get(process.get("uuid"))
        if summary is None or not (summary.get("found") and summary.get("key_error")):
            continue
        masked = summary.get("signature") or signature(summary["key_error"])
        sig = signature_id(masked)
        group = groups.setdefault(sig, {"key_error": summary["key_error"], "count": 0})
        group["count"] += 1
        clients[sig].add(client)
    return {
        "version": RECORD_VERSION,
        "report_day": _day(report_day),
        "written_at": written_at.astimezone(UTC).isoformat(),
        "normalization": NORMALIZATION,
        "counts": dict(counts),
        "signatures": {
            sig: {**group, "clients": sorted(clients[sig])} for sig, group in sorted(groups.items())
        },
        "clients_failed": dict(sorted(clients_failed.items())),
    }


def _by_uuid(summaries: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {s["uuid"]: s for s in summaries}


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else date.fromisoformat(value).isoformat()
