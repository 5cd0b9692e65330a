"""The DAG file imports cleanly, is wired as documented, and does no I/O at parse time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable
from airflow.sdk.definitions.mappedoperator import MappedOperator

from tests.support import PROJECT_DIR

DAG_ID = "client_process_daily_report"

# Parses the dags folder with every way of reaching a database or the network refused
# and recorded: sockets, SQLite, libpq (psycopg2/psycopg), Airflow variables and
# connections. Prints what was attempted as JSON.
GUARDED_PARSE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import Variable, BaseHook
import psycopg2, psycopg

attempts = []
def refuse(name):
    def refused(*args, **kwargs):
        attempts.append(name)
        raise RuntimeError(f"{name} at parse time")
    return refused

Variable.get = staticmethod(refuse("Variable.get"))
BaseHook.get_connection = classmethod(refuse("BaseHook.get_connection"))
psycopg2.connect = refuse("psycopg2.connect")
psycopg.connect = refuse("psycopg.connect")

def audit(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "sqlite3.connect"):
        attempts.append(event)
sys.addaudithook(audit)

bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dag_ids), "attempts": attempts}))
"""


@pytest.fixture(scope="module")
def dag():
    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags"))
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


@pytest.mark.parametrize("settings_in_env", [False, True])
def test_parsing_touches_no_database_network_variable_or_connection(settings_in_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_VAR_")}
    if settings_in_env:
        env["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"] = json.dumps({"timezone": "Europe/Paris"})
    result = subprocess.run(
        [sys.executable, "-c", GUARDED_PARSE, str(PROJECT_DIR / "dags")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {
        "errors": {},
        "dags": ["client_process_daily_report", "client_process_report_preflight"],
        "attempts": [],
    }


def test_schedule_is_a_data_interval_timetable_at_eight(dag):
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert "0 8 * * *" in repr(dag.timetable)
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_every_task_retries_with_exponential_backoff(dag):
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff >= 2.0, task.task_id
        assert task.retry_delay >= timedelta(minutes=1), task.task_id
        assert task.execution_timeout is not None, task.task_id


def test_dag_is_documented_tagged_and_has_the_trigger_params(dag):
    assert "Daily client-process report" in dag.doc_md
    assert {"reporting", "operations"} <= set(dag.tags)
    assert set(dag.params.keys()) == {"report_day", "window_end", "recipients", "dry_run"}
    assert dag.params["dry_run"] is False


def test_tasks_run_in_order_with_both_fan_outs_mapped(dag):
    assert dag.get_task("fetch_processes").upstream_task_ids == {"resolve_window"}
    for planner, mapped, also in (
        ("scan_failure_logs", "summarize_failures", set()),
        ("plan_videos", "resolve_videos", {"resolve_window"}),  # the run context
    ):
        assert dag.get_task(planner).upstream_task_ids == {"resolve_window", "fetch_processes"}
        task = dag.get_task(mapped)
        assert task.upstream_task_ids == {planner, *also}
        assert isinstance(task, MappedOperator)
    report = dag.get_task("compose_and_send_report")
    assert report.upstream_task_ids == {
        "resolve_window",
        "fetch_processes",
        "scan_failure_logs",
        "summarize_failures",
        "resolve_videos",
    }
    assert report.trigger_rule == "all_done"  # the report says what the others could not do
    teams = dag.get_task("post_to_teams")
    assert teams.upstream_task_ids == {"resolve_window", "fetch_processes", report.task_id}
    assert teams.trigger_rule == "all_success"  # only a report that went out is summarized
    digests = dag.get_task("send_owner_digests")
    assert digests.upstream_task_ids == {"resolve_window", "fetch_processes", report.task_id}
    assert digests.trigger_rule == "all_success"  # digests follow a report that went out
    assert digests.pool == "msgraph"


def test_ui_shows_the_report_timezone_a_description_and_a_report_day_picker(dag):
    assert dag.description
    assert dag.start_date.utcoffset() is not None  # aware, in the schedule's timezone
    report_day = dag.params.get_param("report_day")
    assert report_day.schema["format"] == "date"  # a date picker: no time to mis-pick
    assert report_day.value is None  # empty: the run's own window
    window_end = dag.params.get_param("window_end")
    assert window_end.schema["format"] == "date-time"


def test_description_and_doc_name_the_local_report_time_the_timetable_uses(monkeypatch):
    """Airflow 3.3's Details tab shows the instance's default zone and the schedule
    "0 8 * * *" names none: the description and the doc say "08:00 Europe/Paris", from
    the same value the timetable is built with."""
    monkeypatch.setenv(
        "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps({"timezone": "America/New_York"})
    )
    dag = DagBag(dag_folder=str(PROJECT_DIR / "dags")).dags[DAG_ID]
    assert str(dag.timetable.timezone) == "America/New_York"
    assert "at 08:00 America/New_York:" in dag.description
    assert "Every morning at 08:00 America/New_York this DAG" in dag.doc_md
    assert "report_day" in dag.doc_md
    assert "08:00 America/New_York" in dag.params.get_param("report_day").description


def test_no_task_logs_its_returned_value(dag):
    """Each task logs its own summary; Airflow's "Done. Returned value was: {...}" line
    would repeat the XCom's paths and counts in every task log."""
    for task in dag.tasks:
        kwargs = getattr(task, "partial_kwargs", None)
        shown = kwargs["show_return_value_in_logs"] if kwargs else task.show_return_value_in_logs
        assert shown is False, task.task_id


def test_mapped_instances_are_labelled_and_graph_tasks_share_one_pool(dag):
    for task_id in ("summarize_failures", "resolve_videos"):
        assert dag.get_task(task_id).map_index_template == "{{ batch_label }}"
    assert dag.get_task("resolve_videos").pool == "msgraph"
    assert dag.get_task("compose_and_send_report").pool == "msgraph"


def test_failures_alert_once_per_run_and_late_runs_alert_and_time_out(dag):
    from process_report.retry_policy import ReportRetryPolicy

    assert dag.on_failure_callback is not None
    # the report's deadline (60 min by default): a late run fails, which alerts, and
    # tomorrow's run is not held back
    assert dag.dagrun_timeout == timedelta(minutes=60)
    for task in dag.tasks:
        assert isinstance(task.retry_policy, ReportRetryPolicy), task.task_id
        assert task.execution_timeout is not None, task.task_id
