"""The bodies of the DAG's tasks: the one place that reads Airflow variables,
connections and hooks, and turns bad configuration into a failure without retries.

Each function takes plain values from the task context and returns small JSON for
XCom; the work itself is done by the pure modules beside this one. The first task
fixes the run's context (settings, window, folder: `run_context`); every later task
gets it from XCom instead of reading the settings variable again.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import ObjectStoragePath, Variable
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.alerts import alert_headline, alert_message, failure_record
from process_report.batches import batch_ranges
from process_report.graph.auth import GraphConfig, GraphConfigError, SignInRequiredError
from process_report.graph.client import GraphClient, GraphError
from process_report.graph.connect import graph_client as client_from_connection
from process_report.graph.connect import graph_config as config_from_connection
from process_report.links import run_links
from process_report.logs.extracts import (
    extract_failure_logs,
    extract_lines,
    failed_processes,
)
from process_report.logs.summary import summarize
from process_report.mail import build_message
from process_report.processes import FINISHED, categorize, fetch_api_keys, fetch_process_rows
from process_report.redact import Redactor
from process_report.report import ReportEmail, report_email
from process_report.run_context import RunContext
from process_report.send_record import SendRecord, SendRecordError
from process_report.sending import send_mail, send_once
from process_report.settings import (
    VARIABLE_NAME,
    Settings,
    SettingsError,
    parse_recipients,
    parse_settings,
)
from process_report.videos import find_videos, plan_batches
from process_report.window import WindowError, resolve_window

log = logging.getLogger(__name__)
PROCESS_DB_CONN_ID = "process_db"
VIDEO_PLAN = "videos/plan.json"
FAILURES_PER_BATCH = 100  # summaries are quick: a small day needs one instance
GRAPH_CONN_ID = "msgraph_default"
log = logging.getLogger(__name__)


def load_settings() -> Settings:
    """The validated settings variable; a bad value fails the task at once, unretried,
    because a retry cannot fix it."""
    default_root = "file://" + os.path.join(
        os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow")), "process_report"
    )
    try:
        return parse_settings(
            Variable.get(VARIABLE_NAME, default=None), default_artifacts_root=default_root
        )
    except SettingsError as exc:
        raise AirflowFailException(str(exc)) from None


def resolve_window_task(
    *,
    params: Mapping[str, Any],
    schedule_timezone: str,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    run_after: datetime | None,
    run_id: str,
    run_type: str = "manual",
) -> dict[str, Any]:
    """Validate the settings and the run's Params, fix the run's window, and start the
    run's context, which every later task reads instead of the variable."""
    settings = load_settings()
    if params.get("window_end") and "backfill" in run_type:
        raise AirflowFailException(
            "window_end is refused on backfill runs: it would give every backfilled day the "
            "same window. Backfill without it; each run covers its own data interval."
        )
    try:
        recipients = ()
        if params.get("recipients"):
            recipients = parse_recipients(params["recipients"], "recipients param")
        window = resolve_window(
            timezone=settings.timezone,
            data_interval_start=data_interval_start,
            data_interval_end=data_interval_end,
            run_after=run_after,
            window_end=params.get("window_end"),
        )
    except (SettingsError, WindowError) as exc:
        raise AirflowFailException(str(exc)) from None
    notes = []
    if window.source == "data_interval" and schedule_timezone != settings.timezone:
        notes.append(
            f"The schedule runs at 08:00 {schedule_timezone} but the settings ask for "
            f"{settings.timezone}: the DAG processor did not see the settings variable. "
            f"Provide it as AIRFLOW_VAR_PROCESS_REPORT_SETTINGS (see README, Configuration)."
        )
    run = RunContext.start(
        settings,
        window,
        run_id,
        recipients=recipients,
        dry_run=bool(params.get("dry_run")),
        notes=tuple(notes),
    )
    log.info(
        "Report window %s -> %s (%s, from %s); %d recipient(s)%s; run folder %s",
        window.start.isoformat(),
        window.end.isoformat(),
        settings.timezone,
        window.source,
        len(run.recipients),
        ", dry run" if run.dry_run else "",
        run.folder,
    )
    return run.to_xcom()


