"""Task `post_to_teams`: the report day's summary as an Adaptive Card in a Teams channel,
through the optional connection `teams_report` (type HTTP, host = the channel's
Workflows webhook URL, a secret: its `sig` signs the request).

It runs after the report went out, so a webhook failure never holds the email back; it
is retried like any Graph fault and, failing for good, fails the run, which sends the
alert. At most one card per clear of the run (teams.post). Without the connection it
does nothing and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from airflow.sdk import ObjectStoragePath
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from process_report import artifacts
from process_report.history import RECORD_FILE, compare, read_past
from process_report.links import run_links
from process_report.run_context import RunContext
from process_report.send_record import SendRecord
from process_report.teams.card import summary_card, webhook_message
from process_report.teams.post import post_once
from process_report.teams.summary import card_summary
from process_report.teams.webhook import post_message, webhook_session

log = logging.getLogger(__name__)
TEAMS_CONN_ID = "teams_report"


def post_to_teams_task(
    *,
    run: Mapping[str, Any],
    fetched: Mapping[str, Any],
    clear_number: int,
    dag_id: str,
    run_id: str,
    try_number: int,
) -> dict[str, Any]:
    """Post the card once for this clear; returns what happened."""
    webhook = _webhook()
    if webhook is None:
        log.info("No %s connection: nothing posted to Teams.", TEAMS_CONN_ID)
        return {"teams": "not configured"}
    url, verify = webhook
    context = RunContext.from_xcom(run)
    card = summary_card(_summary(context, fetched, dag_id, run_id))
    record = SendRecord(context.folder / f"outbox/teams-record-{clear_number}.json")
    session = webhook_session(verify)
    outcome = post_once(
        record, lambda: post_message(session, url, webhook_message(card)), f"try-{try_number}"
    )
    host = urlsplit(url).hostname
    log.info("Teams card for %s: %s (webhook at %s)", context.window.report_day, outcome, host)
    if outcome == "outcome unknown":
        log.warning(
            "An earlier attempt's post to Teams got no answer: the card may be missing from "
            "the channel. Clear post_to_teams to post it again."
        )
    return {"teams": outcome}


def _webhook() -> tuple[str, bool | str] | None:
    """(URL, verify) of `teams_report`, registered with the secrets masker; None when
    the connection does not exist."""
    from airflow.sdk import BaseHook
    from airflow.sdk.log import mask_secret

    try:
        conn = BaseHook.get_connection(TEAMS_CONN_ID)
    except AirflowNotFoundException:
        return None
    url = (conn.host or "").strip()
    if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
        raise AirflowFailException(
            f"Airflow connection '{TEAMS_CONN_ID}': host must be the whole Workflows webhook "
            "URL (https://…/workflows/…/invoke?…&sig=…)"
        )
    mask_secret(url)
    for value in parse_qs(urlsplit(url).query).get("sig", []):
        mask_secret(value)
    verify = conn.extra_dejson.get("verify", True)
    return url, verify if isinstance(verify, bool | str) else True


def _summary(
    context: RunContext, fetched: Mapping[str, Any], dag_id: str, run_id: str
) -> dict[str, Any]:
    """The card's summary from the run's files; the lifecycle is computed again from the
    day's record and the days before it (the same pure functions as the email's, so the
    same answer), which keeps this task independent of the report task's internals."""
    settings, day = context.settings, context.window.report_day
    record = _json_or_none(context.folder / RECORD_FILE)
    lifecycle = None
    if record is not None:
        past = read_past(ObjectStoragePath(settings.artifacts_root), day, settings.history_days)
        lifecycle = compare(record, past, settings.known_issues, day)
    trend = (
        _json_or_none(ObjectStoragePath(fetched["trend_path"]))
        if fetched.get("trend_path")
        else None
    )
    links = run_links(conf.get("api", "base_url", fallback=None), dag_id, run_id)
    return card_summary(
        report_day=_iso(day),
        timezone=settings.timezone,
        counts=fetched["counts"],
        record=record,
        lifecycle=lifecycle,
        trend=trend,
        links={"viewer": links.viewer if links else None, "run": links.run if links else None},
    )


def _json_or_none(path: ObjectStoragePath) -> Any:
    return artifacts.read_json(str(path)) if path.exists() else None


def _iso(day: date) -> str:
    return day.isoformat()
