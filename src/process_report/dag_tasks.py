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
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import ObjectStoragePath, Variable
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.batches import batch_ranges
from process_report.graph.auth import GraphConfig, GraphConfigError, SignInRequiredError
from process_report.graph.client import GraphClient, GraphError
from process_report.graph.connect import graph_client as client_from_connection
from process_report.graph.connect import graph_config as config_from_connection
from process_report.logs.extracts import extract_failure_logs, failed_processes, read_extract
from process_report.logs.summary import summarize
from process_report.mail import build_message, send_once
from process_report.processes import FINISHED, categorize, fetch_api_keys, fetch_process_rows
from process_report.redact import Redactor
from process_report.report import ReportEmail, report_email
from process_report.run_context import RunContext
from process_report.settings import (
    VARIABLE_NAME,
    Settings,
    SettingsError,
    parse_recipients,
    parse_settings,
)
from process_report.videos import find_videos, plan_batches
from process_report.window import WindowError, resolve_window

PROCESS_DB_CONN_ID = "process_db"
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
) -> dict[str, Any]:
    """Validate the settings and the run's Params, fix the run's window, and start the
    run's context, which every later task reads instead of the variable."""
    settings = load_settings()
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
    options = {
        "hung_after_minutes": settings.hung_after_minutes,
        "skip_api_keys": settings.skip_api_keys,
    }
    process_set = categorize(current, window_end=window.end, **options)
    previous_set = categorize(previous, window_end=window.previous_end, **options)
    return {
        "processes_path": artifacts.write_json(
            context.folder, "processes.json", process_set.to_dict()
        ),
        "counts": process_set.counts,
        "previous_counts": previous_set.counts,
    }


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

    Returns the batches for the mapped summaries (at most 16), each naming the run's
    failures.json, which holds the UUIDs, the extract paths and the scan's problems.

    One task, not one per batch: splitting the scan would read each shared daily log
    once per batch. The summaries, which need only the extracts, are the mapped part.
    """
    from airflow.sdk._shared.secrets_masker import redact as airflow_redact

    context = RunContext.from_xcom(run)
    settings, window, folder = context.settings, context.window, context.folder
    failed = failed_processes(artifacts.read_json(fetched["processes_path"]))
    with process_db() as conn:
        redactor = Redactor(fetch_api_keys(conn))
    result = extract_failure_logs(
        failed,
        logs_dir=settings.logs_dir,
        log_patterns=settings.log_patterns,
        window_end=window.end,
        zones=tuple(dict.fromkeys(("UTC", settings.timezone, settings.db_timezone))),
        redactor=redactor,
        store=lambda name, data: artifacts.write_bytes(folder, f"failure_logs/{name}", data),
        redact_text=airflow_redact,
    )
    uuids = [p["uuid"] for p in failed]
    failures_path = artifacts.write_json(folder, "failures.json", {"uuids": uuids, **result})
    return [{"failures_path": failures_path, **batch} for batch in batch_ranges(len(uuids))]


def summarize_failures_task(*, batch: Mapping[str, Any]) -> list[dict]:
    """Summaries (each at most 8 KB) of one batch of failed processes' extracts."""
    failures = artifacts.read_json(batch["failures_path"])
    summaries = []
    for uuid in failures["uuids"][batch["start"] : batch["stop"]]:
        path = failures["extracts"].get((uuid or "").lower())
        text = read_extract(ObjectStoragePath(path).read_bytes(), path) if path else None
        summaries.append(summarize(uuid, text, path))
    return summaries


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
    """Group the finished processes by client folder into at most 16 lookup batches."""
    context = RunContext.from_xcom(run)
    processes = artifacts.read_json(fetched["processes_path"])["processes"]
    finished = [p for p in processes if p["category"] == FINISHED]
    batches = plan_batches(finished, context.settings.skip_api_keys)
    plan_path = artifacts.write_json(context.folder, "videos/plan.json", batches)
    return [{"plan_path": plan_path, "index": index} for index in range(len(batches))]


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
    folder = ObjectStoragePath(batch["plan_path"]).parent  # the run's videos/ folder
    path = artifacts.write_json(folder, f"found-{batch['index']}.json", results)
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
    run: Mapping[str, Any],
    fetched: Mapping[str, Any],
    failure_batches: Sequence[Mapping[str, Any]],
    failure_summaries: Sequence[Sequence[Mapping[str, Any]]],
    video_results: Sequence[Mapping[str, Any]],
    clear_number: int,
) -> dict[str, Any]:
    """Render the report into the run's archive, then send it (or, in a dry run, write
    it to the outbox). Sending happens at most once per clear of the run: a retry never
    sends a second copy, a deliberate rerun from the UI sends again."""
    context = RunContext.from_xcom(run)
    email = report_email(
        window=context.window,
        process_data=artifacts.read_json(fetched["processes_path"]),
        previous_counts=fetched["previous_counts"],
        generated_at=datetime.now(UTC),
        notes=[
            *context.notes,
            *artifacts.read_json(failure_batches[0]["failures_path"])["problems"],
        ],
        failures=[summary for batch in failure_summaries for summary in batch],
        videos={
            uuid: found
            for result in video_results
            for uuid, found in artifacts.read_json(result["path"]).items()
        },
    )
    folder, recipients = context.folder, context.recipients
    result = _archive(folder, email)
    if context.dry_run:
        message = build_message(email.body, recipients, email.attachments)
        result["outbox_path"] = artifacts.write_bytes(
            folder, "outbox/message.eml", message.as_bytes()
        )
        return result
    return {**result, **_send(folder, email, recipients, clear_number)}


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
    """Send through Graph once per clear of the run, keyed by the run's send record."""
    client, config = graph_client()
    message = build_message(email.body, recipients, email.attachments, sender=config.mailbox)
    name = f"outbox/send-record-{clear_number}.json"
    record = folder / name
    try:
        sent = send_once(
            client,
            config.mail_root,
            message,
            read_record=lambda: artifacts.read_json(str(record)) if record.exists() else None,
            write_record=lambda data: artifacts.write_json(folder, name, data),
        )
    except SignInRequiredError as exc:
        raise AirflowFailException(str(exc)) from None
    return {"draft_id": sent["draft_id"], "sent": sent["sent"]}
