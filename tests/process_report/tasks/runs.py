"""What the task-body tests share: the settings, the sample window, a resolved run,
the report task run on it without summaries, and what Airflow's masker does to a log
line."""

from __future__ import annotations

from datetime import UTC, datetime

from process_report.tasks import compose_report
from process_report.tasks import resolve_window as task

SETTINGS = {
    "logs_dir": "/logs",
    "onedrive_root": "Videos",
    "recipients": ["ops@example.com"],
    "timezone": "Europe/Paris",
}

DAY_END = datetime(2026, 11, 27, 7, tzinfo=UTC)

UUID = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"


def resolve(params=None, schedule_timezone="Europe/Paris"):
    return task.resolve_window_task(
        params=params or {},
        schedule_timezone=schedule_timezone,
        data_interval_start=DAY_END.replace(day=26),
        data_interval_end=DAY_END,
        run_after=DAY_END,
        run_id="scheduled__2026-11-27T07:00:00+00:00",
    )


def compose(run: dict, fetched: dict) -> dict:
    """The report task on the sample run (first clear), without failure summaries."""
    return compose_report.compose_and_send_report_task(
        run=run,
        fetched=fetched,
        failure_batches=None,
        clear_number=0,
        dag_id="client_process_daily_report",
        run_id="scheduled__2026-11-27T07:00:00+00:00",
    )


def masked_in_task_logs(value: str) -> bool:
    """What Airflow's log processors do to a log line holding `value`."""
    from airflow.sdk._shared.secrets_masker import redact

    return value not in redact(f"listing folder Videos/{value}/ failed")