def fetch_processes_task(*, run: Mapping[str, Any]) -> dict[str, Any]:
    """Read and categorize the window's and the previous window's processes.

    The full list goes to the run's artifacts folder; XCom gets its path and the counts.
    """
    context = RunContext.from_xcom(run)
    settings, window = context.settings, context.window
    with process_db() as conn:
        current = fetch_process_rows(conn, window.start, window.end, settings.db_timezone)
        previous = fetch_process_rows(
            conn, window.previous_start, window.previous_end, settings.db_timezone
        )
    masked = mask_api_keys([row["api_key"] for row in current + previous], settings)
    options = {
        "hung_after_minutes": settings.hung_after_minutes,
        "skip_api_keys": settings.skip_api_keys,
    }
    # Only the counts of the previous window are kept, and the rows go as soon as they
    # are categorized: on a big day each copy of a window's rows is ~100 MB.
    read = {"current": len(current), "previous": len(previous)}
    previous_counts = categorize(previous, window_end=window.previous_end, **options).counts
    del previous
    process_set = categorize(current, window_end=window.end, **options)
    del current
    counts = process_set.counts
    log.info(
        "Read %d processes in the window (%s) and %d in the previous one; %d client API "
        "keys masked in task logs",
        read["current"],
        ", ".join(f"{n} {c}" for c, n in counts.items() if c != "total"),
        read["previous"],
        masked,
    )
    return {
        "processes_path": artifacts.write_json(
            context.folder, "processes.json", process_set.to_dict()
        ),
        "counts": counts,
        "previous_counts": previous_counts,
    }


def mask_api_keys(keys: Iterable[str | None], settings: Settings) -> int:
    """Register the clients' API keys (those read from the database and the skip-listed
    ones) with Airflow's secrets masker, in this task's process and its supervisor's, so
    that any log line holding one shows *** instead. Returns how many were registered.

    Each task runs in its own process, so every task that reads keys registers them."""
    from airflow.sdk.log import mask_secret

    unique = {key for key in [*keys, *settings.skip_api_keys] if key}
    for key in unique:
        mask_secret(key)
    return len(unique)


@contextlib.contextmanager
def process_db() -> Iterator[Any]:
    """A DB-API connection to `process_db`; failing to connect is retryable."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    try:
        conn = PostgresHook(postgres_conn_id=PROCESS_DB_CONN_ID).get_conn()
    except Exception as exc:  # the driver's error type depends on the hook's driver
        raise ConnectionError(
            f"Cannot reach the process database through Airflow connection "
            f"'{PROCESS_DB_CONN_ID}' (will retry): {exc}"
        ) from exc
    try:
        yield conn
    finally:
        conn.close()


def scan_failure_logs_task(
    *, run: Mapping[str, Any], fetched: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Read every log file once for all failed processes; store redacted extracts.

    Returns the batches for the mapped summaries (at most `max_mapped_instances`), each
    naming the run's failures.json, which holds the UUIDs, the extract paths and the
    scan's problems.

    One task, not one per batch: splitting the scan would read each shared daily log
    once per batch. The summaries, which need only the extracts, are the mapped part.
    """
    from airflow.sdk._shared.secrets_masker import redact as airflow_redact

    context = RunContext.from_xcom(run)
    settings, window, folder = context.settings, context.window, context.folder
    failed = failed_processes(artifacts.read_json(fetched["processes_path"]))
    with process_db() as conn:
        api_keys = fetch_api_keys(conn)
    # Our Redactor takes the API keys out of every extract before Airflow's masker
    # sees the text, so the keys are registered with that masker only after the scan:
    # it matches its secrets with one regex alternation, and 300 more of them made the
    # big day's scan 10 x slower (71 s instead of 6.5 s; README, make bench-dag). The
    # scan logs nothing; should it fail, the keys are registered before its error is.
    redactor = Redactor([*api_keys, *settings.skip_api_keys])
    try:
        result = extract_failure_logs(
            failed,
            logs_dir=settings.logs_dir,
            log_patterns=settings.log_patterns,
            window_end=window.end,
            zones=tuple(dict.fromkeys(("UTC", settings.timezone, settings.db_timezone))),
            redactor=redactor,
            store=lambda name, blocks: artifacts.write_chunks(
                folder, f"failure_logs/{name}", blocks
            ),
            redact_text=airflow_redact,
        )
    finally:
        masked = mask_api_keys(api_keys, settings)
    uuids = [p["uuid"] for p in failed]
    failures_path = artifacts.write_json(folder, "failures.json", {"uuids": uuids, **result})
    log.info(
        "Scanned %d log files (%.1f MB) for %d failed processes: %d redacted extracts "
        "stored, %d problem(s) noted for the report; %d client API keys masked in task logs",
        result["files_scanned"],
        result["bytes_scanned"] / 1e6,
        len(uuids),
        len(result["extracts"]),
        len(result["problems"]),
        masked,
    )
    batches = batch_ranges(len(uuids), FAILURES_PER_BATCH, settings.max_mapped_instances)
    return [
        {
            "failures_path": failures_path,
            "label": f"failures {b['start'] + 1}-{b['stop']} of {len(uuids)}",
            **b,
        }
        for b in batches
    ]


