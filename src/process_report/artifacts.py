"""The run's artifacts folder: where data too big for XCom and every rendered report live.

Tasks pass each other paths (URLs) into this folder through XCom, never the data itself.
The root is an ObjectStoragePath URL (a local folder by default, object storage where
workers do not share a disk), laid out by report day so any past day's report can be
found again: `{root}/{report_day}/{run_id}/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import IO, Any

from airflow.sdk import ObjectStoragePath

from process_report.chunks import joined

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LOCAL_PROTOCOLS = ("", "file", "local")
_PRIVATE = 0o600


def run_folder(
    root: str, report_day: str, run_id: str, *, create: bool = True
) -> ObjectStoragePath:
    """The folder of one run; created on first use, unless only read (`create=False`:
    the viewer, which must not leave empty folders behind for runs it cannot find).

    Run ids hold ':' and '+', which are replaced for a readable name; a short hash of
    the run id itself follows, so ids that differ only in those characters
    (`manual__a:b`, `manual__a_b`) never share a folder and its send record. The
    report day must be a plain date: it is a path component, never `..` or a path.
    """
    try:
        valid_day = date.fromisoformat(report_day).isoformat() == report_day
    except ValueError:
        valid_day = False
    if not valid_day:
        raise ValueError(f"report day {report_day!r}: expected YYYY-MM-DD")
    folder = ObjectStoragePath(root) / report_day / run_name(run_id)
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_name(run_id: str) -> str:
    """A run id as one path component: readable, and collision-free by its hash."""
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:10]
    return f"{_UNSAFE.sub('_', run_id)[:80]}-{digest}"


def write_json(folder: ObjectStoragePath, name: str, data: Any) -> str:
    """Write `data` as JSON and return the file's URL for XCom. The text is encoded and
    written as it is made, so a big file is never held whole (as text or
    bytes); the file is the same as `json.dumps(data, sort_keys=True, indent=1)`."""
    chunks = json.JSONEncoder(sort_keys=True, indent=1).iterencode(data)
    return write_chunks(folder, name, (chunk.encode() for chunk in joined(chunks)))


def write_text(folder: ObjectStoragePath, name: str, text: str) -> str:
    """Write `text` to `name` (which may hold subfolders) and return the file's URL."""
    return write_bytes(folder, name, text.encode("utf-8"))


def write_bytes(folder: ObjectStoragePath, name: str, data: bytes) -> str:
    return write_chunks(folder, name, (data,))


def write_chunks(folder: ObjectStoragePath, name: str, chunks: Iterable[bytes]) -> str:
    """Write `chunks` as they come, so a large file (a failure-log extract) is never
    held whole, and return the file's URL. A file on the local disk is readable by its
    owner only: the archive holds the clients' API keys (processes.jsonl,
    videos/plan.json, run/settings.json)."""
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.protocol in _LOCAL_PROTOCOLS:
        _write_private(target.path, chunks)
    else:  # object storage, whose access is the bucket's policy: uploaded as written
        # (in parts, for a large file such as a big day's processes.jsonl)
        with open_file(target, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    return str(target)


def folder_writer(
    folder: ObjectStoragePath, subfolder: str
) -> Callable[[str, Iterable[bytes]], str]:
    """`write(name, chunks)`: `write_chunks(folder, f"{subfolder}/{name}", chunks)` for
    many files of one subfolder, `name` a plain file name. On the local disk the
    subfolder is made and its path resolved once: per file, building the path objects
    and making their parent again cost the big day's 3,000 failure-log extracts 0.5 s
    under the GIL, which the threads compressing them waited for."""
    target = folder / subfolder
    if target.protocol not in _LOCAL_PROTOCOLS:
        return lambda name, chunks: write_chunks(folder, f"{subfolder}/{name}", chunks)
    target.mkdir(parents=True, exist_ok=True)
    path, url = target.path, str(target)

    def write(name: str, chunks: Iterable[bytes]) -> str:
        _write_private(os.path.join(path, name), chunks)
        return f"{url}/{name}"

    return write


def _write_private(path: str, chunks: Iterable[bytes]) -> None:
    """Create the file with mode 0600, so it is never readable by others, not even for
    a moment; a file that already existed with a wider mode is narrowed before a byte
    of the new content is written."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE)
    with open(descriptor, "wb") as handle:
        os.fchmod(descriptor, _PRIVATE)
        for chunk in chunks:
            handle.write(chunk)


def open_file(path: ObjectStoragePath, mode: str = "rb") -> IO[bytes]:
    """`path` opened through the filesystem its other operations use (the wrapped
    UPath's, into which Airflow puts its connection's when the path names one), not
    `ObjectStoragePath.open`: that one wraps the file in a proxy whose every call goes
    through a wrapper, a third of the failure summaries' time when an extract is read a
    line at a time, and it finds only the filesystems of Airflow's registry (not
    `memory://`, which the tests use)."""
    wrapped = getattr(path, "__wrapped__", path)
    if wrapped.protocol in _LOCAL_PROTOCOLS:  # a plain file object: no fsspec layer either
        return open(wrapped.path, mode)  # the caller closes it
    return wrapped.fs.open(wrapped.path, mode)


def read_json(url: str) -> Any:
    return json.loads(ObjectStoragePath(url).read_text(encoding="utf-8"))


def failures_folder(root: str, run_id: str) -> ObjectStoragePath:
    """Where a run's failed tasks leave their errors for the run's alert: by run id
    alone, since a run can fail before its window (and so its folder) is known."""
    return ObjectStoragePath(root) / "_failures" / run_name(run_id)
