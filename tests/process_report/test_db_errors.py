"""Database errors judged by their SQLSTATE: the real server's own errors, both drivers."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import psycopg2
import pytest

from process_report.db_errors import (
    PERMANENT,
    TRANSIENT,
    ProcessDbError,
    classify_sqlstate,
    process_db_error,
    sqlstate,
)
from process_report.processes import fetch_process_rows
from tests.support.embedded_db import with_database

WINDOW = (datetime(2026, 11, 26, 7, tzinfo=UTC), datetime(2026, 11, 27, 7, tzinfo=UTC))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("28P01", PERMANENT),  # password authentication failed
        ("28000", PERMANENT),  # invalid authorization specification
        ("3D000", PERMANENT),  # database does not exist
        ("42501", PERMANENT),  # insufficient privilege
        ("42P01", PERMANENT),  # undefined table
        ("42703", PERMANENT),  # undefined column
        ("08006", TRANSIENT),  # connection failure
        ("08001", TRANSIENT),  # cannot establish connection
        ("53300", TRANSIENT),  # too many connections
        ("57P01", TRANSIENT),  # admin shutdown
        ("57P03", TRANSIENT),  # cannot connect now (starting up)
        ("40001", TRANSIENT),  # serialization failure
        ("40P01", TRANSIENT),  # deadlock detected
        ("57014", TRANSIENT),  # query canceled (statement timeout)
        ("XX000", None),  # internal error: no opinion, the usual retries
        (None, None),
    ],
)
def test_sqlstate_classes_say_permanent_or_transient(code, kind):
    assert classify_sqlstate(code) == kind


def revoke_select(conn, table: str) -> str:
    """A login role that can read every table but `table`; its name."""
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS report_reader_t")
        cur.execute("CREATE ROLE report_reader_t LOGIN")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO report_reader_t")
        cur.execute(f'REVOKE SELECT ON "{table}" FROM report_reader_t')
    conn.commit()
    return "report_reader_t"


def as_user(uri: str, user: str) -> str:
    """The same server and database as another user, whatever the URI's form (the
    embedded server's socket URI or a machine's `postgresql://postgres@host/db`)."""
    return psycopg2.extensions.make_dsn(uri, user=user)


@pytest.mark.parametrize("driver", [psycopg2, psycopg], ids=["psycopg2", "psycopg3"])
def test_role_that_lost_select_is_a_permanent_42501_from_either_driver(
    process_db, process_db_uri, driver
):
    role = revoke_select(process_db, "process")
    reader = driver.connect(as_user(process_db_uri, role))
    try:
        with pytest.raises(driver.Error) as raised:
            fetch_process_rows(reader, *WINDOW, "UTC")
    finally:
        reader.close()
    assert sqlstate(raised.value) == "42501"
    error = process_db_error(raised.value, "The process database failed a query")
    assert isinstance(error, ProcessDbError)
    assert error.transient is False
    assert "SQLSTATE 42501, permanent: not retried" in str(error)
    assert "permission denied for table process" in str(error)


def test_missing_table_is_permanent(process_db):
    with process_db.cursor() as cur, pytest.raises(psycopg2.Error) as raised:
        cur.execute("SELECT * FROM process_archive")
    assert classify_sqlstate(sqlstate(raised.value)) == PERMANENT


def test_statement_timeout_is_transient(process_db):
    with process_db.cursor() as cur:
        cur.execute("SET statement_timeout = 10")
        with pytest.raises(psycopg2.Error) as raised:
            cur.execute("SELECT pg_sleep(2)")
    assert sqlstate(raised.value) == "57014"
    assert process_db_error(raised.value, "query").transient is True


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda uri: with_database(uri, "no_such_database"), "3D000"),
        (lambda uri: as_user(uri, "no_such_role"), "28000"),
    ],
    ids=["unknown database", "unknown role"],
)
def test_connection_refusals_without_a_sqlstate_attribute_are_read_from_the_message(
    process_db_uri, change, code
):
    with pytest.raises(psycopg2.OperationalError) as raised:
        psycopg2.connect(change(process_db_uri))
    assert raised.value.pgcode is None  # libpq gives connection failures as text only
    assert sqlstate(raised.value) == code
    assert classify_sqlstate(code) == PERMANENT


def test_unreachable_server_has_no_verdict_unless_told_it_is_transient():
    unreachable = OSError("connection refused")
    assert sqlstate(unreachable) is None
    assert process_db_error(unreachable, "x").transient is None
    assert process_db_error(unreachable, "x", unknown_is_transient=True).transient is True


def test_sqlstate_is_found_on_the_error_a_wrapper_was_raised_from():
    class DriverError(Exception):
        pgcode = "42501"

    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = DriverError("permission denied")
    assert sqlstate(wrapped) == "42501"