def summarize_failures_task(*, batch: Mapping[str, Any]) -> dict[str, Any]:
    """Summaries (each at most 8 KB) of one batch of failed processes' extracts, kept in
    the run's folder beside failures.json, where the report task looks for them."""
    failures = artifacts.read_json(batch["failures_path"])
    summaries = []
    for uuid in failures["uuids"][batch["start"] : batch["stop"]]:
        path = failures["extracts"].get((uuid or "").lower())
        if not path:
            summaries.append(summarize(uuid, None, None))
            continue
        with ObjectStoragePath(path).open("rb") as handle:  # streamed: never read whole
            summaries.append(summarize(uuid, extract_lines(handle, path), path))
    folder = ObjectStoragePath(batch["failures_path"]).parent
    artifacts.write_json(folder, _summaries_name(batch), summaries)
    found = sum(1 for s in summaries if s["found"])
    log.info("Summarized %d failed processes, %d of them from log records.", len(summaries), found)
    return {"summaries": len(summaries), "found": found}


def _summaries_name(batch: Mapping[str, Any]) -> str:
    return f"summaries/{batch['start']}-{batch['stop']}.json"


def extract_text(url: str) -> str:
    """A stored failure-log extract as text (gunzipped when it was stored gzipped); an
    extract is capped when stored (logs/cap.py), so this stays a few MiB at most."""
    with ObjectStoragePath(url).open("rb") as handle:
        return "".join(extract_lines(handle, url))


def graph_connection() -> dict[str, Any]:
    """`msgraph_default` in its JSON form, wherever Airflow keeps it."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(GRAPH_CONN_ID)
    fields = ("host", "schema", "login", "password")
    return {**{name: getattr(conn, name) for name in fields}, "extra": conn.extra_dejson}


def graph_config() -> GraphConfig:
    """`msgraph_default`, validated; a malformed connection fails the task at once,
    unretried."""
    try:
        return config_from_connection(graph_connection())
    except GraphConfigError as exc:
        raise AirflowFailException(str(exc)) from None


def graph_client() -> tuple[GraphClient, GraphConfig]:
    """The Graph client configured from `msgraph_default`."""
    try:
        return client_from_connection(graph_connection())
    except GraphConfigError as exc:
        raise AirflowFailException(str(exc)) from None


def plan_videos_task(*, run: Mapping[str, Any], fetched: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Group the finished processes by client folder into at most `max_mapped_instances`
    lookup batches."""
    context = RunContext.from_xcom(run)
    processes = artifacts.read_json(fetched["processes_path"])["processes"]
    finished = [p for p in processes if p["category"] == FINISHED]
    settings = context.settings
    batches = plan_batches(finished, settings.skip_api_keys, settings.max_mapped_instances)
    plan_path = artifacts.write_json(context.folder, VIDEO_PLAN, batches)
    log.info(
        "%d finished processes in %d client folders, looked up in %d batch(es)",
        len(finished),
        sum(len(b) for b in batches),
        len(batches),
    )
    return [
        {
            "plan_path": plan_path,
            "index": index,
            "label": f"batch {index + 1} of {len(batches)}: {len(batch)} clients, "
            f"{sum(len(u) for u in batch.values())} processes",
        }
        for index, batch in enumerate(batches)
    ]


