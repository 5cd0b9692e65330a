"""
### Daily client-process report

Every morning at {report_time} this DAG mails the operations team what
happened to the clients' processes in the 24 hours before: how many finished, failed
and are still running, with each failure, each finished process and each running one.

**Window.** A scheduled run covers its data interval `[D-1 08:00, D 08:00)` in
{timezone}; the email's times are all in that zone. A run from the trigger form covers
the day ending at the last 08:00 before its Logical date (the form fills in now: the
latest full day); `airflow dags trigger` covers the latest full day (its
`--logical-date` only labels the run). The `report_day` Param picks any day instead
(its 08:00 to the next day's 08:00). A `window_end` not at 08:00 is refused. Reruns and
backfills of a past day give that day's report again.

**Tasks.** `resolve_window` validates the `process_report_settings` variable and fixes
the window; `fetch_processes` reads the window from the `process_db` connection;
`scan_failure_logs` reads every log file once for all failed processes and stores
redacted extracts; `summarize_failures` (mapped, at most `max_mapped_instances`
instances, 4 by default) turns extracts into key errors and signatures; `plan_videos`
groups finished processes by client folder and `resolve_videos` (mapped, as many)
finds their OneDrive videos through Microsoft Graph; `compose_and_send_report` renders
the email into the run's archive and sends it through Graph, at most once per clear of
the run (with `dry_run`, it writes the message to the run's outbox instead);
`post_to_teams` posts the day's summary card to a Teams channel, once per clear, when
the connection `teams_report` exists, and `send_owner_digests` mails each owner of
clients (setting `owners`) a digest with only their clients, each once per clear, paced
within the mailbox's limits.

**When it goes wrong.** A failed run sends one alert (to `alert_recipients`, else the
report's recipients) naming the failed task and its redacted error, with the run's
link; a run not finished `report_deadline_minutes` after it started times out and
sends a "late" alert. Transient faults (throttling, network, 5xx) are retried; configuration,
permission and other 4xx errors fail at once. Graph-calling tasks share the `msgraph`
pool across runs.

**Configuration** (docs/configuration.md): connection `process_db`, connection
`msgraph_default`, optional connection `teams_report`, variable
`process_report_settings`, pool `msgraph`; Params `report_day`, `window_end`,
`recipients`, `dry_run`.
"""

from __future__ import annotations

import functools
import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import (
    CronDataIntervalTimetable,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)

from process_report.links import DAG_ID
from process_report.retry_policy import ReportRetryPolicy
from process_report.settings import report_deadline_minutes, schedule_timezone
from process_report.window import REPORT_CRON, report_time_label

SCHEDULE_TIMEZONE = schedule_timezone()
REPORT_TIME_LABEL = report_time_label(SCHEDULE_TIMEZONE)  # "08:00 Europe/Paris"
GRAPH_POOL = "msgraph"  # caps Graph-calling task instances across all runs (README)


def _tasks(name: str):
    """The module of one task body (`process_report.tasks.<name>`), imported when the
    task runs rather than each time the scheduler parses this file: with NumPy,
    requests and MSAL the task modules cost ~0.5 s an import."""
    return importlib.import_module(f"process_report.tasks.{name}")


def _record_task_failure(context) -> None:
    _tasks("alerts").record_task_failure(context)


def _send_failure_alert(context) -> None:
    _tasks("alerts").send_failure_alert(context)


# Each task logs its own summary line; the returned paths and counts are not repeated as
# a long "Returned value was" dict (they are in XCom). Set per task: a mapped task does
# not take it from default_args.
report_task = functools.partial(task, show_return_value_in_logs=False)


def _label(batch: dict) -> dict:
    """Name a mapped instance in the UI by its batch (map_index_template)."""
    get_current_context()["batch_label"] = batch["label"]
    return batch


