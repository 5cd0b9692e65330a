"""The run's artifacts folder: where data too big for XCom and every rendered report live.

Tasks pass each other paths (URLs) into this folder through XCom, never the data itself.
The root is an ObjectStoragePath URL (a local folder by default, object storage where
workers do not share a disk), laid out by report day so any past day's report can be
found again: `{root}/{report_day}/{run_id}/`.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from airflow.sdk import ObjectStoragePath

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LOCAL_PROTOCOLS = ("", "file", "local")
_PRIVATE = 0o600


def run_folder(root: str, report_day: str, run_id: str) -> ObjectStoragePath:
    """The folder of one run; created on first use. Run ids hold ':' and '+', so they are
    made path-safe."""
    folder = ObjectStoragePath(root) / report_day / _UNSAFE.sub("_", run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_json(folder: ObjectStoragePath, name: str, data: Any) -> str:
    """Write `data` as JSON and return the file's URL for XCom."""
    return write_text(folder, name, json.dumps(data, sort_keys=True, indent=1))


def write_text(folder: ObjectStoragePath, name: str, text: str) -> str:
    """Write `text` to `name` (which may hold subfolders) and return the file's URL."""
    return write_bytes(folder, name, text.encode("utf-8"))


def write_bytes(folder: ObjectStoragePath, name: str, data: bytes) -> str:
    """Write `data` to `name` and return the file's URL. A file on the local disk is
    readable by its owner only: the archive holds the clients' API keys
    (processes.json, videos/plan.json, run/settings.json)."""
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.protocol in _LOCAL_PROTOCOLS:
        _write_private(target.path, data)
    else:  # object storage: access is the bucket's policy
        target.write_bytes(data)
    return str(target)


def _write_private(path: str, data: bytes) -> None:
    """Create the file with mode 0600, so it is never readable by others, not even for
    a moment; a file that already existed with a wider mode is narrowed before a byte
    of the new content is written."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE)
    with open(descriptor, "wb") as handle:
        os.fchmod(descriptor, _PRIVATE)
        handle.write(data)


def read_json(url: str) -> Any:
    return json.loads(ObjectStoragePath(url).read_text(encoding="utf-8"))
