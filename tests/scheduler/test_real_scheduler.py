"""The production DAG under Airflow's real scheduler, DAG processor and API server
(LocalExecutor, PostgreSQL metadata DB), driven by the README's Operations commands:
a scheduled run, a backfill, a clear of the send task, a manual dry run, a send that
fails once and is retried, and a failed run's alert. One cluster serves the module;
each test counts only the emails that arrive during it."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest

from process_report.links import DAG_ID
from tests.scheduler.conftest import (
    Mailbox,
    expected_subject,
    expected_window_line,
    full_form,
    latest_scheduled_day,
    option,
    readme_command,
    report_start,
    text_of,
)
from tests.support.scheduler_deployment import (
    ALERT_RECIPIENTS,
    RECIPIENTS,
    dag_runs,
    task_instances,
    wait_dag_stored,
    wait_for,
)

RUN_TIMEOUT_S = 600
FINAL = ("success", "failed")


@pytest.fixture(scope="module")
def cluster(local_cluster, scheduler_deployment):
    """The cluster, set up as the README says: the `msgraph` pool, the DAG parsed."""
    local_cluster.airflow(*readme_command("airflow pools set"))
    wait_dag_stored(local_cluster, scheduler_deployment.metadata_uri)
    return local_cluster


@pytest.fixture(scope="module")
def mailbox(scheduler_standin) -> Mailbox:
    return Mailbox(scheduler_standin)


def wait_run(cluster, metadata_uri: str, match, what: str, timeout_s: float = RUN_TIMEOUT_S):
    """The run matching `match` (a predicate on dag_run rows) once it is final."""

    def final():
        found = [r for r in dag_runs(metadata_uri) if match(r)]
        return found[0] if found and found[0]["state"] in FINAL else None

    return wait_for(final, what, timeout_s, cluster)


def new_manual_run(cluster, metadata_uri: str, known: set[str], timeout_s=RUN_TIMEOUT_S):
    return wait_run(
        cluster,
        metadata_uri,
        lambda r: r["run_type"] == "manual" and r["run_id"] not in known,
        "the triggered run to finish",
        timeout_s,
    )


@pytest.fixture(scope="module")
def scheduled(cluster, scheduler_deployment, mailbox):
    """Unpause the DAG (it starts paused): the scheduler creates the latest run."""
    before = mailbox.count()
    day = latest_scheduled_day()
    cluster.airflow("dags", "unpause", DAG_ID)
    run = wait_run(
        cluster,
        scheduler_deployment.metadata_uri,
        lambda r: r["run_type"] == "scheduled",
        "the scheduled run",
    )
    return day, run, mailbox.since(before)


def test_unpausing_makes_the_scheduler_run_the_latest_day_which_sends_one_report(scheduled):
    day, run, emails = scheduled
    assert run["state"] == "success"
    assert run["logical_date"] == report_start(day)
    (report,) = emails
    assert report["Subject"] == expected_subject(day)
    assert report["To"] == ", ".join(RECIPIENTS)
    assert expected_window_line(day) in text_of(report)


@pytest.fixture(scope="module")
def backfilled(scheduled, cluster, scheduler_deployment, mailbox):
    """The README's backfill command, as written, once the scheduled run is done."""
    before = mailbox.count()
    command = readme_command("airflow backfill create")
    first = datetime.fromisoformat(option(command, "--from-date")).date()
    last = datetime.fromisoformat(option(command, "--to-date")).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert scheduled[0] not in days, "the README's backfill days must not include today's run"
    cluster.airflow(*command)

    def all_final():
        runs = [
            r for r in dag_runs(scheduler_deployment.metadata_uri) if r["run_type"] == "backfill"
        ]
        return runs if len(runs) == len(days) and all(r["state"] in FINAL for r in runs) else None

    runs = wait_for(all_final, "the backfill's runs", RUN_TIMEOUT_S * 2, cluster)
    return days, runs, mailbox.since(before)


def test_readme_backfill_sends_one_report_per_day_each_for_its_own_window(backfilled):
    days, runs, emails = backfilled
    assert len(days) == 3
    assert [r["state"] for r in runs] == ["success"] * 3
    assert sorted(r["logical_date"] for r in runs) == [report_start(d) for d in days]
    assert sorted(m["Subject"] for m in emails) == sorted(expected_subject(d) for d in days)
    for message in emails:
        day = date.fromisoformat(message["Subject"].split()[3].rstrip(":"))
        assert expected_window_line(day) in text_of(message)


def clear_as_the_readme_says(cluster, deployment, mailbox, command: list[str]) -> dict:
    """Run a README clear command for its `-s` day, wait for that day's run to finish
    again and check that it sent that day's report once more; the run as it was."""
    day = datetime.fromisoformat(option(command, "-s")).date()
    (run,) = [
        r for r in dag_runs(deployment.metadata_uri) if r["logical_date"] == report_start(day)
    ]
    before = mailbox.count()
    cluster.airflow(*command)
    cleared = wait_run(
        cluster,
        deployment.metadata_uri,
        lambda r: r["run_id"] == run["run_id"] and r["clear_number"] == run["clear_number"] + 1,
        "the cleared run to finish again",
    )
    assert cleared["state"] == "success"
    (again,) = mailbox.since(before)
    assert again["Subject"] == expected_subject(day)
    return run


