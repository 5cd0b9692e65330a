"""A realistic, reproducible day of client processes for the demo and the tests.

`load_sample_day` fills a process database (built from tests/support/source_schema.sql)
with a dozen clients and every case the report must handle: each status, a hung
process, a long one that started the day before, one that finished after the window,
processes just outside the window, a skip-listed test account, a non-client user, a
client without a name, a status id without a name, a missing ping and a duplicate UUID.
The same seed always gives the same rows.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SCHEMA_SQL = Path(__file__).with_name("source_schema.sql")


STATUSES = {1: "Running", 2: "Finished", 3: "Failed", 4: "Queued", 5: "Cancelled"}
UNNAMED_STATUS_ID = 9  # used by a process, absent from process_status
TEST_API_KEY = "test-api-key-internal"
CLIENTS = [
    "Aerovista Surveys",
    "Blue Ridge Inspections",
    "Cobalt Wind Energy",
    "Delta Port Authority",
    "Evergreen Forestry",
    "Falcon Rail Services",
    "Granite Quarry Group",
    "Harbor Bridge Works",
    "Ionic Solar Farms",
    "Juniper Pipelines",
    "Kestrel Roofing",
    None,  # a client with no name
]


@dataclass(frozen=True)
class SampleDay:
    """What was loaded, so the demo can configure the run that reports on it."""

    window_start: datetime
    window_end: datetime
    skip_api_keys: tuple[str, ...]
    api_keys: dict[str, str]  # client name -> api key


def load_schema(conn: Any) -> None:
    with conn.cursor() as cur:
        cur.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    conn.commit()


def load_sample_day(
    conn: Any, report_day: date, timezone: str, *, seed: int = 7, db_timezone: str = "UTC"
) -> SampleDay:
    """Insert the sample day whose window is [report_day 08:00, next day 08:00) local.

    Timestamps are written naive in `db_timezone`, as the original database does.
    """
    rng = random.Random(seed)
    tz = ZoneInfo(timezone)
    start = datetime.combine(report_day, time(8), tzinfo=tz)
    end = datetime.combine(report_day + timedelta(days=1), time(8), tzinfo=tz)
    db_tz = ZoneInfo(db_timezone)

    def naive(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(db_tz).replace(tzinfo=None)

    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO process_status (id, name) VALUES (%s, %s)", list(STATUSES.items())
        )
        api_keys = {}
        sources = []
        for index, name in enumerate([*CLIENTS, "Internal QA (test)", "Ops admin"]):
            key = TEST_API_KEY if name == "Internal QA (test)" else f"{rng.getrandbits(96):024x}"
            role = 1 if name == "Ops admin" else 2
            cur.execute(
                'INSERT INTO "USER" (name, role_id, api_key) VALUES (%s, %s, %s) RETURNING id',
                (name, role, key),
            )
            user_id = cur.fetchone()[0]
            api_keys[name or f"(client #{user_id})"] = key
            for n in range(2):
                alias = None if (index, n) == (3, 1) else f"site-{index:02d}-{n}"
                cur.execute(
                    "INSERT INTO source (user_id, uri, alias, uuid) VALUES "
                    "(%s, %s, %s, %s) RETURNING id",
                    (user_id, f"rtsp://cam{index:02d}{n}.example.net/live", alias, str(_uuid(rng))),
                )
                sources.append(cur.fetchone()[0])

        rows = _process_rows(rng, sources, start, end)
        cur.executemany(
            "INSERT INTO process (uuid, source_id, status_id, start_time, ping_time, "
            "stop_time, user_configuration) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (u, s, st, naive(a), naive(p), naive(b), '{"quality": "1080p"}')
                for u, s, st, a, p, b in rows
            ],
        )
    conn.commit()
    return SampleDay(start, end, (TEST_API_KEY,), api_keys)


def _process_rows(
    rng: random.Random, sources: list[int], start: datetime, end: datetime
) -> list[tuple]:
    """(uuid, source_id, status_id, start, ping, stop) for every case of the sample day."""
    client_sources = sources[:24]  # the twelve clients' sources, two each
    test_source, admin_source = sources[24], sources[26]
    rows = []

    def add(
        source: int,
        status: int | None,
        began: datetime | None,
        ping: datetime | None,
        stopped: datetime | None,
        same_uuid: str | None = None,
    ):
        rows.append((same_uuid or str(_uuid(rng)), source, status, began, ping, stopped))

    def moment(low_h: float, high_h: float) -> datetime:
        return start + timedelta(minutes=rng.randint(int(low_h * 60), int(high_h * 60)))

    for _ in range(40):  # the ordinary day: finished processes of 10 min to 3 h
        began = moment(0, 20)
        stopped = began + timedelta(minutes=rng.randint(10, 180))
        add(rng.choice(client_sources), 2, began, stopped, stopped)
    for _ in range(5):  # failures
        began = moment(0, 22)
        stopped = began + timedelta(minutes=rng.randint(1, 60))
        add(rng.choice(client_sources), 3, began, stopped, stopped)
    for _ in range(3):  # running and pinging
        add(rng.choice(client_sources), 1, moment(21, 23.5), end - timedelta(minutes=2), None)
    add(client_sources[5], 1, moment(2, 4), moment(5, 6), None)  # hung: silent for hours
    add(client_sources[6], 1, start - timedelta(hours=30), end - timedelta(minutes=1), None)
    add(client_sources[7], 1, moment(23.2, 23.8), None, None)  # running, not pinged yet
    add(
        client_sources[8],
        2,
        moment(22, 23),
        end + timedelta(minutes=20),
        end + timedelta(minutes=20),
    )  # finished after the window: running at its end
    add(
        client_sources[9],
        2,
        start - timedelta(hours=10),
        start + timedelta(hours=2),
        start + timedelta(hours=2),
    )  # long process finished this morning
    add(client_sources[10], 4, moment(23, 23.8), None, None)  # queued
    add(client_sources[11], 5, moment(3, 4), moment(4, 5), moment(4, 5))  # cancelled
    add(client_sources[1], UNNAMED_STATUS_ID, moment(6, 7), moment(7, 8), moment(7, 8))
    twin = str(_uuid(rng))
    add(client_sources[2], 2, moment(9, 10), moment(10, 11), moment(10, 11), same_uuid=twin)
    add(client_sources[3], 3, moment(12, 13), moment(13, 14), moment(13, 14), same_uuid=twin)
    add(client_sources[22], 2, moment(1, 2), moment(2, 3), moment(2, 3))  # the unnamed client
    # Outside the window or outside the report's population: never listed.
    add(
        client_sources[0],
        2,
        start - timedelta(hours=6),
        start - timedelta(hours=5),
        start - timedelta(hours=5),
    )  # stopped before the window
    add(client_sources[0], 1, end + timedelta(minutes=5), end + timedelta(minutes=6), None)
    for _ in range(3):
        add(test_source, rng.choice([2, 3]), moment(1, 20), moment(21, 22), moment(21, 22))
    add(admin_source, 3, moment(1, 2), moment(2, 3), moment(2, 3))  # not a client (role 1)
    return rows


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)
