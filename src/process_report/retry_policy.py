"""Which failures are worth an Airflow retry, declared once for every task of the DAG.

Throttling, network faults and 5xx answers are retried (after Graph's Retry-After when
it gave one); configuration, permission and other 4xx answers fail at once, because a
retry an hour later cannot fix them. Database errors are judged by their SQLSTATE
(db_errors.py): a lost privilege fails at once, a restarting server is retried.
`classify` is plain Python; `ReportRetryPolicy` adapts it to Airflow 3.3's `retry_policy`
(evaluated in the worker, on the exception).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

from process_report.db_errors import PERMANENT, TRANSIENT, classify_sqlstate, sqlstate

_TRANSIENT_STATUSES = {0, 408, 429}


def classify(error: BaseException) -> str | None:
    """TRANSIENT, PERMANENT, or None (no opinion: Airflow's usual retries apply)."""
    from process_report.graph.auth import GraphConfigError, SignInRequiredError
    from process_report.graph.client import AmbiguousSendError, GraphError
    from process_report.settings import SettingsError
    from process_report.window import WindowError

    if isinstance(error, SettingsError | WindowError | GraphConfigError | SignInRequiredError):
        return PERMANENT
    if isinstance(error, GraphError):  # the client says when a call may pass later
        status = error.status
        passing = error.transient or status in _TRANSIENT_STATUSES or status >= 500
        return TRANSIENT if passing else PERMANENT
    declared = getattr(error, "transient", None)
    if isinstance(declared, bool):
        return TRANSIENT if declared else PERMANENT
    by_sqlstate = classify_sqlstate(sqlstate(error))  # a database driver's own error
    if by_sqlstate is not None:
        return by_sqlstate
    if isinstance(error, PermissionError):
        return PERMANENT
    if isinstance(error, AmbiguousSendError | ConnectionError | TimeoutError):
        return TRANSIENT
    return None


class ReportRetryPolicy(RetryPolicy):
    """Retry transient failures (after the server's Retry-After when it gave one), fail
    permanent ones at once, leave the rest to the task's retries."""

    def evaluate(
        self, exception: BaseException, try_number: int, max_tries: int, context: Any = None
    ) -> RetryDecision:
        kind = classify(exception)
        if kind == PERMANENT:
            return RetryDecision.fail(f"permanent: {type(exception).__name__}")
        if kind == TRANSIENT:
            wait = getattr(exception, "retry_after", None)
            delay = timedelta(seconds=wait) if isinstance(wait, int | float) and wait > 0 else None
            return RetryDecision.retry(delay, f"transient: {type(exception).__name__}")
        return RetryDecision.default()

    def serialize(self) -> dict[str, Any]:
        return {"policy": "process_report.retry_policy.ReportRetryPolicy"}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> ReportRetryPolicy:
        return cls()
