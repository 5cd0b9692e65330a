"""The failure callbacks: a task's final error recorded for the alert, and the
one alert per failed or late run."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.alerts import alert_headline, alert_message, failure_record
from process_report.links import run_links
from process_report.redact import Redactor
from process_report.sending import send_mail
from process_report.settings import Settings
from process_report.tasks.common import graph_client, load_settings

log = logging.getLogger(__name__)


def record_task_failure(context: Mapping[str, Any]) -> None:
    """Task on_failure_callback (a task's final failure): keep its redacted error where
    the run's failure alert finds it. Never raises: an alert must not fail twice."""
    from airflow.sdk._shared.secrets_masker import redact as airflow_redact

    ti = context["ti"]
    try:
        settings = load_settings()
        record = failure_record(
            ti.task_id,
            ti.map_index,
            ti.try_number,
            context.get("exception") or RuntimeError("no exception recorded"),
            lambda text: Redactor().redact_text(str(airflow_redact(text))),
        )
        folder = artifacts.failures_folder(settings.artifacts_root, context["run_id"])
        artifacts.write_json(folder, f"{ti.task_id}.{ti.map_index}.json", record)
    except Exception as exc:  # the alert says "no task recorded its error" instead
        log.warning("Could not record the failure of %s for the alert: %s", ti.task_id, exc)


def send_failure_alert(context: Mapping[str, Any]) -> None:
    """DAG on_failure_callback: one alert per failed (or timed-out: late) run, to the
    alert recipients, never to a run's `recipients` Param (that is for test sends)."""
    dag_id, run_id = context["dag"].dag_id, context["run_id"]
    _send_alert(dag_id, run_id, alert_headline(run_id, str(context.get("reason") or "")))


def _send_alert(dag_id: str, run_id: str, headline: str) -> None:
    """Send the alert through Graph; when it cannot go out, log it at ERROR instead, so
    whoever watches the logs still hears of it."""
    try:
        settings = load_settings()
    except AirflowFailException as exc:
        log.error("%s. The alert cannot be sent: %s", headline, exc)
        return
    failures = _recorded_failures(settings, run_id)
    try:
        client, config = graph_client()
        message = alert_message(
            dag_id=dag_id,
            run_id=run_id,
            headline=headline,
            failures=failures,
            run_url=_run_url(dag_id, run_id),
            recipients=settings.alert_to,
            sender=config.mailbox,
        )
        send_mail(client, config.mail_root, message)
    except Exception as exc:  # Graph down, sign-in gone, no connection: say so loudly
        errors = "; ".join(f"{f['task_id']}: {f['error']}" for f in failures) or "see task logs"
        log.error("%s (%s). The alert could not be sent: %s", headline, errors, exc)
        return
    log.info("Alert sent to %d recipient(s): %s", len(settings.alert_to), headline)


def _recorded_failures(settings: Settings, run_id: str) -> list[dict[str, Any]]:
    folder = artifacts.failures_folder(settings.artifacts_root, run_id)
    if not folder.exists():
        return []
    return [artifacts.read_json(str(path)) for path in sorted(folder.iterdir())]


def _run_url(dag_id: str, run_id: str) -> str | None:
    """The run in the Airflow UI, from `[api] base_url` (none when it is not set)."""
    from airflow.configuration import conf

    links = run_links(conf.get("api", "base_url", fallback=None), dag_id, run_id)
    return links.run if links else None
