"""Task `compose_and_send_report`: gather what the log and video tasks left and what
the archive remembers of the days before, render the report into the run's archive,
send it exactly once (or write the outbox), then remember the day (history.json)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from airflow.sdk import ObjectStoragePath
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.graph.auth import GraphConfig, SignInRequiredError
from process_report.graph.client import GraphClient, GraphError
from process_report.links import run_links
from process_report.mail import GRAPH_REQUEST_LIMIT, build_message, graph_request_size
from process_report.owners.routing import select_digests
from process_report.process_records import RecordsFileError, read_records, read_summary
from process_report.process_store import StoredLookup, StoredProcesses, stored_processes
from process_report.report import ReportEmail, report_email
from process_report.run_context import RunContext
from process_report.send_record import SendRecord, SendRecordError
from process_report.sending import send_once
from process_report.settings import Settings
from process_report.tasks.common import (
    VIDEO_PLAN,
    extract_text,
    graph_client,
    summaries_name,
    videos_found_name,
)
from process_report.tasks.compose_history import remember, remembered

log = logging.getLogger(__name__)


def compose_and_send_report_task(
    *,
    run: Mapping[str, Any] | None,
    fetched: Mapping[str, Any] | None,
    failure_batches: Sequence[Mapping[str, Any]] | None,
    clear_number: int,
    dag_id: str,
    run_id: str,
) -> dict[str, Any]:
    """Render the report into the run's archive, then send it (or, in a dry run, write
    it to the outbox). Sending happens at most once per clear of the run: a retry never
    sends a second copy, a deliberate rerun from the UI sends again.

    It runs whatever became of the log and video tasks (trigger rule all_done): what
    they could not do is said in the report. Only without the window's processes is
    there no report; the run then fails, and the failure alert is the one message."""
    if not run or not fetched:
        raise AirflowFailException(
            "The window's processes could not be read (resolve_window or fetch_processes "
            "failed), so there is no report to send; see that task's log."
        )
    context = RunContext.from_xcom(run)
    failures, failure_notes, failures_complete = gathered_failures(failure_batches)
    videos, video_notes = gathered_videos(context.folder)
    with report_inputs(fetched, failures, videos) as (store, summaries, looked_up):
        owner_notes = owners_notes(context.settings, store.records(), fetched)
        past = remembered(
            context,
            fetched,
            store,
            summaries,
            failures_complete=failures_complete,
            now=datetime.now(UTC),
            run_id=run_id,
        )
        email = report_email(
            window=context.window,
            process_data=store,
            previous_counts=fetched["previous_counts"],
            # The run's pages in the Airflow UI and the report viewer, at the address
            # people reach Airflow at ([api] base_url; without it, no links: extracts
            # are attached).
            links=run_links(conf.get("api", "base_url", fallback=None), dag_id, run_id),
            read_extract=extract_text,
            generated_at=datetime.now(UTC),
            notes=[*context.notes, *failure_notes, *video_notes, *past.notes, *owner_notes],
            failures=summaries,
            videos=looked_up,
            logs_timezone=context.settings.logs_timezone,
            history=past.history,
            history_problem=past.history_problem,
            trend=past.trend,
            trend_problem=past.trend_problem,
        )
    folder, recipients = context.folder, context.recipients
    result = _archive(folder, email)
    # the owner digests read the same summaries: they follow this task, not the scan's
    result["failure_batches"] = list(failure_batches or [])
    log.info(
        "Report rendered: %d KB HTML, %d attachment(s), %s rows per list in the body",
        len(email.body.html.encode()) // 1024,
        len(email.attachments),
        "all" if email.row_limit is None else email.row_limit,
    )
    if context.dry_run:
        message, _ = email_message(email, recipients)
        result["outbox_path"] = artifacts.write_bytes(
            folder, "outbox/message.eml", message.as_bytes()
        )
        log.info(
            "Dry run, nothing sent: %r for %d recipient(s) written to the outbox",
            email.body.subject,
            len(recipients),
        )
        return {**result, "history_path": remember(folder, past.record)}
    sent = send_email(folder, email, recipients, clear_number, graph_client())
    log.info(
        "%s %r to %d recipient(s) (%s body); draft id %s",
        "Sent" if sent["sent"] else "Not sent:",
        email.body.subject,
        len(recipients),
        sent["body"],
        sent["draft_id"],
    )
    return {**result, **sent, "history_path": remember(folder, past.record)}


@contextmanager
def report_inputs(
    fetched: Mapping[str, Any],
    failures: Iterator[dict[str, Any]] | None,
    videos: Iterator[tuple[str, dict[str, Any]]] | None,
) -> Iterator[tuple[StoredProcesses, StoredLookup | None, StoredLookup | None]]:
    """The window's records, the failure summaries and the video lookups in one store
    (process_store.py), read from the run's folder as they stream past: the store, and
    the summaries and lookups by UUID (None: not made, as the report then says).

    A records file that is not the whole window fails the task without retries, naming
    the file: a retry would read the same file, and a report from it would silently
    lack processes."""
    lookups = {
        "failures": None if failures is None else ((f["uuid"], f) for f in failures),
        "videos": videos,
    }
    path = fetched["processes_path"]
    try:
        with stored_processes(read_summary(path), read_records(path), lookups) as store:
            yield (
                store,
                None if failures is None else store.lookup("failures"),
                None if videos is None else store.lookup("videos"),
            )
    except RecordsFileError as exc:
        raise AirflowFailException(str(exc)) from None


def gathered_failures(
    batches: Sequence[Mapping[str, Any]] | None,
) -> tuple[Iterator[dict[str, Any]] | None, list[str], bool]:
    """The failure summaries the mapped tasks left (read as iterated), notes on what is
    missing, and whether every failure's summary was made (scan problems aside: an
    unreadable log is said, and its failure has no signature, which is what the logs
    allow)."""
    if not batches:
        return (
            None,
            [
                "The failure logs could not be scanned (scan_failure_logs failed): failures "
                "are listed without their errors."
            ],
            False,
        )
    failures_path = ObjectStoragePath(batches[0]["failures_path"])
    # The scan's notes carry a kind ({"kind", "text"}, logs/problems.py) to group by.
    notes = [problem["text"] for problem in artifacts.read_json(str(failures_path))["problems"]]
    made: list[ObjectStoragePath] = []
    complete = True
    for batch in batches:
        found = failures_path.parent / summaries_name(batch)
        if found.exists():
            made.append(found)
        elif batch["stop"] > batch["start"]:
            complete = False
            notes.append(
                f"The error summaries of failures {batch['start'] + 1} to {batch['stop']} "
                f"could not be made (summarize_failures failed after its retries)."
            )
    return (summary for path in made for summary in artifacts.read_json(str(path))), notes, complete


def gathered_videos(
    folder: ObjectStoragePath,
) -> tuple[Iterator[tuple[str, dict[str, Any]]] | None, list[str]]:
    """The video lookups the mapped tasks left, as (UUID, lookup) pairs read as
    iterated; a batch whose task failed for good marks its processes "link
    unavailable" instead of leaving them out."""
    plan = folder / VIDEO_PLAN
    if not plan.exists():
        return None, ["Video links could not be looked up (plan_videos failed)."]
    return _video_lookups(folder, artifacts.read_json(str(plan))), []


