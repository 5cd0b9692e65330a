"""The preflight check: the setup tested part by part before the first morning, without
sending anything (the original system's `python db_connection.py`, `log_retriever.py`,
`onedrive_manager.py` and its troubleshooting list, as one checklist).

Each check gives a `Check`: passed or not, what it saw, and when it failed, the fix to
apply, in the operator's terms. The checks take plain values and callables (a DB-API
connection factory, a Graph client), so they are tested without Airflow;
`process_report.tasks.preflight` reads the Airflow connections and variable and runs
them, from a shell (`make preflight`) or from the UI (DAG `client_process_report_preflight`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    name: str
    passed: bool
    detail: str
    fix: str = ""


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


def skipped(name: str, because: str) -> Check:
    """A check that could not run because an earlier one failed: a failure too, so the
    checklist never passes with a part untested."""
    return Check(name, False, f"not checked: {because}", "fix the check above first")


def checklist_lines(checks: Sequence[Check]) -> list[str]:
    """`PASS name: detail` or `FAIL name: detail` plus an indented `fix:` line."""
    lines = []
    for check in checks:
        lines.append(f"{'PASS' if check.passed else 'FAIL'} {check.name}: {check.detail}")
        if not check.passed and check.fix:
            lines.append(f"     fix: {check.fix}")
    failures = sum(not c.passed for c in checks)
    lines.append(
        f"{len(checks) - failures} of {len(checks)} checks passed"
        + ("; nothing was sent." if not failures else f"; {failures} to fix; nothing was sent.")
    )
    return lines