def resolve_videos_task(
    *, run: Mapping[str, Any], batch: Mapping[str, Any], try_number: int, max_tries: int
) -> dict[str, Any]:
    """Find the videos of one batch of client folders.

    Graph's short troubles (throttling, 5xx, a sign-in outage) are waited out inside the
    task by the Graph client. What outlasts its retry budget fails the task, so Airflow
    tries it again later; only on the last try (`try_number` past `max_tries`) are the
    batch's links marked "link unavailable" with the reason, so the report still goes
    out. What no retry can fix (a missing or malformed connection, a refused sign-in, a
    folder that is missing or forbidden) marks the links unavailable at once."""
    settings = RunContext.from_xcom(run).settings
    uuids_by_key = artifacts.read_json(batch["plan_path"])[batch["index"]]
    try:
        results = _find_videos(settings, uuids_by_key)
    except GraphError as exc:
        results = _lookup_failed(exc, uuids_by_key, last_try=try_number > max_tries)
    folder = ObjectStoragePath(batch["plan_path"]).parent.parent  # the run's folder
    path = artifacts.write_json(folder, _videos_found_name(batch["index"]), results)
    with_video = sum(1 for r in results.values() if r["videos"])
    unavailable = sum(1 for r in results.values() if r["error"])
    log.info(
        "Looked up %d client folder(s): %d of %d process(es) with a video, %d with links "
        "unavailable",
        len(uuids_by_key),
        with_video,
        len(results),
        unavailable,
    )
    return {"path": path, "processes": len(results), "with_video": with_video}


def _find_videos(settings: Settings, uuids_by_key: Mapping[str, list[str]]) -> dict[str, Any]:
    client, config = _graph_client_for_lookup()
    return find_videos(
        client,
        drive_root=config.drive_root,
        onedrive_root=settings.onedrive_root,
        uuids_by_key=uuids_by_key,
        link_for=_sharing_link(client, config) if settings.create_sharing_links else None,
    )


def _lookup_failed(
    exc: GraphError, uuids_by_key: Mapping[str, list[str]], *, last_try: bool
) -> dict[str, Any]:
    """Every process of the batch marked "link unavailable" with the reason, unless the
    failure may pass and Airflow has tries left: then the task fails, to be retried."""
    # Graph's messages carry URLs, and folder names are API keys: scrub them.
    reason = Redactor(uuids_by_key).redact_text(str(exc))
    if exc.transient and not last_try:
        raise ConnectionError(f"Video lookup failed; Airflow retries it: {reason}") from None
    return {
        uuid: {"videos": [], "error": f"link unavailable: {reason}"}
        for uuids in uuids_by_key.values()
        for uuid in uuids
    }


def _videos_found_name(index: int) -> str:
    return f"videos/found-{index}.json"


