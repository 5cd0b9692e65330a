"""The alert: one short email when a run fails or its report is late, saying which task
failed, why, and where to look.

Pure: the DAG's failure callback (`tasks.alerts.send_failure_alert`) gathers the inputs
and sends it through the same Graph client and sign-in as the report. Errors are
redacted and clipped, so one enormous exception message cannot make the alert
unreadable, nor a secret in it reach a mailbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

ERROR_CHARS = 1000


def failure_record(
    task_id: str, map_index: int, try_number: int, error: BaseException, redact
) -> dict[str, Any]:
    """What a task's final failure leaves for the run's alert: the error, redacted by
    `redact` (str -> str) and clipped."""
    text = redact(f"{type(error).__name__}: {error}")
    if len(text) > ERROR_CHARS:
        text = text[:ERROR_CHARS] + " …"
    return {"task_id": task_id, "map_index": map_index, "try_number": try_number, "error": text}


def alert_headline(run_id: str, reason: str) -> str:
    """The alert's first line; a run that hit its `dagrun_timeout` (Airflow's reason
    "timed_out") is a late report, not a broken one."""
    if "timed_out" in reason:
        return (
            f"The daily process report is late: run {run_id} did not finish by its "
            f"deadline and was stopped"
        )
    return f"The daily process report failed: run {run_id}"


def alert_message(
    *,
    dag_id: str,
    run_id: str,
    headline: str,
    failures: Sequence[Mapping[str, Any]],
    run_url: str | None,
    recipients: Sequence[str],
    sender: str | None = None,
) -> EmailMessage:
    """A plain-text alert: what happened, each failed task with its error, the run's link."""
    lines = [headline, "", f"DAG: {dag_id}", f"Run: {run_id}"]
    if run_url:
        lines.append(f"Open the run: {run_url}")
    lines.append("")
    if failures:
        lines.append("Failed tasks:")
        for failure in failures:
            index = f"[{failure['map_index']}]" if failure["map_index"] >= 0 else ""
            lines.append(
                f"- {failure['task_id']}{index} (try {failure['try_number']}): {failure['error']}"
            )
    else:
        lines.append("No task recorded its error; the run's task logs say what happened.")
    message = EmailMessage(policy=SMTP)
    message["Subject"] = f"[ALERT] {headline}"
    if sender:
        message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content("\n".join(lines) + "\n", charset="utf-8")
    return message
