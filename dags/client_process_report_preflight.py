"""
### Preflight check of the daily client-process report

Run it by hand (Trigger) after setting up or changing the report's configuration, and
before the first morning. It checks, without sending anything, what
`client_process_daily_report` needs:

- the `process_report_settings` variable validates (recipients, timezones, patterns);
- `process_db` is reachable and its read-only role may select what the report's queries
  read;
- `msgraph_default` signs in (client secret or delegated), the mailbox's drafts are
  readable, and the OneDrive root with the client folders exists and is readable;
- `logs_dir` is readable and recent log files match `log_patterns`;
- `[api] base_url`, which the email's links start with, is an http(s) address.

The task log lists each check as PASS or FAIL, with the fix to apply for each failure;
the task fails when any check fails. From a shell: `make preflight`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from process_report.links import DAG_ID


@dag(
    dag_id="client_process_report_preflight",
    description=f"Check the setup of {DAG_ID} (database, Microsoft 365, logs) without sending",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["reporting", "operations", "preflight"],
    doc_md=__doc__,
    default_args={"owner": "operations", "retries": 0},
)
def client_process_report_preflight():
    @task(execution_timeout=timedelta(minutes=5))
    def run_preflight() -> dict:
        from process_report.tasks.preflight import preflight_task

        return preflight_task()

    run_preflight()


client_process_report_preflight()