def test_readme_clear_of_the_send_task_sends_that_days_report_once_more(
    backfilled, cluster, scheduler_deployment, mailbox
):
    command = readme_command("airflow tasks clear", having="-t")
    run = clear_as_the_readme_says(cluster, scheduler_deployment, mailbox, command)
    tries = {
        t: ti["try_number"]
        for t, ti in task_instances(scheduler_deployment.metadata_uri, run["run_id"]).items()
    }
    assert tries.pop("compose_and_send_report") == 2  # only the send task ran again
    assert set(tries.values()) == {1}


def test_readme_trigger_with_dry_run_writes_the_outbox_and_mails_no_one(
    backfilled, cluster, scheduler_deployment, mailbox
):
    command = readme_command("airflow dags trigger")
    conf = json.loads(option(command, "-c"))
    assert conf["dry_run"] is True
    day = datetime.fromisoformat(conf["window_end"]).date() - timedelta(days=1)
    known = {r["run_id"] for r in dag_runs(scheduler_deployment.metadata_uri)}
    before = mailbox.count()
    cluster.airflow(*command)
    run = new_manual_run(cluster, scheduler_deployment.metadata_uri, known)
    assert run["state"] == "success"
    assert mailbox.since(before) == []
    (outbox,) = scheduler_deployment.artifacts.glob(f"{day}/*/outbox/message.eml")
    message = message_from_bytes(outbox.read_bytes(), policy=default)
    assert message["Subject"] == expected_subject(day)
    assert expected_window_line(day) in text_of(message)


def trigger_for(cluster, day: date) -> None:
    """A manual run reporting on `day` (its window ends the next morning at 08:00)."""
    window_end = report_start(day + timedelta(days=1)).isoformat()
    cluster.airflow("dags", "trigger", DAG_ID, "-c", json.dumps({"window_end": window_end}))


def test_a_send_refused_once_is_retried_by_airflow_and_sends_one_email(
    backfilled, cluster, scheduler_deployment, scheduler_standin, mailbox
):
    day = date(2026, 11, 17)
    known = {r["run_id"] for r in dag_runs(scheduler_deployment.metadata_uri)}
    before = mailbox.count()
    scheduler_standin.faults.refuse_once = {"send": 503}  # Graph answers 503, sends nothing
    trigger_for(cluster, day)
    run = new_manual_run(cluster, scheduler_deployment.metadata_uri, known)
    assert scheduler_standin.faults.refuse_once == {}  # the refusal was met
    assert run["state"] == "success"
    tries = {
        t: ti["try_number"]
        for t, ti in task_instances(scheduler_deployment.metadata_uri, run["run_id"]).items()
    }
    assert tries.pop("compose_and_send_report") == 2
    assert set(tries.values()) == {1}
    (report,) = mailbox.since(before)
    assert report["Subject"] == expected_subject(day)


def test_a_failed_run_sends_one_alert_to_the_alert_recipients_only(
    backfilled, cluster, scheduler_deployment, scheduler_standin, mailbox
):
    day = date(2026, 11, 16)
    known = {r["run_id"] for r in dag_runs(scheduler_deployment.metadata_uri)}
    before = mailbox.count()
    scheduler_standin.faults.refuse_once = {"send": 403}  # permanent: no retry
    trigger_for(cluster, day)
    run = new_manual_run(cluster, scheduler_deployment.metadata_uri, known)
    assert run["state"] == "failed"
    send = task_instances(scheduler_deployment.metadata_uri, run["run_id"])[
        "compose_and_send_report"
    ]
    assert (send["state"], send["try_number"]) == ("failed", 1)
    # The DAG processor runs the run's failure callback, which sends the alert.
    wait_for(lambda: mailbox.count() > before, "the alert", 180, cluster)
    time.sleep(10)  # a second alert or a late report would arrive by now
    (alert,) = mailbox.since(before)
    assert alert["Subject"] == f"[ALERT] The daily process report failed: run {run['run_id']}"
    assert alert["To"] == ", ".join(ALERT_RECIPIENTS)
    body = text_of(alert)
    assert "- compose_and_send_report (try 1): GraphError" in body
    assert "403" in body


def test_readme_rerun_a_day_runs_every_task_again_and_sends_the_report_again(
    backfilled, cluster, scheduler_deployment, mailbox
):
    command = readme_command("airflow tasks clear", lacking="-t")
    run = clear_as_the_readme_says(cluster, scheduler_deployment, mailbox, command)
    instances = task_instances(scheduler_deployment.metadata_uri, run["run_id"])
    assert instances["resolve_window"]["try_number"] >= 2  # the whole run ran again


@full_form
def test_trigger_with_a_logical_date_still_reports_on_the_last_window_before_the_trigger(
    backfilled, cluster, scheduler_deployment, mailbox
):
    """README, "Logical dates": `airflow dags trigger --logical-date` only labels the
    run. Airflow 3.3.2 infers a triggered run's data interval from the moment it was
    triggered, so the report covers the last complete window, not the day before the
    logical date; `window_end` is the way to pick a day."""
    logical_date = report_start(date(2026, 11, 15))
    known = {r["run_id"] for r in dag_runs(scheduler_deployment.metadata_uri)}
    before = mailbox.count()
    cluster.airflow("dags", "trigger", DAG_ID, "--logical-date", logical_date.isoformat())
    run = new_manual_run(cluster, scheduler_deployment.metadata_uri, known)
    assert run["state"] == "success"
    assert run["logical_date"] == logical_date
    day = latest_scheduled_day()
    assert run["data_interval_start"] == report_start(day)
    (report,) = mailbox.since(before)
    assert report["Subject"] == expected_subject(day)
