"""Which failures Airflow retries: transient ones after their wait, permanent ones never."""

from __future__ import annotations

from datetime import timedelta

import psycopg2
import pytest
from airflow.sdk.definitions.retry_policy import RetryAction

from process_report.db_errors import process_db_error
from process_report.graph.auth import GraphConfigError, SignInRequiredError
from process_report.graph.client import AmbiguousSendError, GraphError
from process_report.retry_policy import PERMANENT, TRANSIENT, ReportRetryPolicy, classify
from process_report.settings import SettingsError


@pytest.mark.parametrize(
    "error",
    [
        GraphError(429, "TooManyRequests", "slow down", "/x"),
        GraphError(503, "ServiceUnavailable", "", "/x"),
        GraphError(504, "GatewayTimeout", "", "/x"),
        GraphError(408, "RequestTimeout", "", "/x"),
        GraphError(0, "RetryBudgetExhausted", "", "/x"),
        ConnectionError("Cannot reach the process database"),
        TimeoutError(),
        AmbiguousSendError("lost answer"),
    ],
    ids=repr,
)
def test_throttling_network_and_server_errors_are_retried(error):
    assert classify(error) == TRANSIENT
    assert ReportRetryPolicy().evaluate(error, 1, 4).action == RetryAction.RETRY


@pytest.mark.parametrize(
    "error",
    [
        GraphError(400, "BadRequest", "", "/x"),
        GraphError(403, "AccessDenied", "", "/x"),
        GraphError(404, "itemNotFound", "", "/x"),
        GraphError(413, "RequestEntityTooLarge", "", "/x"),
        GraphConfigError("connection invalid"),
        SignInRequiredError("run make login"),
        SettingsError("bad variable"),
        PermissionError(13, "denied"),
    ],
    ids=repr,
)
def test_configuration_permission_and_client_errors_fail_at_once(error):
    assert classify(error) == PERMANENT
    assert ReportRetryPolicy().evaluate(error, 1, 4).action == RetryAction.FAIL


def test_unknown_errors_keep_the_tasks_usual_retries():
    assert classify(ValueError("?")) is None
    assert ReportRetryPolicy().evaluate(ValueError("?"), 1, 4).action == RetryAction.DEFAULT


def test_an_errors_own_retry_after_sets_the_delay():
    error = GraphError(429, "TooManyRequests", "", "/x")
    error.retry_after = 90
    decision = ReportRetryPolicy().evaluate(error, 1, 4)
    assert decision.retry_delay == timedelta(seconds=90)


def test_an_error_that_says_whether_it_is_transient_is_believed():
    error = RuntimeError("token endpoint 503")
    error.transient = True
    assert classify(error) == TRANSIENT
    error.transient = False
    assert classify(error) == PERMANENT


def database_error(conn, statement: str) -> psycopg2.Error:
    """The real server's error for `statement`."""
    with conn.cursor() as cur:
        try:
            cur.execute(statement)
        except psycopg2.Error as exc:
            conn.rollback()
            return exc
    raise AssertionError(f"{statement!r} did not fail")


def test_database_errors_are_judged_by_their_sqlstate(process_db):
    missing_table = database_error(process_db, "SELECT * FROM process_archive")
    assert classify(missing_table) == PERMANENT
    assert ReportRetryPolicy().evaluate(missing_table, 1, 4).action == RetryAction.FAIL
    wrapped = process_db_error(missing_table, "The process database failed a query")
    assert ReportRetryPolicy().evaluate(wrapped, 1, 4).action == RetryAction.FAIL
    timed_out = database_error(process_db, "SET statement_timeout = 10; SELECT pg_sleep(2)")
    assert classify(timed_out) == TRANSIENT
    assert ReportRetryPolicy().evaluate(timed_out, 1, 4).action == RetryAction.RETRY
