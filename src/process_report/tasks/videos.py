"""Tasks `plan_videos` and `resolve_videos` (mapped): finished processes grouped
by client folder, then their OneDrive videos looked up through Microsoft Graph."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.graph.auth import GraphConfig
from process_report.graph.client import GraphClient, GraphError, json_object
from process_report.process_records import read_category
from process_report.processes import FINISHED
from process_report.redact import Redactor
from process_report.run_context import RunContext
from process_report.settings import Settings
from process_report.tasks.common import GRAPH_CONN_ID, VIDEO_PLAN, graph_client, videos_found_name
from process_report.videos import find_videos, plan_batches

log = logging.getLogger(__name__)


def plan_videos_task(*, run: Mapping[str, Any], fetched: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Group the finished processes by client folder into at most `max_mapped_instances`
    lookup batches."""
    context = RunContext.from_xcom(run)
    finished = [
        {"uuid": p["uuid"], "api_key": p["api_key"]}
        for p in read_category(fetched["processes_path"], FINISHED)
    ]
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
    path = artifacts.write_json(folder, videos_found_name(batch["index"]), results)
    with_video = sum(1 for r in results.values() if r["videos"])
    log.info(
        "Looked up %d client folder(s): %d of %d process(es) with a video, %d without one; %s",
        len(uuids_by_key),
        with_video,
        len(results),
        len(results) - with_video,
        _unavailable_reasons(results),
    )
    return {"path": path, "processes": len(results), "with_video": with_video}


def _unavailable_reasons(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Why links are unavailable, counted per reason (the reasons the email's notes
    show), or that none are: `links unavailable: 5 (folder not found: 3, ...)`."""
    reasons = Counter(
        r["error"].removeprefix("link unavailable: ") for r in results.values() if r["error"]
    )
    if not reasons:
        return "no links unavailable"
    listed = ", ".join(f"{reason}: {n}" for reason, n in reasons.most_common())
    return f"links unavailable: {sum(reasons.values())} ({listed})"


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
        response = client.request(
            "POST",
            f"{config.drive_root}/items/{item['id']}/createLink",
            idempotent=True,
            json={"type": "view", "scope": "organization"},
        )
        link = json_object(response).get("link")
        url = link.get("webUrl") if isinstance(link, dict) else None
        if not isinstance(url, str):  # a 200 that is no sharing link: a proxy's page
            raise GraphError(
                response.status_code,
                "MalformedAnswer",
                "createLink gave no link.webUrl",
                "createLink",
                transient=True,
            )
        return url

    return link_for
