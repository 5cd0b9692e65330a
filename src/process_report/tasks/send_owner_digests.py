"""Task `send_owner_digests`: one email per owner with only their clients, after the
team report went out.

Each digest is the team report's own rendering cut to the owner's clients
(owners/digest.py), sent exactly once per clear of the run by the same send path as the
report, under its own send record (`outbox/owners/<owner>/`), so a retry sends only the
digests that did not go out yet. Sends are paced within Exchange's 30 messages a minute
per mailbox (pacing.py); throttling beyond that is waited out by the Graph client. One
owner's failure does not stop the others: the task fails at the end, naming them, and
Airflow's retry sends only what is missing. In a dry run each digest goes to the outbox.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.graph.client import GraphError
from process_report.links import run_links
from process_report.owners.digest import digest_inputs
from process_report.owners.routing import OwnerDigest, select_digests
from process_report.pacing import Pacer
from process_report.processes import FINISHED
from process_report.report import report_email
from process_report.run_context import RunContext
from process_report.tasks.common import extract_text, graph_client
from process_report.tasks.compose_history import remembered
from process_report.tasks.compose_report import (
    email_message,
    gathered_failures,
    gathered_videos,
    report_inputs,
    send_email,
)

log = logging.getLogger(__name__)


def send_owner_digests_task(
    *,
    run: Mapping[str, Any],
    fetched: Mapping[str, Any],
    failure_batches: Sequence[Mapping[str, Any]] | None,
    clear_number: int,
    dag_id: str,
    run_id: str,
    pacer: Pacer | None = None,
) -> dict[str, Any]:
    """Send (or, in a dry run, write) each owner's digest that is due; returns counts."""
    context = RunContext.from_xcom(run)
    settings = context.settings
    if not settings.owners:
        log.info("No owners in the settings: no digests to send.")
        return {"owners": 0}
    started = time.monotonic()
    with _prepared(context, fetched, failure_batches, run_id) as (digests, inputs, shared):
        due = [d for d in digests if d.goes_out]
        links = run_links(conf.get("api", "base_url", fallback=None), dag_id, run_id)
        graph = None if context.dry_run else graph_client()
        pacer = pacer or Pacer()
        outcome: dict[str, list[str]] = {"sent": [], "failed": []}
        for digest in due:
            # the 7-day trend is the team's: a digest links the whole report instead
            cut = digest_inputs(digest, **shared, trend=None)
            email = report_email(**inputs, **cut, links=links, read_extract=extract_text)
            records = f"outbox/owners/{_slug(digest.owner.email)}"
            recipients = [digest.owner.email]
            if graph is None:
                message, _ = email_message(email, recipients)
                artifacts.write_bytes(context.folder, f"{records}/message.eml", message.as_bytes())
                outcome["sent"].append(digest.owner.name)
                continue
            pacer.wait()
            try:
                send_email(context.folder, email, recipients, clear_number, graph, records)
                outcome["sent"].append(digest.owner.name)
            except (GraphError, AirflowFailException) as exc:
                log.warning("The digest of %s was not sent: %s", digest.owner.name, exc)
                outcome["failed"].append(digest.owner.name)
            pacer.sent()
    _log(context, digests, due, outcome, time.monotonic() - started, pacer.waited_s)
    if outcome["failed"]:
        raise RuntimeError(  # retried: the records make a retry send only what is missing
            f"{len(outcome['failed'])} owner digest(s) not sent: {', '.join(outcome['failed'])}"
        )
    return {"owners": len(digests), "due": len(due), "sent": len(outcome["sent"])}


@contextmanager
def _prepared(
    context: RunContext,
    fetched: Mapping[str, Any],
    failure_batches: Sequence[Mapping[str, Any]] | None,
    run_id: str,
) -> Iterator[tuple[list[OwnerDigest], dict[str, Any], dict[str, Any]]]:
    """The owners' digests, the report inputs they all pass as they are, and the
    failures and lifecycle each digest cuts to its owner: what the report task read and
    computed, read and computed again the same way (the past is that of the days before
    the report day, so the lifecycle is the same). The records stream past: a digest
    keeps its owner's processes only."""
    failures, _, complete = gathered_failures(failure_batches)
    videos, _ = gathered_videos(context.folder)
    with report_inputs(fetched, failures, videos) as (store, summaries, looked_up):
        known = artifacts.read_json(fetched["clients_path"]) if fetched.get("clients_path") else []
        records = (_with_video_missing(p, looked_up) for p in store.records())
        digests, _ = select_digests(context.settings.owners, records, known)
        past = remembered(
            context,
            fetched,
            store,
            summaries,
            failures_complete=complete,
            now=datetime.now(UTC),
            run_id=run_id,
        )
        inputs = {
            "window": context.window,
            "generated_at": datetime.now(UTC),
            "videos": looked_up,
            "logs_timezone": context.settings.logs_timezone,
            "history_problem": past.history_problem,
        }
        yield digests, inputs, {"failures": summaries, "history": past.history}


def _with_video_missing(
    p: dict[str, Any], videos: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Any]:
    """Whether a finished process's video was looked up and not found, which makes an
    owner's digest need attention."""
    p["video_missing"] = (
        videos is not None
        and p["category"] == FINISHED
        and not (videos.get(p["uuid"]) or {}).get("videos")
    )
    return p


def _slug(email: str) -> str:
    """A folder name for an owner's send records: readable, and unique per address."""
    readable = re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")[:40]
    return f"{readable}-{hashlib.sha256(email.lower().encode()).hexdigest()[:8]}"


def _log(
    context: RunContext,
    digests: list[OwnerDigest],
    due: list[OwnerDigest],
    outcome: dict[str, list[str]],
    seconds: float,
    paced_s: float,
) -> None:
    quiet = len(digests) - len(due)
    log.info(
        "Owner digests for %s: %d %s to %d recipient(s), %d not sent, %d owner(s) with "
        "nothing to report (when: failures); %.1f s, %.1f s of it paced",
        context.window.report_day.isoformat(),
        len(outcome["sent"]),
        "written to the outbox (dry run)" if context.dry_run else "sent",
        len({d.owner.email.lower() for d in due if d.owner.name in outcome["sent"]}),
        len(outcome["failed"]),
        quiet,
        seconds,
        paced_s,
    )