def _graph_client_for_lookup() -> tuple[GraphClient, GraphConfig]:
    """The Graph client, with a missing or malformed connection as a lookup failure:
    the report then says why links are missing instead of not going out."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return graph_client()
    except (AirflowNotFoundException, AirflowFailException) as exc:
        raise GraphError(0, "NotConfigured", str(exc), GRAPH_CONN_ID) from None


def _sharing_link(client: GraphClient, config: GraphConfig):
    """Organization-scoped view links (needs Files.ReadWrite) instead of webUrl."""

    def link_for(item: Mapping[str, Any]) -> str:
        answer = client.request(
            "POST",
            f"{config.drive_root}/items/{item['id']}/createLink",
            idempotent=True,
            json={"type": "view", "scope": "organization"},
        ).json()
        return answer["link"]["webUrl"]

    return link_for


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
    failures, failure_notes = _gathered_failures(failure_batches)
    videos, video_notes = _gathered_videos(context.folder)
    email = report_email(
        window=context.window,
        process_data=artifacts.read_json(fetched["processes_path"]),
        previous_counts=fetched["previous_counts"],
        # The run's pages in the Airflow UI and the report viewer, at the address people
        # reach Airflow at ([api] base_url; without it, no links: extracts are attached).
        links=run_links(conf.get("api", "base_url", fallback=None), dag_id, run_id),
        read_extract=extract_text,
        generated_at=datetime.now(UTC),
        notes=[*context.notes, *failure_notes, *video_notes],
        failures=failures,
        videos=videos,
    )
    folder, recipients = context.folder, context.recipients
    result = _archive(folder, email)
    log.info(
        "Report rendered: %d KB HTML, %d attachment(s), %s rows per list in the body",
        len(email.body.html.encode()) // 1024,
        len(email.attachments),
        "all" if email.row_limit is None else email.row_limit,
    )
    if context.dry_run:
        message = build_message(email.body, recipients, email.attachments)
        result["outbox_path"] = artifacts.write_bytes(
            folder, "outbox/message.eml", message.as_bytes()
        )
        log.info("Dry run: message for %d recipient(s) written to the outbox", len(recipients))
        return result
    sent = _send(folder, email, recipients, clear_number)
    log.info(
        "Report %s to %d recipient(s); draft id %s",
        "sent" if sent["sent"] else "not sent",
        len(recipients),
        sent["draft_id"],
    )
    return {**result, **sent}


def _gathered_failures(
    batches: Sequence[Mapping[str, Any]] | None,
) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """The failure summaries the mapped tasks left, and notes on what is missing."""
    if not batches:
        return None, [
            "The failure logs could not be scanned (scan_failure_logs failed): failures "
            "are listed without their errors."
        ]
    failures_path = ObjectStoragePath(batches[0]["failures_path"])
    notes = list(artifacts.read_json(str(failures_path))["problems"])
    summaries: list[dict[str, Any]] = []
    for batch in batches:
        found = failures_path.parent / _summaries_name(batch)
        if found.exists():
            summaries += artifacts.read_json(str(found))
        elif batch["stop"] > batch["start"]:
            notes.append(
                f"The error summaries of failures {batch['start'] + 1} to {batch['stop']} "
                f"could not be made (summarize_failures failed after its retries)."
            )
    return summaries, notes


def _gathered_videos(folder: ObjectStoragePath) -> tuple[dict[str, Any] | None, list[str]]:
    """The video lookups the mapped tasks left; a batch whose task failed for good marks
    its processes "link unavailable" instead of leaving them out."""
    plan = folder / VIDEO_PLAN
    if not plan.exists():
        return None, ["Video links could not be looked up (plan_videos failed)."]
    videos: dict[str, Any] = {}
    for index, uuids_by_key in enumerate(artifacts.read_json(str(plan))):
        found = folder / _videos_found_name(index)
        if found.exists():
            videos.update(artifacts.read_json(str(found)))
            continue
        reason = "link unavailable: the video lookup failed after its retries"
        for uuids in uuids_by_key.values():
            videos.update({uuid: {"videos": [], "error": reason} for uuid in uuids})
    return videos, []


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


def _send(
    folder: ObjectStoragePath, email: ReportEmail, recipients: Sequence[str], clear_number: int
) -> dict[str, Any]:
    """Send through Graph exactly once per clear of the run, keyed by the clear's send
    record; the earlier clears' records are settled first. What only a person can
    resolve (an unreadable record, a deleted draft whose send may have gone out) fails
    without retries, naming the fix; anything else is retried, and the retry picks the
    send up where it stopped."""
    client, config = graph_client()
    message = build_message(email.body, recipients, email.attachments, sender=config.mailbox)
    try:
        *earlier, record = (
            SendRecord(folder / f"outbox/send-record-{n}.json") for n in range(clear_number + 1)
        )
        sent = send_once(client, config.mail_root, message, record, earlier)
    except (SignInRequiredError, SendRecordError) as exc:
        raise AirflowFailException(str(exc)) from None
    return {"draft_id": sent["draft_id"], "sent": sent["state"] == "sent"}


# --- alerts ---------------------------------------------------------------------------
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
