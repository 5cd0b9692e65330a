"""The sample day with the six days before it, whose failures are chosen so that the
report day's email shows every history state.

`load_sample_history` loads the sample day (sample_day.py) and, on the same clients and
sources, the days D-6 .. D-1: ordinary finished processes and the failures of PLAN, each
with its planned error. The report day's own failures (those with logs) get
REPORT_DAY_ERRORS in start order. Reports run for D-3 .. D then show, on D:

- TIMEOUT ongoing: Blue Ridge Inspections fails with it on every day (a client streak);
- FRAME back: seen on D-6 and D-3, not on D-2 or D-1;
- RESET not seen today: on D-2 and D-1 only;
- DISK acknowledged (or its acknowledgement expired, as the settings say): D-1 and D;
- DENIED new: on D only.

`write_sample_logs(conn, logs_dir, errors=..., earlier=...)` then logs each failure
with its error. Deterministic: the same seed always gives the same rows and errors.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.factories import STATUS_ID
from tests.support.sample_day import CLIENTS, SampleDay, _uuid, load_sample_day

TIMEOUT = "TimeoutError: upload to OneDrive timed out after {n} s"
FRAME = "ValueError: corrupt frame {n} in /data/site-{n}/chunk_{n}.ts"
RESET = "ConnectionResetError: [Errno 104] Connection reset by peer while sending segment {n}"
DISK = "OSError: [Errno 28] No space left on device: '/scratch/job_{n}/out.mp4'"
DENIED = "PermissionError: [Errno 13] Permission denied: '/mnt/export/job_{n}/out.mp4'"
BLUE_RIDGE, EVERGREEN, GRANITE, JUNIPER, KESTREL = 1, 4, 6, 9, 10  # indexes in CLIENTS
PLAN: dict[int, list[tuple[int, str]]] = {  # days before D -> (client, error) failures
    6: [(BLUE_RIDGE, TIMEOUT), (GRANITE, FRAME)],
    5: [(BLUE_RIDGE, TIMEOUT)],
    4: [(BLUE_RIDGE, TIMEOUT)],
    3: [(BLUE_RIDGE, TIMEOUT), (EVERGREEN, FRAME)],
    2: [(BLUE_RIDGE, TIMEOUT), (JUNIPER, RESET)],
    1: [(BLUE_RIDGE, TIMEOUT), (JUNIPER, RESET), (KESTREL, DISK)],
}
# The report day's failures with logs, in start order (the first failure logs nothing):
# Blue Ridge, Ionic Solar, Blue Ridge, Harbor Bridge, Falcon Rail.
REPORT_DAY_ERRORS = [TIMEOUT, FRAME, DISK, DENIED, DENIED]
FINISHED_A_DAY = 12
_FAILED_ON_DAY = """
SELECT p.uuid::text FROM process p
JOIN source s ON s.id = p.source_id JOIN "USER" u ON u.id = s.user_id
WHERE p.status_id = %s AND u.role_id = 2 AND u.api_key <> %s
  AND p.start_time >= %s AND p.start_time < %s
ORDER BY p.start_time, p.uuid
"""


@dataclass(frozen=True)
class SampleHistory:
    sample: SampleDay  # the report day
    days: tuple[date, ...]  # D-6 .. D
    errors: dict[str, str]  # failed process UUID -> its key error
    earlier: frozenset[str]  # the UUIDs of the days before D


def load_sample_history(
    conn: Any, report_day: date, timezone: str, *, seed: int = 7
) -> SampleHistory:
    """Load D (the sample day) and D-6 .. D-1 as PLAN says."""
    sample = load_sample_day(conn, report_day, timezone, seed=seed)
    rng = random.Random(seed * 1000 + report_day.toordinal())
    sources = _client_sources(conn)
    tz, utc = ZoneInfo(timezone), ZoneInfo("UTC")
    errors: dict[str, str] = {}
    rows = []
    for back, failures in sorted(PLAN.items(), reverse=True):
        start = datetime.combine(report_day - timedelta(days=back), time(8), tzinfo=tz)
        for n in range(FINISHED_A_DAY + len(failures)):
            began = start + timedelta(minutes=rng.randint(30, 20 * 60))
            stopped = began + timedelta(minutes=rng.randint(10, 120))
            if n < len(failures):
                client, error = failures[n]
                status = "Failed"
            else:
                client, status = rng.randrange(len(CLIENTS) - 1), "Finished"
            process_uuid = str(_uuid(rng))
            if status == "Failed":
                errors[process_uuid] = error.format(n=rng.randint(10, 9999))
            rows.append((process_uuid, sources[client], STATUS_ID[status], began, stopped, stopped))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO process (uuid, source_id, status_id, start_time, ping_time, "
            "stop_time) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (u, s, st, *(t.astimezone(utc).replace(tzinfo=None) for t in times))
                for u, s, st, *times in rows
            ],
        )
        earlier = frozenset(errors)
        cur.execute(
            _FAILED_ON_DAY,
            (
                STATUS_ID["Failed"],
                sample.skip_api_keys[0],
                sample.window_start.astimezone(utc).replace(tzinfo=None),
                sample.window_end.astimezone(utc).replace(tzinfo=None),
            ),
        )
        logged = [row[0] for row in cur.fetchall()][1:]  # the first logs nothing
    conn.commit()
    for process_uuid, error in zip(logged, REPORT_DAY_ERRORS, strict=True):
        errors[process_uuid] = error.format(n=rng.randint(10, 9999))
    days = tuple(report_day - timedelta(days=back) for back in range(6, -1, -1))
    return SampleHistory(sample, days, errors, earlier)


def _client_sources(conn: Any) -> list[int]:
    """The first source of each client, in CLIENTS order (as load_sample_day made them)."""
    with conn.cursor() as cur:
        cur.execute(
            'SELECT min(s.id) FROM source s JOIN "USER" u ON u.id = s.user_id '
            "WHERE u.role_id = 2 GROUP BY u.id ORDER BY u.id"
        )
        return [row[0] for row in cur.fetchall()]
