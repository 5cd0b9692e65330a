"""The window's processes: read from the process database and put into categories.

`fetch_process_rows` is the only function here that touches the database (through any
DB-API connection, so the DAG passes PostgresHook's and tests pass their own);
`categorize` is pure. Each in-window process lands in exactly one category, and anything
odd about a row (no client name, unknown status, duplicate UUID, no start time) becomes
a note on the process and a data-quality line in the report, never a dropped row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from process_report.paths import sql_path
from process_report.redact import scrub_field

CLIENT_ROLE_ID = 2
FINISHED, FAILED, RUNNING, OTHER = "finished", "failed", "running", "other"
CATEGORIES = (FINISHED, FAILED, RUNNING, OTHER)
FETCH_BATCH_ROWS = 2000
_STATUS_CATEGORY = {"finished": FINISHED, "failed": FAILED, "running": RUNNING}


def process_query() -> str:
    """The window query, kept as SQL in include/sql so it can be read and tuned as SQL."""
    return sql_path("processes.sql").read_text(encoding="utf-8")


def fetch_process_rows(
    conn: Any, window_start: datetime, window_end: datetime, db_timezone: str
) -> list[dict[str, Any]]:
    """Run the window query on a DB-API connection and return rows as dicts.

    The session TimeZone is set (for this transaction only) to the zone naive timestamp
    columns are written in, which is what lets the one query read both column types.

    Every text field that holds a URL (a camera's source URI above all) loses its
    credentials here, at the source: these rows become processes.json, the email and
    its CSV, none of which may carry `user:password@` or a `token=` parameter.
    """
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('TimeZone', %(tz)s, true)", {"tz": db_timezone})
    rows: list[dict[str, Any]] = []
    # A server-side cursor, read in batches: the driver never holds the whole result
    # next to the dicts made of it (50,000 rows a window on a big day).
    with conn.cursor(name="process_window") as cur:
        cur.execute(
            process_query(),
            {
                "window_start": window_start,
                "window_end": window_end,
                "client_role_id": CLIENT_ROLE_ID,
            },
        )
        while batch := cur.fetchmany(FETCH_BATCH_ROWS):
            names = [col[0] for col in cur.description]
            rows.extend(_shown(dict(zip(names, row, strict=True))) for row in batch)
    conn.rollback()  # read-only; end the transaction so the session setting goes too
    return rows


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {name: scrub_field(v) if isinstance(v, str) else v for name, v in row.items()}


def fetch_api_keys(conn: Any) -> list[str]:
    """Every client API key, for redaction: keys are secrets and may appear in logs."""
    with conn.cursor() as cur:
        cur.execute(sql_path("api_keys.sql").read_text(encoding="utf-8"))
        keys = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return keys


def fetch_clients(conn: Any, skip_api_keys: frozenset[str]) -> list[dict[str, Any]]:
    """Every client's id and name (skip-listed accounts left out, API keys dropped), for
    telling an owner's client that does not exist from one that ran nothing today."""
    with conn.cursor() as cur:
        cur.execute(
            sql_path("clients.sql").read_text(encoding="utf-8"),
            {"client_role_id": CLIENT_ROLE_ID},
        )
        rows = cur.fetchall()
    conn.rollback()
    return [
        {"id": client_id, "name": name}
        for client_id, name, api_key in rows
        if (api_key or "") not in skip_api_keys
    ]


@dataclass
class ProcessSet:
    """The categorized processes of one window, ready to be stored as JSON."""

    processes: list[dict[str, Any]]
    skipped_test_processes: int
    data_quality: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return count_categories(self.processes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "processes": self.processes,
            "counts": self.counts,
            "skipped_test_processes": self.skipped_test_processes,
            "data_quality": self.data_quality,
        }


def count_categories(processes: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Counts per category, plus `hung` (a subset of running) and `total`."""
    listed = list(processes)
    per = Counter(p["category"] for p in listed)
    counts = {c: per.get(c, 0) for c in CATEGORIES}
    counts["hung"] = sum(1 for p in listed if p["hung"])
    counts["total"] = len(listed)
    return counts


def categorize(
    rows: Sequence[Mapping[str, Any]],
    *,
    window_end: datetime,
    hung_after_minutes: int,
    skip_api_keys: frozenset[str] = frozenset(),
) -> ProcessSet:
    """Turn query rows into categorized process records, as of the window's end.

    A process whose final status was written after the window ended was still running at
    the window's end, so it counts as running: that keeps a backfilled day's report the
    same as the one sent that morning, even though the database has moved on.
    """
    kept = [r for r in rows if (r.get("api_key") or "") not in skip_api_keys]
    hung_after = timedelta(minutes=hung_after_minutes)
    processes = [_process_record(r, window_end, hung_after) for r in kept]
    quality = _mark_duplicates(processes) + _quality_notes(processes)
    return ProcessSet(processes, skipped_test_processes=len(rows) - len(kept), data_quality=quality)


def _process_record(
    row: Mapping[str, Any], window_end: datetime, hung_after: timedelta
) -> dict[str, Any]:
    start, ping, stop = row.get("start_time"), row.get("ping_time"), row.get("stop_time")
    status = (row.get("status_name") or "").strip()
    notes: list[str] = []
    category = _STATUS_CATEGORY.get(status.lower(), OTHER)
    if not status:
        status = f"unknown (status_id {row.get('status_id')})"
        notes.append("status id has no name in process_status")
    if category in (FINISHED, FAILED) and stop is not None and stop >= window_end:
        notes.append(f"{status.lower()} after the window ended; shown as running at its end")
        category = RUNNING
    client = row.get("client_name")
    if not client or not str(client).strip():
        client = f"(client #{row.get('client_id')} has no name)"
        notes.append("client has no name")
    if start is None:
        notes.append("no start time")
    if start is not None and stop is not None and stop < start:
        notes.append("stop time is before start time")

    running = category == RUNNING
    last_seen = ping or start
    hung = bool(running and last_seen is not None and last_seen < window_end - hung_after)
    if running and ping is None:
        notes.append("no ping time")
    end_for_elapsed = window_end if running else stop
    return {
        "uuid": row.get("process_uuid"),
        "client_id": row.get("client_id"),
        "client": str(client).strip(),
        "api_key": row.get("api_key"),
        "status": status,
        "category": category,
        "start_time": _iso(start),
        "ping_time": _iso(ping),
        "stop_time": _iso(stop),
        "duration_min": _minutes(start, end_for_elapsed),
        "last_ping_min_ago": _minutes(ping, window_end) if running else None,
        "hung": hung,
        "source_alias": row.get("source_alias"),
        "source_uri": row.get("source_uri"),
        "source_uuid": row.get("source_uuid"),
        "notes": notes,
    }


def _mark_duplicates(processes: list[dict[str, Any]]) -> list[str]:
    seen = Counter(p["uuid"] for p in processes)
    duplicated = sorted(u for u, n in seen.items() if n > 1)
    for p in processes:
        if p["uuid"] in duplicated:
            p["notes"].append(f"process UUID appears {seen[p['uuid']]} times")
    return [f"Process UUID {u} appears in {seen[u]} rows; each row is listed." for u in duplicated]


def _quality_notes(processes: list[dict[str, Any]]) -> list[str]:
    """One line per kind of row anomaly (duplicates are reported by UUID above)."""
    per_note = Counter(
        n for p in processes for n in p["notes"] if not n.startswith("process UUID appears")
    )
    return [f"{count} process(es): {note}." for note, count in sorted(per_note.items())]


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
