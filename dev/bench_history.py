"""`make bench-history`: the cost of the report's memory on big days.

Builds an archive of 14 report days of 20,000 processes each (2,000 failures a day
spread over about 300 error signatures out of 400 that come and go, 150 clients, a
rerun on some days), each record made by the real record builder from failed processes
and their summaries and written where the compose task leaves it. Then times what a
report day costs: `read_past` (14 days of the archive) + `compare` (lifecycle and
acknowledgements), and `record_of_day` for the day itself; the median of 5.

Then the 7-day trend's query (include/sql/trend_counts.sql) on an embedded PostgreSQL
holding those 7 days of 20,000 processes and as many older ones: the median of 5.
Writes out/bench/history.json; `make bench-dag` adds the archive figures to dag.json.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extras import execute_values

from dev.figures import OUT, save
from process_report import artifacts
from process_report.history import RECORD_FILE, compare, read_past, record_of_day
from process_report.history.trend import TREND_DAYS, fetch_trend_rows, trend_of
from process_report.logs.signatures import error_id, signature
from process_report.window import report_windows, resolve_window
from tests.support.embedded_db import embedded_server, recreate_database
from tests.support.sample_day import STATUSES, load_schema

DAY = date(2026, 11, 26)
DAYS = 14
PROCESSES = 20_000
CLIENTS = 150
REPEATS = 5
_TEMPLATES = (
    "OSError: [Errno {a}] No space left in stage {k}: '/data/c{b}/job-{n}/out.mp4'",
    "TimeoutError: upload to storage-{b}.example.com:443 timed out after {n}s in stage {k}",
    "ValueError: unsupported codec in stage {k} frame {n} of /srv/in/{b}/raw.mov",
    "ConnectionError: 10.0.{b}.{a}:5432 refused for job {n} in stage {k}",
)


def _stage(kind: int) -> str:
    """A word per signature kind (letters: the signature rules keep them)."""
    return "".join(chr(ord("a") + int(d)) for d in f"{kind:03d}")


def _id(kind: int) -> str:
    return error_id(_TEMPLATES[kind % len(_TEMPLATES)].format(a=1, b=1, n=1, k=_stage(kind)))


@dataclass(frozen=True)
class Size:
    """A day's shape: 10 % of the processes fail, over signatures that come and go (300
    a day out of 400 at 20,000 processes; fewer on the small days of the driver's test)."""

    processes: int
    failures: int
    signatures: int
    pool: int

    @classmethod
    def of(cls, processes: int) -> Size:
        failures = processes // 10
        signatures = max(1, min(300, failures * 3 // 20))
        return cls(processes, failures, signatures, signatures * 4 // 3)


def build_day(day: date, rng: random.Random, pool: list[int], size: Size) -> dict[str, Any]:
    """One day's failed processes and their summaries, as the compose task gets them."""
    todays = rng.sample(pool, size.signatures)
    weights = [(rank + 1) ** -0.5 for rank in range(size.signatures)]  # big groups, long tail
    processes, summaries = [], []
    for n in range(size.processes):
        uuid = f"{day.isoformat()}-{n:05d}"
        client = f"Client {rng.randrange(CLIENTS):03d}"
        if n < size.failures:
            kind = rng.choices(todays, weights)[0]
            template = _TEMPLATES[kind % len(_TEMPLATES)]
            key_error = template.format(
                a=rng.randrange(40), b=rng.randrange(200), n=rng.randrange(10**6), k=_stage(kind)
            )
            summaries.append(
                {
                    "uuid": uuid,
                    "found": True,
                    "key_error": key_error,
                    "signature": signature(key_error),
                }
            )
            processes.append({"uuid": uuid, "client": client, "category": "failed"})
        else:
            category = "running" if n % 10 == 0 else "finished"
            processes.append({"uuid": uuid, "client": client, "category": category})
    counts = dict(Counter(p["category"] for p in processes))
    return {"processes": processes, "summaries": summaries, "counts": counts}


def measure(folder: Path, processes: int = PROCESSES) -> dict[str, Any]:
    """Build the archive of days of `processes` under `folder` (rebuilt each time:
    seconds) and time a day."""
    size = Size.of(processes)
    shutil.rmtree(folder, ignore_errors=True)
    root = folder.as_uri()
    rng = random.Random(18)
    pool = list(range(size.pool))
    record_bytes = []
    for back in range(DAYS, 0, -1):
        day = DAY - timedelta(days=back)
        inputs = build_day(day, rng, pool, size)
        for run in range(2 if back % 4 == 0 else 1):  # some days were rerun
            written = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
            record = record_of_day(
                day, inputs["counts"], inputs["processes"], inputs["summaries"],
                written_at=written + timedelta(hours=8 + run),
            )  # fmt: skip
            target = artifacts.run_folder(root, day.isoformat(), f"run-{run}")
            artifacts.write_json(target, RECORD_FILE, record)
            record_bytes.append((Path(target.path) / RECORD_FILE).stat().st_size)
    today = build_day(DAY, rng, [kind + 10 for kind in pool], size)  # 10 never seen before
    known = [{"signature": _id(kind), "note": "known"} for kind in range(0, size.pool, 20)]
    built, read, compared = [], [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        record = record_of_day(
            DAY,
            today["counts"],
            today["processes"],
            today["summaries"],
            written_at=datetime.now(UTC),
        )
        built.append(time.perf_counter() - started)
        started = time.perf_counter()
        past = read_past(root, DAY, DAYS)
        read.append(time.perf_counter() - started)
        started = time.perf_counter()
        lifecycle = compare(record, past, known, DAY)
        compared.append(time.perf_counter() - started)
    total = [r + c for r, c in zip(read, compared, strict=True)]
    return {
        "days": DAYS,
        "processes_per_day": size.processes,
        "failures_per_day": size.failures,
        "signatures_per_day": len(record["signatures"]),
        "record_kb_max": round(max(record_bytes) / 1024, 1),
        "read_past_s": round(statistics.median(read), 4),
        "compare_s": round(statistics.median(compared), 4),
        "history_read_s": round(statistics.median(total), 4),
        "record_of_day_s": round(statistics.median(built), 4),
        "lifecycle_counts": lifecycle["counts"],
        "repeats": REPEATS,
    }


def measure_trend(folder: Path) -> dict[str, Any]:
    """Time the trend query over 7 days of PROCESSES processes each (and as many
    older ones it must leave out) on an embedded PostgreSQL kept under `folder`."""
    window = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00:00+01:00")
    windows = report_windows(window, TREND_DAYS)
    rng = random.Random(7)
    with embedded_server(folder / "pgdata") as admin_uri:
        conn = psycopg2.connect(recreate_database(admin_uri, "trend"))
        load_schema(conn)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO process_status (id, name) VALUES (%s, %s)", [*STATUSES.items()]
            )
            users = execute_values(
                cur, 'INSERT INTO "USER" (name, role_id, api_key) VALUES %s RETURNING id',
                [(f"Client {n:03d}", 2, f"key-{n}") for n in range(CLIENTS)], fetch=True,
            )  # fmt: skip
            sources = execute_values(
                cur, "INSERT INTO source (user_id, uri, alias) VALUES %s RETURNING id",
                [(uid, "rtsp://cam.example.net/live", "cam") for (uid,) in users], fetch=True,
            )  # fmt: skip
            ids = [sid for (sid,) in sources]
            rows = []
            first = windows[0][1].replace(tzinfo=None)
            for n in range(PROCESSES * (TREND_DAYS + 1)):  # the 7 days, and a day's worth before
                start = first + timedelta(minutes=rng.randrange(-1440, TREND_DAYS * 1440))
                stop = start + timedelta(minutes=rng.randrange(5, 240))
                status = 3 if rng.random() < 0.1 else 2  # 10 % failed, any client
                rows.append((ids[n % len(ids)], status, start, stop, stop))
            execute_values(
                cur,
                "INSERT INTO process (uuid, source_id, status_id, start_time, ping_time, "
                "stop_time) SELECT gen_random_uuid(), * FROM (VALUES %s) AS v",
                rows,
                page_size=5000,
            )
            cur.execute("ANALYZE")
        conn.commit()
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            trend = trend_of(
                fetch_trend_rows(conn, windows, "UTC", {"key-0"}), [d for d, _, _ in windows]
            )
            timings.append(time.perf_counter() - started)
        conn.close()
    return {
        "processes_in_database": len(rows),
        "trend_query_s": round(statistics.median(timings), 4),
        "failed_per_day": trend["overall"]["failed"],
        "clients_shown": len(trend["clients"]),
        "repeats": REPEATS,
    }


def main() -> int:
    save("history.json", {**measure(OUT / "history"), "trend": measure_trend(OUT / "history-db")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