@dag(
    dag_id=DAG_ID,
    # The timezone named from the value the timetable uses: Airflow 3.3's Details tab
    # shows the instance's default zone, and the schedule "0 8 * * *" names none.
    description=f"Daily email to operations at {REPORT_TIME_LABEL}: finished, failed and "
    "running client processes",
    # A plain cron string gives a zero-length data interval in Airflow 3; this
    # timetable gives the [D-1 08:00, D 08:00) interval the report covers.
    schedule=CronDataIntervalTimetable(REPORT_CRON, timezone=SCHEDULE_TIMEZONE),
    start_date=datetime(2026, 1, 1, tzinfo=ZoneInfo(SCHEDULE_TIMEZONE)),
    catchup=False,
    max_active_runs=1,
    # The report's deadline: a run not finished by then fails, which sends the "late"
    # alert, and cannot hold back tomorrow's run (max_active_runs=1). Not Airflow
    # 3.3's DeadlineAlert: with one, a successful dag.test() run crashes in
    # DagRun.update_state (deadline ids deserialized as dicts).
    dagrun_timeout=timedelta(minutes=report_deadline_minutes()),
    on_failure_callback=_send_failure_alert,
    tags=["reporting", "operations", "client-processes"],
    doc_md=__doc__.format(report_time=REPORT_TIME_LABEL, timezone=SCHEDULE_TIMEZONE),
    default_args={
        "owner": "operations",
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=20),
        "retry_policy": ReportRetryPolicy(),
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": _record_task_failure,
    },
    params={
        "report_day": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Report day",
            description=f"Report on this day: from its {REPORT_TIME_LABEL} to the next "
            "day's (e.g. 2026-11-26). Empty: the day ending at the last 08:00 before the "
            "Logical date (now: the latest full day). Refused on backfill runs.",
        ),
        "window_end": Param(
            None,
            type=["null", "string"],
            format="date-time",
            title="Window end (advanced)",
            description=f"Report on the day ending here; it must be {REPORT_TIME_LABEL} "
            "(e.g. 2026-11-27T08:00:00+01:00; no offset means the report timezone): any "
            "other time is refused. Prefer Report day. Refused on backfill runs.",
        ),
        "recipients": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="Recipients",
            description="Send to these addresses instead of the settings' recipients "
            "(the report only; alerts always go to the alert recipients).",
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
    @report_task(multiple_outputs=False, execution_timeout=timedelta(minutes=2))
    def resolve_window(
        params=None, data_interval_start=None, data_interval_end=None, dag_run=None, run_id=None
    ) -> dict:
        return _tasks("resolve_window").resolve_window_task(
            params=params,
            schedule_timezone=SCHEDULE_TIMEZONE,
            data_interval_start=data_interval_start,
            data_interval_end=data_interval_end,
            run_after=dag_run.run_after,
            run_id=run_id,
            run_type=str(dag_run.run_type),
        )

    @report_task(multiple_outputs=False)
    def fetch_processes(run: dict) -> dict:
        return _tasks("fetch_processes").fetch_processes_task(run=run)

    @report_task(execution_timeout=timedelta(minutes=30))
    def scan_failure_logs(run: dict, fetched: dict) -> list:
        return _tasks("scan_failure_logs").scan_failure_logs_task(run=run, fetched=fetched)

    @report_task(map_index_template="{{ batch_label }}", multiple_outputs=False)
    def summarize_failures(batch: dict) -> dict:
        return _tasks("summarize_failures").summarize_failures_task(batch=_label(batch))

    @report_task
    def plan_videos(run: dict, fetched: dict) -> list:
        return _tasks("videos").plan_videos_task(run=run, fetched=fetched)

    @report_task(
        map_index_template="{{ batch_label }}",
        multiple_outputs=False,
        pool=GRAPH_POOL,
        execution_timeout=timedelta(minutes=20),
    )
    def resolve_videos(run: dict, batch: dict, ti=None) -> dict:
        return _tasks("videos").resolve_videos_task(
            run=run, batch=_label(batch), try_number=ti.try_number, max_tries=ti.max_tries
        )

    # Runs whatever became of the log and video tasks, and says in the report what they
    # could not do; without the window's processes it fails instead (no report).
    @report_task(multiple_outputs=False, trigger_rule=TriggerRule.ALL_DONE, pool=GRAPH_POOL)
    def compose_and_send_report(
        run: dict | None, fetched: dict | None, failure_batches: list | None, dag_run=None
    ) -> dict:
        return _tasks("compose_report").compose_and_send_report_task(
            run=run,
            fetched=fetched,
            failure_batches=failure_batches,
            clear_number=dag_run.clear_number or 0,
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
        )

    # After the report: a webhook that fails never holds the email back (optional
    # connection teams_report; without it the task does nothing).
    @report_task(multiple_outputs=False, execution_timeout=timedelta(minutes=5))
    def post_to_teams(run: dict, fetched: dict, dag_run=None, ti=None) -> dict:
        return _tasks("post_to_teams").post_to_teams_task(
            run=run,
            fetched=fetched,
            clear_number=dag_run.clear_number or 0,
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
            try_number=ti.try_number,
        )

    # After the report: one digest per owner of clients (the settings' `owners`), each
    # sent once per clear and paced within the mailbox's limits.
    @report_task(multiple_outputs=False, pool=GRAPH_POOL, execution_timeout=timedelta(minutes=30))
    def send_owner_digests(run: dict, fetched: dict, report: dict, dag_run=None) -> dict:
        return _tasks("send_owner_digests").send_owner_digests_task(
            run=run,
            fetched=fetched,
            # the summaries the report used (a failed log scan leaves none: the digests
            # then say so, as the report did, and still go out)
            failure_batches=report["failure_batches"],
            clear_number=dag_run.clear_number or 0,
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
        )

    run = resolve_window()
    fetched = fetch_processes(run)
    # Both fan-outs are batches sized so a small day makes one or two instances and a
    # big one at most the settings' max_mapped_instances (process_report.batches).
    failure_batches = scan_failure_logs(run, fetched)
    summaries = summarize_failures.expand(batch=failure_batches)
    videos = resolve_videos.partial(run=run).expand(batch=plan_videos(run, fetched))
    # The mapped results travel as files in the run's folder, not as XCom: the report
    # task reads what each instance left, whichever of them failed.
    report = compose_and_send_report(run, fetched, failure_batches)
    (
        [summaries, videos]
        >> report
        >> [
            post_to_teams(run, fetched),
            send_owner_digests(run, fetched, report),
        ]
    )


client_process_daily_report()