def _video_lookups(
    folder: ObjectStoragePath, plan: Sequence[Mapping[str, Sequence[str]]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, uuids_by_key in enumerate(plan):
        found = folder / videos_found_name(index)
        if found.exists():
            yield from artifacts.read_json(str(found)).items()
            continue
        reason = "link unavailable: the video lookup failed after its retries"
        for uuids in uuids_by_key.values():
            yield from ((uuid, {"videos": [], "error": reason}) for uuid in uuids)


def _archive(folder: ObjectStoragePath, email: ReportEmail) -> dict[str, Any]:
    """Keep what the email shows, so any past day's report can be looked at again."""
    return {
        "subject": email.body.subject,
        "html_path": artifacts.write_text(folder, "report.html", email.body.html),
        "text_path": artifacts.write_text(folder, "report.txt", email.body.text),
        "attachments": [
            artifacts.write_bytes(folder, f"attachments/{a.name}", a.data)
            for a in email.attachments
        ],
        "body_row_limit": email.row_limit,
    }


def send_email(
    folder: ObjectStoragePath,
    email: ReportEmail,
    recipients: Sequence[str],
    clear_number: int,
    graph: tuple[GraphClient, GraphConfig],
    records: str = "outbox",
) -> dict[str, Any]:
    """Send through Graph exactly once per clear of the run, keyed by the clear's send
    record in the run's `records` folder (each message of a run has its own: the
    report's `outbox`, each owner digest's below it); the earlier clears' records are
    settled first. What only a person can resolve (an unreadable record, a deleted
    draft whose send may have gone out) fails without retries, naming the fix; anything
    else is retried, and the retry picks the send up where it stopped."""
    client, config = graph
    message, minimal = email_message(email, recipients, config.mailbox)
    try:
        *earlier, record = (
            SendRecord(folder / f"{records}/send-record-{n}.json") for n in range(clear_number + 1)
        )
        try:
            sent = send_once(client, config.mail_root, message, record, earlier)
        except GraphError as exc:
            if exc.status != 413 or minimal:
                raise
            # Graph refused the message as too large (a limit below the documented 4 MB,
            # e.g. a gateway's): nothing was drafted, so the same record sends the
            # minimal body instead, never no report.
            log.warning("%s: sending the report's minimal form instead", exc)
            message, minimal = (
                build_message(email.minimal, recipients, sender=config.mailbox),
                True,
            )
            sent = send_once(client, config.mail_root, message, record, earlier)
    except (SignInRequiredError, SendRecordError) as exc:
        raise AirflowFailException(str(exc)) from None
    return {
        "draft_id": sent["draft_id"],
        "sent": sent["state"] == "sent",
        "body": "minimal" if minimal else "full",
    }


def owners_notes(
    settings: Settings, processes: Iterable[Mapping[str, Any]], fetched: Mapping[str, Any]
) -> list[str]:
    """The team report's notes on the `owners` setting: clients that match nothing."""
    if not settings.owners:
        return []
    known = artifacts.read_json(fetched["clients_path"]) if fetched.get("clients_path") else []
    return select_digests(settings.owners, processes, known)[1]


def email_message(
    email: ReportEmail, recipients: Sequence[str], sender: str | None = None
) -> tuple[EmailMessage, bool]:
    """The report as a message within Graph's request limit, and whether it is the
    minimal form: attachments that do not fit are left out (`build_message`); if the
    bodies alone are still too big, the minimal body (headline, counts, links) goes."""
    message = build_message(email.body, recipients, email.attachments, sender=sender)
    if graph_request_size(message) <= GRAPH_REQUEST_LIMIT:
        return message, False
    log.warning(
        "The report is %d KB even without attachments, over Graph's %d KB request limit: "
        "sending its minimal form",
        graph_request_size(message) // 1024,
        GRAPH_REQUEST_LIMIT // 1024,
    )
    return build_message(email.minimal, recipients, sender=sender), True
