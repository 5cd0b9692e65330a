"""Builders of real rows in the source schema, for tests that need specific cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support.sample_day import STATUSES

STATUS_ID = {name: status_id for status_id, name in STATUSES.items()}


def insert_statuses(conn) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO process_status (id, name) VALUES (%s, %s)", list(STATUSES.items())
        )
    conn.commit()


def insert_client(
    conn, name: str | None, api_key: str, role_id: int = 2, alias: str | None = "cam-1"
) -> int:
    """A user with one source; returns the source id."""
    with conn.cursor() as cur:
        cur.execute(
            'INSERT INTO "USER" (name, role_id, api_key) VALUES (%s, %s, %s) RETURNING id',
            (name, role_id, api_key),
        )
        user_id = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO source (user_id, uri, alias) VALUES (%s, %s, %s) RETURNING id",
            (user_id, "https://cams.example.net/1", alias),
        )
        source_id = cur.fetchone()[0]
    conn.commit()
    return source_id


def insert_process(
    conn,
    source_id: int,
    status: str | int | None,
    start: datetime | None,
    ping: datetime | None = None,
    stop: datetime | None = None,
    *,
    process_uuid: str | None = None,
    db_timezone: str = "UTC",
) -> str:
    """Insert one process; aware datetimes are stored naive in `db_timezone`."""
    status_id = STATUS_ID.get(status, status) if isinstance(status, str) else status
    process_uuid = process_uuid or str(uuid.uuid4())
    tz = ZoneInfo(db_timezone)
    values = [
        None if t is None else t.astimezone(tz).replace(tzinfo=None) for t in (start, ping, stop)
    ]
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO process (uuid, source_id, status_id, start_time, ping_time, "
            "stop_time) VALUES (%s, %s, %s, %s, %s, %s)",
            (process_uuid, source_id, status_id, *values),
        )
    conn.commit()
    return process_uuid


def convert_to_timestamptz(conn, db_timezone: str) -> None:
    """Turn the naive timestamp columns into timestamptz, reading them in `db_timezone`."""
    with conn.cursor() as cur:
        for column in ("start_time", "ping_time", "stop_time"):
            cur.execute(
                f"ALTER TABLE process ALTER COLUMN {column} TYPE timestamptz "
                f"USING {column} AT TIME ZONE %s",
                (db_timezone,),
            )
    conn.commit()
