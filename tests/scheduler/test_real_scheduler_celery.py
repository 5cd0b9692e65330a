"""The same triggered run as under LocalExecutor, through a CeleryExecutor worker: the
machine's Redis as the broker, the result backend on the PostgreSQL metadata DB, a
queue of the test's own. Skipped without Redis, except under CI=true, where it fails."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from process_report.links import DAG_ID
from tests.scheduler.conftest import (
    Mailbox,
    expected_subject,
    expected_window_line,
    full_form,
    readme_command,
    report_start,
    text_of,
)
from tests.support.scheduler_deployment import (
    RECIPIENTS,
    dag_runs,
    task_instances,
    wait_dag_stored,
    wait_for,
)

DAY = date(2026, 11, 15)


def finished_run(metadata: str, known: set[str]) -> dict | None:
    """The run that is not in `known`, once it is final."""
    runs = [r for r in dag_runs(metadata) if r["run_id"] not in known]
    return runs[0] if runs and runs[0]["state"] in ("success", "failed") else None


@pytest.fixture(scope="module")
def cluster(celery_cluster, scheduler_deployment):
    celery_cluster.airflow(*readme_command("airflow pools set"))
    wait_dag_stored(celery_cluster, scheduler_deployment.metadata_uri)
    # The LocalExecutor module has unpaused it already; run alone, this module starts
    # with the DAG paused (a triggered run waits for unpausing), and unpausing makes the
    # scheduled run first: let it finish, so the test counts only its own email.
    celery_cluster.airflow("dags", "unpause", DAG_ID)
    wait_for(
        lambda: [
            r
            for r in dag_runs(scheduler_deployment.metadata_uri)
            if r["run_type"] == "scheduled" and r["state"] in ("success", "failed")
        ],
        "the scheduled run",
        600,
        celery_cluster,
    )
    return celery_cluster


def test_triggered_run_goes_through_the_celery_worker_and_sends_one_report(
    cluster, scheduler_deployment, scheduler_standin
):
    mailbox = Mailbox(scheduler_standin)
    metadata = scheduler_deployment.metadata_uri
    known = {r["run_id"] for r in dag_runs(metadata)}
    before = mailbox.count()
    window_end = report_start(DAY + timedelta(days=1)).isoformat()
    cluster.airflow("dags", "trigger", DAG_ID, "-c", f'{{"window_end": "{window_end}"}}')

    run = wait_for(lambda: finished_run(metadata, known), "the triggered run", 600, cluster)
    assert run["state"] == "success"
    (report,) = mailbox.since(before)
    assert report["Subject"] == expected_subject(DAY)
    assert report["To"] == ", ".join(RECIPIENTS)
    assert expected_window_line(DAY) in text_of(report)
    instances = task_instances(metadata, run["run_id"])
    assert {ti["queue"] for ti in instances.values()} == {scheduler_deployment.queue}
    # The worker logs each workload it executes with its log path, which names the run,
    # the task and the map index: every task instance of the run went through it.
    executed = {
        task + (f"[{index}]" if index else "")
        for task, index in re.findall(
            r"Executing workload in Celery: .*?log_path='[^']*"
            + re.escape(f"/run_id={run['run_id']}/")
            + r"task_id=([\w]+)/(?:map_index=(\d+)/)?attempt=1\.log'",
            cluster.log_text("celery-worker"),
        )
    }
    assert executed == set(instances)


@full_form
def test_a_send_refused_once_is_retried_through_the_celery_worker_with_one_email(
    cluster, scheduler_deployment, scheduler_standin
):
    day = date(2026, 11, 13)
    mailbox = Mailbox(scheduler_standin)
    metadata = scheduler_deployment.metadata_uri
    known = {r["run_id"] for r in dag_runs(metadata)}
    before = mailbox.count()
    scheduler_standin.faults.refuse_once = {"send": 503}
    window_end = report_start(day + timedelta(days=1)).isoformat()
    cluster.airflow("dags", "trigger", DAG_ID, "-c", f'{{"window_end": "{window_end}"}}')
    run = wait_for(lambda: finished_run(metadata, known), "the triggered run", 600, cluster)
    assert scheduler_standin.faults.refuse_once == {}
    assert run["state"] == "success"
    send = task_instances(metadata, run["run_id"])["compose_and_send_report"]
    assert send["try_number"] == 2
    (report,) = mailbox.since(before)
    assert report["Subject"] == expected_subject(day)
