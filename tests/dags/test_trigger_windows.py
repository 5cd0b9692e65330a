"""What each way of starting a run by hand reports on, through Airflow 3.3.2's own
trigger code and the DAG's own timetable (docs/operations.md, "Which day a run reports
on"). The CLI's `--logical-date` and backfills are run for real by the scheduler tests
(tests/scheduler/test_real_scheduler.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from airflow.api_fastapi.core_api.datamodels.dag_run import TriggerDAGRunPostBody
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.serialized_objects import DagSerialization

from process_report.links import DAG_ID
from process_report.window import resolve_window
from tests.support import PROJECT_DIR

TIMEZONE = "Europe/Paris"


@pytest.fixture(scope="module")
def serialized_dag():
    """The DAG as the API server holds it, its schedule in Europe/Paris."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps({"timezone": TIMEZONE}))
        dag = DagBag(dag_folder=str(PROJECT_DIR / "dags")).dags[DAG_ID]
    return DagSerialization.from_dict(DagSerialization.to_dict(dag))


def form_trigger(serialized_dag, logical_date: str | None, conf: dict | None = None):
    """The run the trigger form (POST /api/v2/dags/{dag_id}/dagRuns) would create: its
    data interval and run_after, as Airflow computes them."""
    body = TriggerDAGRunPostBody(logical_date=logical_date, conf=conf or {})
    return body.validate_context(serialized_dag)


def report_day_of(run: dict, conf: dict | None = None) -> date:
    interval = run["data_interval"]
    return resolve_window(
        timezone=TIMEZONE,
        data_interval_start=interval.start if interval else None,
        data_interval_end=interval.end if interval else None,
        run_after=run["run_after"],
        **(conf or {}),
    ).report_day


@pytest.mark.parametrize(
    ("logical_date", "day"),
    [
        ("2026-11-27T07:00:00Z", date(2026, 11, 26)),  # 08:00 Paris: the day before
        ("2026-11-27T12:00:00Z", date(2026, 11, 26)),
        # A day picked in the form's date-time picker is 00:00 local: the window ending
        # at the 08:00 before it, two days back. report_day is the way to pick a day.
        ("2026-11-26T23:00:00Z", date(2026, 11, 25)),
    ],
)
def test_form_logical_date_reports_on_the_window_ending_at_the_last_0800_before_it(
    serialized_dag, logical_date, day
):
    assert report_day_of(form_trigger(serialized_dag, logical_date)) == day


def test_form_without_logical_date_reports_on_the_latest_full_day_before_the_trigger(
    serialized_dag,
):
    run = form_trigger(serialized_dag, None)
    assert run["data_interval"] is None
    expected = resolve_window(timezone=TIMEZONE, run_after=run["run_after"]).report_day
    assert report_day_of(run) == expected
    assert expected < run["run_after"].date()


@pytest.mark.parametrize("logical_date", [None, "2026-12-03T07:00:00Z"])
def test_form_report_day_param_reports_on_that_day_whatever_the_logical_date(
    serialized_dag, logical_date
):
    conf = {"report_day": "2026-11-26"}
    run = form_trigger(serialized_dag, logical_date, conf)
    assert report_day_of(run, conf) == date(2026, 11, 26)
