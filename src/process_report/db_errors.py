"""Which process-database errors another try can cure, by their SQLSTATE.

A retry schedule of 2, 4 and 8 minutes is right for a database that is restarting and
wrong for a role that lost its SELECT: the alert then comes a quarter of an hour late,
after three tries that could not succeed. PostgreSQL says which is which in the
SQLSTATE's class (its first two characters):

- permanent: 28 (invalid authorization: a wrong password, an unknown role), 3D (the
  database does not exist), 42 (syntax error or access rule violation: 42501
  insufficient privilege, 42P01 undefined table, 42703 undefined column), 0A (feature
  not supported), 22 (data exception), 2B/2F/39/3F (schema and routine errors);
- transient: 08 (connection exception), 53 (insufficient resources), 57P (operator
  intervention: admin shutdown, crash shutdown, cannot connect now), 40001
  (serialization failure), 40P01 (deadlock), 55P03 (lock not available), 57014 (query
  canceled, e.g. a statement timeout).

psycopg2 exposes the SQLSTATE as `pgcode`, psycopg 3 as `sqlstate`. A failure while
connecting has none (libpq reports those as text only), so the server's few connection
refusals are recognized by their message (`FATAL:  password authentication failed`).
Plain Python, no driver import: both drivers' errors are read by duck typing. The
preflight check (preflight/database.py) reads the SQLSTATE the same way.
"""

from __future__ import annotations

import re
from functools import cache

from process_report.redact import Redactor

TRANSIENT, PERMANENT = "transient", "permanent"

_PERMANENT_CLASSES = frozenset({"28", "3D", "42", "0A", "22", "2B", "2F", "39", "3F"})
_TRANSIENT_CLASSES = frozenset({"08", "53"})
_TRANSIENT_PREFIXES = ("57P", "40001", "40P01", "55P03", "57014")

# The server's refusals while connecting, as libpq passes them on (no SQLSTATE attribute).
_CONNECT_REFUSALS = (
    (re.compile(r"password authentication failed"), "28P01"),
    (re.compile(r"role \"[^\"]*\" does not exist"), "28000"),
    (re.compile(r"no pg_hba\.conf entry"), "28000"),
    (re.compile(r"database \"[^\"]*\" does not exist"), "3D000"),
    (re.compile(r"permission denied for database"), "42501"),
    (re.compile(r"the database system is (?:starting up|shutting down)"), "57P03"),
    (re.compile(r"too many (?:clients|connections)"), "53300"),
)


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error, or of the error it was raised from; None when
    neither carries one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for attribute in ("pgcode", "sqlstate"):
            code = getattr(current, attribute, None)
            if isinstance(code, str) and len(code) == 5:
                return code.upper()
        text = str(current)
        for pattern, code in _CONNECT_REFUSALS:
            if pattern.search(text):
                return code
        current = current.__cause__ or current.__context__
    return None


def classify_sqlstate(code: str | None) -> str | None:
    """TRANSIENT, PERMANENT, or None (no opinion) for a SQLSTATE."""
    if not code:
        return None
    code = code.upper()
    if code.startswith(_TRANSIENT_PREFIXES) or code[:2] in _TRANSIENT_CLASSES:
        return TRANSIENT
    if code[:2] in _PERMANENT_CLASSES:
        return PERMANENT
    return None


class ProcessDbError(RuntimeError):
    """The process database refused or failed; `transient` says whether another try
    may succeed (None: no opinion, the task's usual retries apply) and `sqlstate` why."""

    def __init__(self, message: str, sqlstate: str | None, transient: bool | None) -> None:
        super().__init__(message)
        self.sqlstate, self.transient = sqlstate, transient


def process_db_error(
    error: BaseException, what: str, *, unknown_is_transient: bool = False
) -> ProcessDbError:
    """`error` as a ProcessDbError whose message starts with `what` (e.g. "The process
    database failed while reading the processes") and says whether it will be retried.
    `unknown_is_transient`: an error without a SQLSTATE (no server verdict, e.g. an
    unreachable host) is retried. The driver's message is kept, on one line and
    redacted (it names the table or role; a driver may quote its connection string)."""
    code = sqlstate(error)
    kind = classify_sqlstate(code)
    transient = unknown_is_transient if kind is None and unknown_is_transient else None
    if kind is not None:
        transient = kind == TRANSIENT
    verdict = {True: "will retry", False: "permanent: not retried", None: "may retry"}[transient]
    detail = _redactor().redact_text(" ".join(str(error).split())[:500])
    state = f"SQLSTATE {code}, " if code else ""
    return ProcessDbError(f"{what} ({state}{verdict}): {detail}", code, transient)


@cache
def _redactor() -> Redactor:
    return Redactor()
