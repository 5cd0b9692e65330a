"""Process logs for the sample day, written from the processes in the database.

Shared daily logs `app_{date}.log` interleave every process's lines; failed processes
log an ERROR with a traceback whose frames do not carry the UUID, and a line carrying
secrets (a database URL with a password, the client's API key) that the report must
redact. One failure has its own `encode_{uuid}.log`, the day before the window is a
rotated gzip, and the first failure logs nothing at all, as happens. Each failure's
error is drawn from ERRORS, unless `errors` names it (sample_history.py plans them).
"""

from __future__ import annotations

import gzip
import random
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from process_report.processes import CLIENT_ROLE_ID
from tests.support.sample_day import TEST_API_KEY

ERRORS = [
    ("ValueError", "corrupt frame {n} in /data/{source}/chunk_{n}.ts"),
    ("TimeoutError", "upload to OneDrive timed out after {n} s"),
    ("OSError", "[Errno 28] No space left on device: '/scratch/job_{n}/out.mp4'"),
]
_QUERY = """
SELECT p.uuid::text, ps.name, p.start_time, p.stop_time, u.api_key, s.alias, u.role_id
FROM process p JOIN source s ON s.id = p.source_id JOIN "USER" u ON u.id = s.user_id
LEFT JOIN process_status ps ON ps.id = p.status_id
WHERE p.start_time IS NOT NULL ORDER BY p.start_time, p.uuid
"""


def write_sample_logs(
    conn: Any,
    logs_dir: Path,
    *,
    seed: int = 7,
    errors: Mapping[str, str] | None = None,
    earlier: Collection[str] = (),
) -> dict[str, list[str]]:
    """Write the logs; returns which failed UUIDs got logs and which did not. `errors`
    gives chosen failures their key error; the silent failure and the one with its own
    file are the report day's, not one of the `earlier` days'."""
    rng = random.Random(seed)
    with conn.cursor() as cur:
        cur.execute(_QUERY)
        rows = cur.fetchall()
    failed = [r for r in rows if r[1] == "Failed"]
    reported = [
        r[0]
        for r in failed
        if r[6] == CLIENT_ROLE_ID and r[4] != TEST_API_KEY and r[0] not in earlier
    ]
    silent, own_file = (reported[0], reported[1]) if len(reported) > 1 else (None, None)
    days: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for uuid, status, start, stop, api_key, alias, _ in rows:
        if uuid == silent:
            continue
        lines = _process_lines(rng, uuid, status, start, stop, api_key, alias, errors or {})
        if uuid == own_file:
            (logs_dir / "workers").mkdir(parents=True, exist_ok=True)
            (logs_dir / "workers" / f"encode_{uuid}.log").write_text(
                "".join(text for _, text in lines)
            )
            continue
        for moment, text in lines:
            days[moment.date().isoformat()].append((moment, text))
    logs_dir.mkdir(parents=True, exist_ok=True)
    for index, (day, entries) in enumerate(sorted(days.items())):
        body = "".join(text for _, text in sorted(entries, key=lambda e: e[0])).encode()
        if index == 0 and len(days) > 1:
            (logs_dir / f"app_{day}.log.1.gz").write_bytes(gzip.compress(body))
        else:
            (logs_dir / f"app_{day}.log").write_bytes(body)
    logged = [r[0] for r in failed if r[0] != silent]
    return {"failed_with_logs": logged, "failed_without_logs": [silent] if silent else []}


def _process_lines(
    rng: random.Random,
    uuid: str,
    status: str | None,
    start: datetime,
    stop: datetime | None,
    api_key: str,
    alias: str | None,
    errors: Mapping[str, str],
):
    end = stop or start + timedelta(hours=1)
    lines = [
        (
            start,
            f"{_ts(start)} INFO  [worker-{rng.randint(1, 8)}] process {uuid} "
            f"started for source {alias or 'unknown'}\n",
        )
    ]
    for step in range(1, 4):
        moment = start + (end - start) * step / 4
        lines.append(
            (
                moment,
                f"{_ts(moment)} INFO  [worker-{rng.randint(1, 8)}] process "
                f"{uuid} encoded segment {step} bitrate=4500k\n",
            )
        )
    if status == "Failed":
        kind, template = rng.choice(ERRORS)
        message = template.format(n=rng.randint(10, 9999), source=alias or "src")
        key_error = errors.get(uuid, f"{kind}: {message}")
        lines.append(
            (
                end,
                (
                    f"{_ts(end)} WARN  [db] process {uuid} reconnecting to "
                    f"postgresql://encoder:Enc0der-Pa55@db.internal:5432/jobs with key {api_key}\n"
                ),
            )
        )
        lines.append(
            (
                end,
                (
                    f"{_ts(end)} ERROR [worker-3] process {uuid} failed\n"
                    "Traceback (most recent call last):\n"
                    '  File "/srv/encoder/pipeline.py", line 212, in run\n'
                    "    self.encode(segment)\n"
                    '  File "/srv/encoder/encode.py", line 88, in encode\n'
                    "    raise error\n"
                    f"{key_error}\n"
                ),
            )
        )
    return lines


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03d}"
