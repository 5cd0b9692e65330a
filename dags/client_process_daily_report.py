"""
### Daily client-process report

Every morning at 08:00 (report timezone) this DAG mails the operations team what
happened to the clients' processes in the 24 hours before: how many finished, failed
and are still running, with each failure, each finished process and each running one.

**Window.** A scheduled run covers its data interval `[D-1 08:00, D 08:00)`. A manual
run covers the last complete window before it was triggered, or the one ending at the
`window_end` Param. Reruns and backfills of a past day give that day's report again.

**Tasks.** `resolve_window` validates the `process_report_settings` variable and fixes
the window; `fetch_processes` reads the window from the `process_db` connection;
`scan_failure_logs` reads every log file once for all failed processes and stores
redacted extracts; `summarize_failures` (mapped, at most 16 instances) turns extracts
into key errors and signatures; `plan_videos` groups finished processes by client
folder and `resolve_videos` (mapped, at most 16) finds their OneDrive videos through
Microsoft Graph; `compose_and_send_report` renders the email into the run's archive and
sends it through Graph, at most once per clear of the run (with `dry_run`, it writes
the message to the run's outbox instead).

**Configuration** (README, "Configuration reference"): connection `process_db`,
connection `msgraph_default`, variable `process_report_settings`; Params `window_end`,
`recipients`, `dry_run`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from process_report.settings import schedule_timezone
from process_report.window import REPORT_CRON

SCHEDULE_TIMEZONE = schedule_timezone()


def _tasks():
    """The task bodies, imported when a task runs rather than each time the scheduler
    parses this file: with NumPy, requests and MSAL they cost ~0.5 s an import."""
    from process_report import dag_tasks

    return dag_tasks


@dag(
    dag_id="client_process_daily_report",
    # A plain cron string gives a zero-length data interval in Airflow 3; this
    # timetable gives the [D-1 08:00, D 08:00) interval the report covers.
    schedule=CronDataIntervalTimetable(REPORT_CRON, timezone=SCHEDULE_TIMEZONE),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["reporting", "operations", "client-processes"],
    doc_md=__doc__,
    default_args={
        "owner": "operations",
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=20),
        "execution_timeout": timedelta(minutes=30),
    },
    params={
        "window_end": Param(
            None,
            type=["null", "string"],
            title="Window end",
            description="Report on the 24 hours ending here (ISO-8601, e.g. "
            "2026-11-27T08:00:00+01:00; no offset means the report timezone). "
            "Empty: the run's own window.",
        ),
        "recipients": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="Recipients",
            description="Send to these addresses instead of the settings' recipients.",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="Write the complete message to the run's outbox folder instead "
            "of sending it.",
        ),
    },
)
def client_process_daily_report():
    @task(multiple_outputs=False)
    def resolve_window(
        params=None, data_interval_start=None, data_interval_end=None, dag_run=None, run_id=None
    ) -> dict:
        return _tasks().resolve_window_task(
            params=params,
            schedule_timezone=SCHEDULE_TIMEZONE,
            data_interval_start=data_interval_start,
            data_interval_end=data_interval_end,
            run_after=dag_run.run_after,
            run_id=run_id,
        )

    @task(multiple_outputs=False)
    def fetch_processes(run: dict) -> dict:
        return _tasks().fetch_processes_task(run=run)

    @task
    def scan_failure_logs(run: dict, fetched: dict) -> list:
        return _tasks().scan_failure_logs_task(run=run, fetched=fetched)

    @task(max_active_tis_per_dagrun=4)
    def summarize_failures(batch: dict) -> list:
        return _tasks().summarize_failures_task(batch=batch)

    @task
    def plan_videos(run: dict, fetched: dict) -> list:
        return _tasks().plan_videos_task(run=run, fetched=fetched)

    @task(max_active_tis_per_dagrun=4, multiple_outputs=False)  # OneDrive throttles per user
    def resolve_videos(run: dict, batch: dict, ti=None) -> dict:
        return _tasks().resolve_videos_task(
            run=run, batch=batch, try_number=ti.try_number, max_tries=ti.max_tries
        )

    @task(multiple_outputs=False)
    def compose_and_send_report(
        run: dict,
        fetched: dict,
        failure_batches: list,
        failure_summaries: list,
        video_results: list,
        dag_run=None,
    ) -> dict:
        return _tasks().compose_and_send_report_task(
            run=run,
            fetched=fetched,
            failure_batches=failure_batches,
            failure_summaries=failure_summaries,
            video_results=video_results,
            clear_number=dag_run.clear_number or 0,
        )

    run = resolve_window()
    fetched = fetch_processes(run)
    # Both fan-outs are at most 16 mapped instances (process_report.batches), whatever
    # the number of processes.
    failure_batches = scan_failure_logs(run, fetched)
    summaries = summarize_failures.expand(batch=failure_batches)
    videos = resolve_videos.partial(run=run).expand(batch=plan_videos(run, fetched))
    compose_and_send_report(run, fetched, failure_batches, summaries, videos)


client_process_daily_report()
