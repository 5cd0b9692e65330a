"""The records of the report days before D, read from the archive.

The archive is laid out `{root}/{report_day}/{run}/` (artifacts.run_folder); each run
that produced a report left `history.json` there as its last write. For each day D-1 ..
D-days the latest record (greatest `written_at`) is taken: a rerun replaces that day's
earlier run. Days >= D are never looked at, which is what makes a rerun or a backfill of
D give D's report again however many later days exist.

The archive may hold anything: a half-written or hand-edited file, a huge one, another
day's record copied into the wrong folder. Such a file is skipped with a note (the day
is then read from its other runs, or is a gap), never trusted, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from process_report.history.record import RECORD_FILE, RECORD_VERSION
from process_report.logs.signatures import NORMALIZATION, error_id

MAX_RECORD_BYTES = 8 * 1024 * 1024
"""A record is a few hundred KB on the worst day (thousands of signatures); anything
much bigger is not one of ours and is not read."""


class BadRecordError(ValueError):
    """A history.json that is not a record of the day it is filed under."""


def read_past(root: Any, report_day: date, days: int) -> dict[str, Any]:
    """The records of the `days` report days before `report_day`, newest first:
    `{"days": [{"day", "record" (None: a gap)}], "problems": [...]}`.

    `root` is the artifacts root: a URL (read with universal_pathlib, which Airflow's
    ObjectStoragePath is built on) or a path object (the task passes an
    ObjectStoragePath, so object storage is reached through its Airflow connection)."""
    base = _path(root)
    problems: list[str] = []
    past = []
    for back in range(1, days + 1):
        day = (report_day - timedelta(days=back)).isoformat()
        past.append({"day": day, "record": _latest_record(base / day, day, problems)})
    return {"days": past, "problems": problems}


def rekeyed(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with its signatures keyed by today's rules (NORMALIZATION), from the key
    error each one keeps. Signatures the new rules merge add up their counts and clients."""
    if record["normalization"] == NORMALIZATION:
        return record
    merged: dict[str, dict[str, Any]] = {}
    for entry in record["signatures"].values():
        sig = error_id(entry["key_error"])
        into = merged.setdefault(sig, {"key_error": entry["key_error"], "count": 0, "clients": []})
        into["count"] += entry["count"]
        into["clients"] = sorted({*into["clients"], *entry["clients"]})
    return {
        **record,
        "signatures": dict(sorted(merged.items())),
        "normalization": NORMALIZATION,
        "rekeyed_from": record["normalization"],
    }


def _path(root: Any) -> Any:
    if isinstance(root, str):
        from upath import UPath

        return UPath(root)
    return root


def _latest_record(folder: Any, day: str, problems: list[str]) -> dict[str, Any] | None:
    if not folder.exists():
        return None
    best: tuple[datetime, str, dict[str, Any]] | None = None
    for run in sorted(folder.iterdir(), key=lambda p: p.name):
        file = run / RECORD_FILE
        try:
            if not file.is_file():
                continue
            record = _checked(_load(file), day)
        except BadRecordError as exc:
            problems.append(f"{day}/{run.name[:100]}/{RECORD_FILE} skipped: {exc}")
            continue
        written = datetime.fromisoformat(record["written_at"])
        if best is None or (written, run.name) > best[:2]:
            best = (written, run.name, record)
    return rekeyed(best[2]) if best else None


def _load(file: Any) -> Any:
    try:
        size = file.stat().st_size
        if size > MAX_RECORD_BYTES:
            raise BadRecordError(f"{size} bytes, more than a record can be")
        return json.loads(file.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:  # JSON errors are ValueErrors
        if isinstance(exc, BadRecordError):
            raise
        raise BadRecordError(f"unreadable ({type(exc).__name__})") from None


def _checked(data: Any, day: str) -> dict[str, Any]:
    """`data` if it is a record of `day` in every field the history reads."""
    if not isinstance(data, Mapping) or data.get("version") != RECORD_VERSION:
        raise BadRecordError(f"not a version {RECORD_VERSION} record")
    if data.get("report_day") != day:
        raise BadRecordError(f"it is the record of {str(data.get('report_day'))[:10]!r}")
    try:
        written = datetime.fromisoformat(data["written_at"])
    except (KeyError, TypeError, ValueError):
        raise BadRecordError("no valid written_at") from None
    if written.tzinfo is None:
        raise BadRecordError("written_at has no offset")
    if not _whole(data.get("normalization")) or not isinstance(data.get("counts"), Mapping):
        raise BadRecordError("no normalization or counts")
    signatures, clients = data.get("signatures"), data.get("clients_failed")
    if not isinstance(signatures, Mapping) or not isinstance(clients, Mapping):
        raise BadRecordError("no signatures or clients_failed")
    for entry in signatures.values():
        if not (
            isinstance(entry, Mapping)
            and isinstance(entry.get("key_error"), str)
            and _whole(entry.get("count"))
            and isinstance(entry.get("clients"), list)
            and all(isinstance(c, str) for c in entry["clients"])
        ):
            raise BadRecordError("a signature without key_error, count or clients")
    return dict(data)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
