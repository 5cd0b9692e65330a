"""Preflight checks of `process_db`: the server answers, the login is accepted, and the
read-only role may select everything the report's queries read (the very queries, over
an empty window, so a permission missing on one joined table shows)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from process_report.db_errors import sqlstate
from process_report.preflight import Check, failed, passed, skipped
from process_report.processes import fetch_api_keys, fetch_process_rows
from process_report.redact import Redactor

CONN_ID = "process_db"

# SQLSTATE → the fix, in the operator's terms (classes: PostgreSQL appendix A).
_FIXES = {
    "28P01": f"the password of connection {CONN_ID} is wrong: set the read-only role's password",
    "28000": f"the server refuses this login from this host: check {CONN_ID}'s login and the "
    "server's pg_hba.conf",
    "3D000": f"no such database: set {CONN_ID}'s schema field to the database name",
    "42501": "the role lacks SELECT: GRANT SELECT ON the tables of include/sql/processes.sql and "
    "api_keys.sql TO the connection's login",
    "42P01": "a table the query reads does not exist: is this the process database, and is "
    "include/sql/processes.sql written for its schema?",
}
_UNREACHABLE = (
    f"check {CONN_ID}'s host and port, that the server runs, and that this worker may reach it "
    "(firewall, VPN, Docker network)"
)


def check_database(connect: Callable[[], Any], db_timezone: str) -> list[Check]:
    """Two lines: the connection, then the permissions of the report's queries."""
    try:
        conn = connect()
    except Exception as exc:  # the driver's error type depends on the hook's driver
        return [
            failed(f"database ({CONN_ID})", _said(exc), _fix(exc) or _UNREACHABLE),
            skipped("database permissions", "no connection"),
        ]
    try:
        reached = passed(f"database ({CONN_ID})", _server(conn))
        return [reached, _check_queries(conn, db_timezone)]
    finally:
        conn.close()


def _check_queries(conn: Any, db_timezone: str) -> Check:
    name = "database permissions"
    moment = datetime.now(UTC)
    try:
        fetch_process_rows(conn, moment, moment, db_timezone)  # an empty window: no rows
        keys = fetch_api_keys(conn)
    except Exception as exc:
        conn.rollback()
        return failed(name, _said(exc), _fix(exc) or "see the error above")
    return passed(name, f"the process and API-key queries run ({len(keys)} client key(s))")


def _server(conn: Any) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT current_user, current_database(), current_setting('server_version')")
        user, database, version = cur.fetchone()
    conn.rollback()
    return f"connected as {user} to {database} (PostgreSQL {version})"


def _fix(exc: BaseException) -> str | None:
    return _FIXES.get(sqlstate(exc) or "")


def _said(exc: BaseException) -> str:
    """The driver's first line, scrubbed (it may quote the DSN)."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    code = sqlstate(exc)
    return Redactor().redact_text(first[:300]) + (f" (SQLSTATE {code})" if code else "")
