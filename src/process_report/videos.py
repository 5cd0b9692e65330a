"""OneDrive video links for the window's finished processes.

A process's videos are the video files whose name contains its UUID (any case) anywhere
under `{onedrive_root}/{api_key}/`. Search is index-lagged and fuzzy, and folder-scoped
delta is not supported on OneDrive for Business, so the needed client folders are
walked breadth-first with `/children` (`$top=1000`), listing up to 20 folders per
`$batch`, and names are matched here. Each folder is listed once; skip-listed clients
are never walked. A folder Graph gives a lasting answer about (missing, forbidden)
marks its processes "link unavailable" with the reason, and the report still goes out;
one that still fails after the client's retries (throttled, Graph down) fails the whole
lookup with a transient GraphError, for the task to be tried again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from process_report.batches import DEFAULT_MAPPED, batch_count
from process_report.graph.client import GraphClient, GraphError, retryable
from process_report.logs.format import UUID_PATTERN

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
_UUID = re.compile(UUID_PATTERN)


def is_video(item: Mapping[str, Any]) -> bool:
    mime = (item.get("file") or {}).get("mimeType") or ""
    return "file" in item and (
        mime.startswith("video/") or item.get("name", "").lower().endswith(VIDEO_EXTENSIONS)
    )


FOLDERS_PER_BATCH = 20


def plan_batches(
    finished: Iterable[Mapping[str, Any]],
    skip_api_keys: frozenset[str],
    max_batches: int = DEFAULT_MAPPED,
    min_folders: int = FOLDERS_PER_BATCH,
) -> list[dict[str, list[str]]]:
    """Client folders -> their processes' UUIDs, split into at most `max_batches` batches
    of at least `min_folders` folders (one `$batch` request lists 20).

    A client folder belongs to exactly one batch, so however the work is mapped, each
    folder is listed once per run. Batches are balanced by process count."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for process in finished:
        key = process.get("api_key")
        if key and key not in skip_api_keys:
            by_key[key].append(process["uuid"])
    count = batch_count(len(by_key), min_folders, max_batches)
    batches: list[dict[str, list[str]]] = [{} for _ in range(count)]
    sizes = [0] * len(batches)
    for key, uuids in sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        smallest = sizes.index(min(sizes))
        batches[smallest][key] = uuids
        sizes[smallest] += len(uuids)
    return batches


def find_videos(
    client: GraphClient,
    *,
    drive_root: str,
    onedrive_root: str,
    uuids_by_key: Mapping[str, list[str]],
    link_for: Any = None,
) -> dict[str, dict[str, Any]]:
    """`{uuid: {"videos": [{name, url, modified}], "error": str | None}}` for every UUID.

    `link_for(item) -> url` replaces the item's webUrl (e.g. organization sharing links)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    errors: dict[str, str] = {}
    wanted = {key: {u.lower(): u for u in uuids} for key, uuids in uuids_by_key.items()}
    root = onedrive_root.strip("/")
    level = [
        (key, f"{drive_root}/root:/{quote(f'{root}/{key}')}:/children?$top=1000")
        for key in sorted(uuids_by_key)
    ]
    while level:
        answers = client.batch([{"id": str(i), "url": url} for i, (_, url) in enumerate(level)])
        next_level = []
        for index, (key, _) in enumerate(level):
            answer = answers[str(index)]
            if retryable(answer["status"], idempotent=True):
                raise _still_failing(answer)
            if answer["status"] != 200:
                errors.setdefault(key, _reason(answer, root))
                continue
            body = answer["body"]
            if body.get("@odata.nextLink"):
                next_level.append((key, client.relative(body["@odata.nextLink"])))
            for item in body.get("value", []):
                if "folder" in item:
                    next_level.append((key, f"{drive_root}/items/{item['id']}/children?$top=1000"))
                elif is_video(item):
                    for match in _UUID.findall(item["name"]):
                        uuid = wanted[key].get(match.lower())
                        if uuid:
                            found[uuid].append(_video(item, link_for))
        level = next_level
    return {
        uuid: {
            "videos": sorted(found.get(uuid, []), key=lambda v: v["modified"] or "", reverse=True),
            "error": (f"link unavailable: {errors[key]}" if key in errors else None),
        }
        for key, uuids in uuids_by_key.items()
        for uuid in uuids
    }


def _video(item: Mapping[str, Any], link_for: Any) -> dict[str, Any]:
    return {
        "name": item["name"],
        "url": link_for(item) if link_for else item.get("webUrl"),
        "modified": item.get("lastModifiedDateTime"),
    }


def _still_failing(answer: Mapping[str, Any]) -> GraphError:
    """A folder listing Graph still throttled or failed after the client's retries: it
    may well work later, so it fails the lookup rather than marking links unavailable."""
    error = (answer.get("body") or {}).get("error", {})
    return GraphError(
        answer["status"],
        error.get("code", "Unknown"),
        f"listing a client's folder: {error.get('message', '')}",
        "/$batch",
        transient=True,
    )


def _reason(answer: Mapping[str, Any], root: str) -> str:
    """Why a client's folder could not be listed. The folder is named by the client's
    API key, a secret, so the reason never names it."""
    error = (answer.get("body") or {}).get("error", {})
    status = answer["status"]
    if status == 404:
        return f"the client's folder is missing under {root} in OneDrive"
    if status == 403:
        return f"no permission to list the client's folder ({error.get('code', 'accessDenied')})"
    return f"listing the client's folder failed: {status} {error.get('code', '')}".strip()
