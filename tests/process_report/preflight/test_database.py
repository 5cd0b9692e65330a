"""Preflight checks of `process_db` against the real (embedded) PostgreSQL: the login,
the database name, an unreachable server, and a role without SELECT, each with its fix."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import psycopg2
import pytest
from psycopg2 import sql

from process_report.preflight.database import check_database
from tests.support.factories import insert_client


def connector(uri: str, **overrides):
    params = {**psycopg2.extensions.parse_dsn(uri), **overrides}
    return lambda: psycopg2.connect(**params)


def test_a_reachable_database_with_select_passes_both_lines(process_db_uri, process_db):
    insert_client(process_db, "Acme", "key-acme-1")
    process_db.commit()
    reached, permissions = check_database(connector(process_db_uri), "UTC")
    assert reached.passed, reached
    assert "connected as" in reached.detail
    assert permissions.passed, permissions
    assert "1 client key(s)" in permissions.detail


def test_a_database_that_does_not_exist_names_the_schema_field(process_db_uri):
    reached, permissions = check_database(connector(process_db_uri, dbname="no_such_db"), "UTC")
    assert not reached.passed
    assert "schema field" in reached.fix
    assert not permissions.passed
    assert "not checked" in permissions.detail


def test_an_unreachable_server_names_host_and_port():
    reached, _ = check_database(
        lambda: psycopg2.connect(host="127.0.0.1", port=1, user="x", connect_timeout=3), "UTC"
    )
    assert not reached.passed
    assert "host and port" in reached.fix


@contextlib.contextmanager
def reader_role(process_db, *, password: str | None = None) -> Iterator[str]:
    """A login role that owns nothing (SELECT must be granted to it); dropped after."""
    name = f"pf_reader_{secrets.token_hex(4)}"
    process_db.autocommit = True
    with process_db.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)),
            [password or "unused"],
        )
    try:
        yield name
    finally:
        with process_db.cursor() as cur:
            cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_a_role_without_select_fails_the_permissions_line_with_the_grant(
    process_db_uri, process_db
):
    with reader_role(process_db) as role:
        reached, permissions = check_database(connector(process_db_uri, user=role), "UTC")
    assert reached.passed, reached
    assert not permissions.passed
    assert "SQLSTATE 42501" in permissions.detail
    assert permissions.fix.startswith("the role lacks SELECT: GRANT SELECT")


@contextlib.contextmanager
def password_required(process_db, role: str) -> Iterator[None]:
    """The server asks `role` for its password (scram) on every route, for this test
    only: a line ahead of the server's own rules in its pg_hba.conf, then reloaded."""
    with process_db.cursor() as cur:
        cur.execute("SHOW hba_file")
        (path,) = cur.fetchone()
    with open(path) as handle:
        original = handle.read()
    rules = f"local all {role} scram-sha-256\nhost all {role} all scram-sha-256\n"
    with open(path, "w") as handle:
        handle.write(rules + original)
    try:
        with process_db.cursor() as cur:
            cur.execute("SELECT pg_reload_conf()")
        yield
    finally:
        with open(path, "w") as handle:
            handle.write(original)
        with process_db.cursor() as cur:
            cur.execute("SELECT pg_reload_conf()")


def test_a_wrong_password_names_the_connections_password(process_db_uri, process_db):
    with (
        reader_role(process_db, password="the-right-one") as role,
        password_required(process_db, role),
    ):
        reached, permissions = check_database(
            connector(process_db_uri, user=role, password="a-wrong-one"), "UTC"
        )
    if reached.passed:
        pytest.fail(f"the server accepted a wrong password: {reached}")
    assert "password of connection process_db is wrong" in reached.fix
    assert "a-wrong-one" not in reached.detail
    assert not permissions.passed
