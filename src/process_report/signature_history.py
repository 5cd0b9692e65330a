"""What the report viewer shows of one error signature over time, from the archive: the
report days it appeared on (each with its count, clients and the run that reported it,
for a link to that day's report), its first and last day, all its clients, and the
exact `known_issues` entry to paste into the settings to acknowledge it.

It reads the same day records the report's history reads (history/archive.py: the
latest run of each day, hostile files skipped), so the viewer and the email never
disagree. Plain inputs and outputs; no Airflow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from process_report.history import RECORD_FILE, read_past
from process_report.history.archive import MAX_RECORD_BYTES
from process_report.run_files import RunFiles

SIGNATURE_ID = re.compile(r"^[0-9a-f]{12}$")
NOTE_PLACEHOLDER = "what is known about it, and who owns it"


class UnknownSignatureError(ValueError):
    """Not a signature id (12 lowercase hex digits)."""


def signature_history(root: Any, signature_id: str, report_day: date, days: int) -> dict[str, Any]:
    """The signature's days among the `days` report days ending on `report_day`, oldest
    first, and what they add up to. `root` is the artifacts root (see read_past)."""
    if not SIGNATURE_ID.fullmatch(signature_id):
        raise UnknownSignatureError(f"{signature_id[:40]!r} is not a signature id")
    past = read_past(root, report_day + timedelta(days=1), days)
    seen = []
    for entry in reversed(past["days"]):
        record = entry["record"]
        found = (record or {}).get("signatures", {}).get(signature_id)
        if found:
            seen.append(
                {
                    "day": entry["day"],
                    "count": found["count"],
                    "clients": list(found["clients"]),
                    "key_error": found["key_error"],
                    "run_id": record.get("run_id"),
                }
            )
    key_error = seen[-1]["key_error"] if seen else None
    return {
        "signature": signature_id,
        "key_error": key_error,
        "days": seen,
        "first_seen": seen[0]["day"] if seen else None,
        "last_seen": seen[-1]["day"] if seen else None,
        "clients": sorted({client for day in seen for client in day["clients"]}),
        "failures": sum(day["count"] for day in seen),
        "days_archived": sum(1 for entry in past["days"] if entry["record"] is not None),
        "horizon": days,
        "first_day": past["days"][-1]["day"],
        "problems": list(past["problems"]),
        "known_issue": known_issue_entry(signature_id),
    }


def day_record(files: RunFiles) -> Any:
    """A run's history.json (its day's errors by signature), read without following a
    link, when it left one of a record's size; run_signatures checks its shape."""
    try:
        with files.open(RECORD_FILE) as handle:
            data = handle.read(MAX_RECORD_BYTES + 1)
        return json.loads(data) if len(data) <= MAX_RECORD_BYTES else None
    except (OSError, ValueError):
        return None


def run_signatures(record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A day record's signatures, most failures first, each with its id and the
    `known_issues` entry that acknowledges it; [] without a record. Entries that are
    not as record_of_day writes them are left out: the viewer reads whatever the run's
    folder holds."""
    signatures = (record or {}).get("signatures")
    if not isinstance(signatures, Mapping):
        return []
    rows = [
        {
            "signature": sig,
            "key_error": entry["key_error"],
            "count": entry["count"],
            "clients": [str(client) for client in entry["clients"]],
            "known_issue": known_issue_entry(sig),
        }
        for sig, entry in signatures.items()
        if SIGNATURE_ID.fullmatch(str(sig)) and _well_formed(entry)
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["signature"]))


def _well_formed(entry: Any) -> bool:
    """A record's signature entry as record_of_day writes it (the file may be anything)."""
    return (
        isinstance(entry, Mapping)
        and isinstance(entry.get("key_error"), str)
        and isinstance(entry.get("count"), int)
        and isinstance(entry.get("clients"), list)
    )


def known_issue_entry(signature_id: str) -> str:
    """The JSON to add to the `known_issues` list of the settings: by id, with the note
    to write (required); `ticket` (an http(s) URL) and `until` (YYYY-MM-DD) may follow."""
    return json.dumps({"signature": signature_id, "note": NOTE_PLACEHOLDER})
