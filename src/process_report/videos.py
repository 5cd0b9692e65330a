"""OneDrive video links for the window's finished processes.

A process's videos are the video files whose name contains its UUID (any case) anywhere
under `{onedrive_root}/{api_key}/`. Search is index-lagged and fuzzy, and folder-scoped
delta is not supported on OneDrive for Business, so the needed client folders are
walked with `/children` (`$top=1000`), listing up to 20 folders per `$batch` (a
throttled folder waits its turn while the others' subfolders are listed), and names
are matched here. Each folder is listed once (its next links end at a page that
brings no item not listed before), and each video is one link; skip-listed clients
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
from process_report.redact import Redactor

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

    `link_for(item) -> url` replaces the item's webUrl (e.g. organization sharing links).
    A video's name is shown redacted: people name files after what they hold
    (`password=… <uuid>.mp4`, `{api key}_{uuid}.mp4`), and the folders' names are the
    clients' API keys."""
    redactor = Redactor(uuids_by_key)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    errors: dict[str, str] = {}
    wanted = {key: {u.lower(): u for u in uuids} for key, uuids in uuids_by_key.items()}
    root = onedrive_root.strip("/")

    def visit(request: dict[str, Any], answer: dict[str, Any]) -> list[dict[str, Any]]:
        """Match a folder page's videos; its subfolders and next page are listed next."""
        key = request["key"]
        if retryable(answer["status"], idempotent=True):
            raise _still_failing(answer)
        if answer["status"] != 200:
            errors.setdefault(key, _reason(answer, root))
            return []
        body = answer.get("body")
        items = body.get("value") if isinstance(body, dict) else None
        next_link = body.get("@odata.nextLink") if isinstance(body, dict) else None
        if not isinstance(items, list) or not isinstance(next_link, str | None):
            errors.setdefault(key, _NOT_A_LISTING)
            return []
        readable = list(filter(_readable, items))
        new = {item["id"] for item in readable} - seen
        seen.update(new)
        more = []
        if next_link and new:  # after a page of nothing new, the next would be more of it
            more.append({"key": key, "url": client.relative(next_link)})
        for item in readable:
            if "folder" in item:
                more.append(
                    {"key": key, "url": f"{drive_root}/items/{item['id']}/children?$top=1000"}
                )
            elif is_video(item):
                for match in {m.lower() for m in _UUID.findall(item["name"])}:
                    uuid = wanted[key].get(match)
                    if uuid and (uuid, item["id"]) not in matched:
                        matched.add((uuid, item["id"]))
                        found[uuid].append(_video(item, link_for, redactor))
        return first_time(more)

    listed: set[str] = set()
    # (uuid, item id): a video is one link however often the walk meets it (its UUID
    # twice in its name; its folder reached by path and again by id, or a page again
    # by another URL)
    matched: set[tuple[str, str]] = set()
    # every item id listed so far: a page with none new ends its folder's next links
    # (a next link that only ever leads to pages already seen would never end)
    seen: set[str] = set()

    def first_time(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each folder page is listed once, even if an answer names it again (a folder
        among its own children, a next link back to the same page): no endless walk."""
        fresh = [r for r in requests if r["url"] not in listed]
        listed.update(r["url"] for r in fresh)
        return fresh

    start = [
        {"key": key, "url": f"{drive_root}/root:/{quote(f'{root}/{key}')}:/children?$top=1000"}
        for key in sorted(uuids_by_key)
    ]
    client.crawl(first_time(start), visit)
    return {
        uuid: {
            "videos": sorted(found.get(uuid, []), key=lambda v: v["modified"] or "", reverse=True),
            "error": (f"link unavailable: {errors[key]}" if key in errors else None),
        }
        for key, uuids in uuids_by_key.items()
        for uuid in uuids
    }


_NOT_A_LISTING = "listing the client's folder failed: Graph's answer is not a folder listing"


def _readable(item: Any) -> bool:
    """A listed item the walk can read: an object with a string id and name (and, for a
    file, an object `file` with a string mimeType, if any). Anything else in a listing
    (a malformed answer) is skipped, not followed or matched."""
    if not (isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]):
        return False
    file = item.get("file", {})
    return (
        isinstance(item.get("name"), str)
        and isinstance(file, dict)
        and isinstance(file.get("mimeType") or "", str)
    )


def _video(item: Mapping[str, Any], link_for: Any, redactor: Redactor) -> dict[str, Any]:
    return {
        "name": redactor.redact_text(item["name"]),
        "url": link_for(item) if link_for else item.get("webUrl"),
        "modified": item.get("lastModifiedDateTime"),
    }


def _error(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """The answer's Graph `error` object; an empty one when its body has none (a body
    that is text, a list or null, an `error` that is not an object)."""
    body = answer.get("body")
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _still_failing(answer: Mapping[str, Any]) -> GraphError:
    """A folder listing Graph still throttled or failed after the client's retries: it
    may well work later, so it fails the lookup rather than marking links unavailable."""
    error = _error(answer)
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
    error = _error(answer)
    status = answer["status"]
    if status == 404:
        return f"the client's folder is missing under {root} in OneDrive"
    if status == 403:
        return f"no permission to list the client's folder ({error.get('code', 'accessDenied')})"
    return f"listing the client's folder failed: {status} {error.get('code', '')}".strip()
