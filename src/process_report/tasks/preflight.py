"""The preflight check's Airflow side: reads the `process_report_settings` variable and
the `process_db` and `msgraph_default` connections as the report's tasks do, runs the
checklist of `process_report.preflight`, and sends nothing.

Two ways in: `make preflight` (this module's `main`, from a shell: outside a task
Airflow 3 finds connections and variables in the secrets backend and the environment,
not in the metadata DB) and the manual-only DAG `client_process_report_preflight`
(`preflight_task`, which also sees what is stored in the metadata DB).
"""

from __future__ import annotations

import logging
import sys

from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from process_report.graph.auth import GraphConfigError
from process_report.graph.client import RetryPolicy
from process_report.graph.connect import graph_client
from process_report.preflight import Check, checklist_lines, failed, skipped
from process_report.preflight.database import check_database
from process_report.preflight.local import check_logs, check_settings, check_viewer_base_url
from process_report.preflight.microsoft365 import check_microsoft365
from process_report.tasks.common import (
    GRAPH_CONN_ID,
    PROCESS_DB_CONN_ID,
    default_artifacts_root,
    graph_connection,
    settings_variable,
)

log = logging.getLogger(__name__)
# A preflight answers in seconds: Graph's throttling is waited out briefly, not for the
# report's two minutes.
PREFLIGHT_POLICY = RetryPolicy(max_wait_s=15.0, timeout_s=20.0)


def run_checklist() -> list[Check]:
    """Every check, in the order a setup is fixed: settings, database, Microsoft 365,
    logs, viewer. A check that needs what failed before it says so (never passes)."""
    settings_check, settings = check_settings(settings_variable(), default_artifacts_root())
    checks = [settings_check]
    checks += check_database(_connect_process_db, settings.db_timezone if settings else "UTC")
    checks += _microsoft365(settings.onedrive_root if settings else None)
    checks.append(check_logs(settings) if settings else skipped("logs_dir", "no valid settings"))
    checks.append(check_viewer_base_url(conf.get("api", "base_url", fallback=None)))
    return checks


def _connect_process_db():
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=PROCESS_DB_CONN_ID).get_conn()


def _microsoft365(onedrive_root: str | None) -> list[Check]:
    name = f"connection {GRAPH_CONN_ID}"
    try:
        client, config = graph_client(graph_connection(), policy=PREFLIGHT_POLICY)
    except AirflowNotFoundException:
        return [
            failed(
                name,
                "not found",
                f"define {GRAPH_CONN_ID} (docs: configuration reference; from a shell, in the "
                f"secrets backend or AIRFLOW_CONN_{GRAPH_CONN_ID.upper()})",
            )
        ]
    except GraphConfigError as exc:
        return [failed(name, str(exc).replace("\n", " "), f"edit {GRAPH_CONN_ID}")]
    if onedrive_root is None:
        return [skipped("Microsoft 365", "no valid settings (onedrive_root)")]
    return check_microsoft365(client, config, onedrive_root)


def preflight_task() -> dict[str, int]:
    """The DAG's task: each line logged; fails (unretried) naming what to fix."""
    checks = run_checklist()
    for line in checklist_lines(checks):
        log.info("%s", line)
    failures = [c.name for c in checks if not c.passed]
    if failures:
        raise AirflowFailException(
            f"Preflight: {len(failures)} check(s) failed: {', '.join(failures)}; the task log "
            "says what to fix for each. Nothing was sent."
        )
    return {"checks": len(checks), "failed": 0}


def main() -> int:
    """`make preflight`: the checklist on standard output; exit status 1 if any fails."""
    checks = run_checklist()
    print("\n".join(checklist_lines(checks)))
    return 1 if any(not c.passed for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
