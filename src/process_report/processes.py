"""The window's processes: read from the process database and put into categories.

`fetch_process_rows` is the only function here that touches the database (through any
DB-API connection, so the DAG passes PostgresHook's and tests pass their own);
`categorize` is pure. Each in-window process lands in exactly one category, and anything
odd about a row (no client name, unknown status, no or a duplicate UUID, no start time)
becomes a note on the process and a data-quality line in the report, never a dropped row.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from process_report.paths import sql_path
from process_report.redact import scrub_field

CLIENT_ROLE_ID = 2
FINISHED, FAILED, RUNNING, OTHER = "finished", "failed", "running", "other"
CATEGORIES = (FINISHED, FAILED, RUNNING, OTHER)
FETCH_BATCH_ROWS = 2000
# The window's records in the run's folder, one a line (process_records.py), and their
# counts and notes beside them.
RECORDS_FILE = "processes.jsonl"
SUMMARY_FILE = "processes.json"
REMEMBERED_FIELD_CHARS = 512  # a longer field is scrubbed each time it is read (`_scrubbed`)
_STATUS_CATEGORY = {"finished": FINISHED, "failed": FAILED, "running": RUNNING}


def process_query() -> str:
    """The window query, kept as SQL in include/sql so it can be read and tuned as SQL."""
    return sql_path("processes.sql").read_text(encoding="utf-8")


def fetch_process_rows(
    conn: Any, window_start: datetime, window_end: datetime, db_timezone: str
) -> list[dict[str, Any]]:
    """Every row of the window query as a list (`iter_process_rows`), for a window known
    to be small: the preflight's empty one, tests."""
    return list(iter_process_rows(conn, window_start, window_end, db_timezone))


def iter_process_rows(
    conn: Any, window_start: datetime, window_end: datetime, db_timezone: str
) -> Iterator[dict[str, Any]]:
    """Run the window query on a DB-API connection and yield its rows as dicts, as the
    server-side cursor hands them over: no more than FETCH_BATCH_ROWS rows are held.

    The session TimeZone is set (for this transaction only) to the zone naive timestamp
    columns are written in, which is what lets the one query read both column types.

    Every text field that holds a URL (a camera's source URI above all) loses its
    credentials here, at the source: these rows become processes.jsonl, the email and
    its CSV, none of which may carry `user:password@` or a `token=` parameter.
    """
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('TimeZone', %(tz)s, true)", {"tz": db_timezone})
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
            for row in batch:
                yield _shown(dict(zip(names, row, strict=True)))
    conn.rollback()  # read-only; end the transaction so the session setting goes too


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _scrubbed(v) if isinstance(v, str) else v for name, v in row.items()}


def _scrubbed(text: str) -> str:
    """`scrub_field`, remembered for short values: a window repeats its clients' names
    and keys, its statuses and its sources' URIs and aliases on every row (158,000
    fields at 20,000 processes, a few thousand distinct, 1.6 of the fetch's 3.4 s under
    cProfile). Long values are scrubbed each time, so the cache stays small."""
    return _scrubbed_short(text) if len(text) <= REMEMBERED_FIELD_CHARS else scrub_field(text)


_scrubbed_short = functools.lru_cache(maxsize=8192)(scrub_field)


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
    tally = WindowTally()
    for p in processes:
        tally.count(p)
    return tally.counts


@dataclass
class WindowTally:
    """What a window's records add up to, kept while they stream past: the counts, the
    skip-listed rows, how often each note and each UUID occurred. The UUIDs are the one
    part that grows with the day (about 14 MB at 100,000 processes), and what finding
    a duplicate needs; everything else is a handful of numbers."""

    per_category: Counter[str] = field(default_factory=Counter)
    hung: int = 0
    skipped_test_processes: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    uuids: Counter[Any] = field(default_factory=Counter)

    def count(self, record: Mapping[str, Any]) -> None:
        self.per_category[record["category"]] += 1
        self.hung += bool(record["hung"])

    @property
    def counts(self) -> dict[str, int]:
        counts = {c: self.per_category.get(c, 0) for c in CATEGORIES}
        counts["hung"] = self.hung
        counts["total"] = sum(self.per_category.values())
        return counts

    def duplicated(self) -> dict[Any, int]:
        """UUID -> rows, for every UUID in more than one row (usually none)."""
        return {uuid: n for uuid, n in self.uuids.items() if n > 1}

    def data_quality(self) -> list[str]:
        """One line per duplicated UUID, then one per kind of row anomaly."""
        duplicated = self.duplicated()
        return [
            *(
                f"Process UUID {u} appears in {duplicated[u]} rows; each row is listed."
                for u in sorted(duplicated)
            ),
            *(f"{count} process(es): {note}." for note, count in sorted(self.notes.items())),
        ]


def categorized(
    rows: Iterable[Mapping[str, Any]],
    tally: WindowTally,
    *,
    window_end: datetime,
    hung_after_minutes: int,
    skip_api_keys: frozenset[str] = frozenset(),
) -> Iterator[dict[str, Any]]:
    """Turn query rows into categorized process records, as of the window's end, one at
    a time, adding each to `tally`. Skip-listed rows are counted, not yielded.

    A process whose final status was written after the window ended was still running at
    the window's end, so it counts as running: that keeps a backfilled day's report the
    same as the one sent that morning, even though the database has moved on.

    A duplicated UUID is known only once every row has gone by: `duplicate_note` then
    says what each of its records gains (`tally.duplicated()`)."""
    hung_after = timedelta(minutes=hung_after_minutes)
    for row in rows:
        if (row.get("api_key") or "") in skip_api_keys:
            tally.skipped_test_processes += 1
            continue
        record = _process_record(row, window_end, hung_after)
        tally.count(record)
        tally.notes.update(record["notes"])
        if record["uuid"] is not None:  # rows without one are noted, not duplicates
            tally.uuids[record["uuid"]] += 1
        yield record


def duplicate_note(rows: int) -> str:
    """The note every record of a UUID that appears in `rows` rows carries."""
    return f"process UUID appears {rows} times"


def categorize(
    rows: Iterable[Mapping[str, Any]],
    *,
    window_end: datetime,
    hung_after_minutes: int,
    skip_api_keys: frozenset[str] = frozenset(),
) -> ProcessSet:
    """`categorized`, held in memory: for a small window (tests, the demo's fixtures)."""
    tally = WindowTally()
    processes = list(
        categorized(
            rows,
            tally,
            window_end=window_end,
            hung_after_minutes=hung_after_minutes,
            skip_api_keys=skip_api_keys,
        )
    )
    duplicated = tally.duplicated()
    for p in processes:
        if p["uuid"] in duplicated:
            p["notes"].append(duplicate_note(duplicated[p["uuid"]]))
    return ProcessSet(processes, tally.skipped_test_processes, tally.data_quality())


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
    if row.get("process_uuid") is None:
        notes.append("no process UUID")
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


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
