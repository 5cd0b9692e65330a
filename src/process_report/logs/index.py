"""Which log files belong to which failed process, from one walk of `logs_dir`.

The original system globbed the logs folder once per failed process. Here the tree is
walked once per run and every file name is matched against the `log_patterns` setting
(`{uuid}` and `{date}` placeholders, shell wildcards), rotated siblings (`.log.1`,
`.log.2.gz`, `.log.gz`) included. Symlinks are followed only while they stay inside
`logs_dir`, so a link cannot make the report read (and mail) another part of the disk.

The walk and the reads are apart in time, so a walked file can be swapped for a link
before it is read. `open_log` therefore follows no link at all: it opens each folder of
the walked (or link-resolved) path relative to the one before, from `logs_dir` down,
with O_NOFOLLOW, and reads only regular files.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from process_report.logs.format import UUID_PATTERN
from process_report.logs.problems import FOLDER, LOGS_FOLDER, PATTERN, SYMLINK, Problems
from process_report.settings import DEFAULT_LOG_PATTERNS

CANONICAL_UUID = re.compile(rf"^{UUID_PATTERN}$")
_ROTATION = re.compile(r"(?:\.(?P<n>\d+))?(?P<gz>\.gz)?$")


_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO swapped in for a log must not hang the open (cleared afterwards).
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


@dataclass(frozen=True)
class LogFile:
    path: Path  # as walked: its name is what the patterns matched
    uuid: str | None  # per-process file of this process
    day: str | None  # shared daily file of this day (YYYY-MM-DD)
    rotation: int  # 0 for the live file; higher is older
    gzipped: bool
    root: Path  # logs_dir, resolved once at the walk
    parts: tuple[str, ...]  # the file under `root`, a link inside logs_dir resolved

    @property
    def order(self) -> tuple:
        """Chronological order: by day, older rotations first, then by name."""
        return (self.day or "", -self.rotation, self.path.name)


@dataclass
class LogIndex:
    """The files of the wanted processes and days only: what a walk keeps grows with
    the day's failures, not with the logs folder (100,000 unrelated files cost a name
    match each, and nothing stays)."""

    per_process: dict[str, list[LogFile]] = field(default_factory=lambda: defaultdict(list))
    shared: dict[str, list[LogFile]] = field(default_factory=lambda: defaultdict(list))
    problems: Problems = field(default_factory=Problems)
    files_seen: int = 0

    def files_for(self, days_by_uuid: dict[str, set[str]]) -> tuple[list[LogFile], list[LogFile]]:
        """(per-process files of these processes, shared files of the days they ran)."""
        own = [f for u in days_by_uuid for f in self.per_process.get(u, [])]
        days = set().union(*days_by_uuid.values()) if days_by_uuid else set()
        shared = [f for d in days for f in self.shared.get(d, [])]
        return sorted(own, key=lambda f: f.order), sorted(shared, key=lambda f: f.order)


def is_canonical_uuid(value: str) -> bool:
    """Only canonical UUIDs reach a path or a search pattern."""
    return bool(CANONICAL_UUID.match(value or ""))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A name pattern (`*`, `?`, `{uuid}`, `{date}`) as an anchored regex."""
    parts = re.split(r"(\{uuid\}|\{date\}|\*|\?)", pattern)
    regex = "".join(
        {
            "{uuid}": f"(?P<uuid>{UUID_PATTERN})",
            "{date}": r"(?P<date>\d{4}-\d{2}-\d{2})",
            "*": ".*",
            "?": ".",
        }.get(p, re.escape(p))
        for p in parts
    )
    return re.compile(f"^{regex}$")


def index_logs(
    logs_dir: str | Path,
    patterns: tuple[str, ...] = DEFAULT_LOG_PATTERNS,
    *,
    wanted: dict[str, set[str]],
) -> LogIndex:
    """Walk `logs_dir` once and keep the matching files of the `wanted` processes
    (canonical UUID -> the days it ran): their per-process files and the shared files
    of those days. Every other name is matched and forgotten."""
    root = Path(logs_dir)
    index = LogIndex()
    compiled = [compile_pattern(p) for p in _safe_patterns(patterns, index.problems)]
    try:
        real_root = root.resolve(strict=True)
        if not real_root.is_dir():
            raise NotADirectoryError(str(root))
    except OSError as exc:
        index.problems.add(
            LOGS_FOLDER,
            f"Logs folder {root} cannot be read ({exc.__class__.__name__}: "
            f"{exc}); no failure logs could be extracted.",
        )
        return index
    days = set().union(*wanted.values()) if wanted else set()
    for folder, entry, parts in _walk(root, index):
        index.files_seen += 1
        matched = _match(entry.name, compiled, wanted, days)
        if matched is None:
            continue
        if entry.is_symlink():
            parts = _inside(Path(entry.path), real_root)
            if parts is None:
                index.problems.add(
                    SYMLINK,
                    f"{entry.path} skipped: it links outside the logs folder, to nothing, "
                    f"or to something other than a file.",
                )
                continue
        log_file = LogFile(folder / entry.name, *matched, real_root, parts)
        if log_file.uuid:
            index.per_process[log_file.uuid].append(log_file)
        else:
            index.shared[log_file.day].append(log_file)
    return index


def open_log(log_file: LogFile) -> BinaryIO:
    """The walked file, opened without following any link (see the module docstring).

    Raises OSError: ELOOP or ENOTDIR when the file or one of its folders has become a
    link since the walk, EINVAL when it is no longer a regular file."""
    folder = os.open(log_file.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in log_file.parts[:-1]:
            inner = os.open(name, _OPEN_DIR, dir_fd=folder)
            os.close(folder)
            folder = inner
        handle = os.open(log_file.parts[-1], _OPEN_FILE, dir_fd=folder)
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise OSError(errno.EINVAL, "not a regular file", str(log_file.path))
    os.set_blocking(handle, True)
    return os.fdopen(handle, "rb")


def _safe_patterns(patterns: tuple[str, ...], problems: Problems) -> list[str]:
    """The patterns without `..`: names are matched inside `logs_dir` only, and a
    pattern that tries to climb out of it is a configuration mistake worth a note."""
    for pattern in patterns:
        if ".." in pattern:
            problems.add(
                PATTERN,
                f"Log pattern {pattern!r} refused: '..' could lead outside the logs folder.",
            )
    return [pattern for pattern in patterns if ".." not in pattern]


def _walk(root: Path, index: LogIndex) -> Iterator[tuple[Path, os.DirEntry, tuple[str, ...]]]:
    """(folder, entry, the entry's parts under the root) of every file or link to one,
    folder by folder from a stack (no recursion: a deep tree cannot exhaust Python's
    stack), each folder listed as a stream (a folder of 100,000 files is not held)."""
    pending: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while pending:
        folder, parts = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((folder / entry.name, (*parts, entry.name)))
                    elif entry.is_symlink() or entry.is_file(follow_symlinks=False):
                        yield folder, entry, (*parts, entry.name)
        except OSError as exc:
            index.problems.add(FOLDER, f"Log folder {folder} skipped: {exc.strerror or exc}.")


def _inside(path: Path, real_root: Path) -> tuple[str, ...] | None:
    """The parts under `real_root` of the regular file a link leads to; None if it
    leads outside, nowhere, or to something else than a file."""
    try:
        target = path.resolve(strict=True)
        return target.relative_to(real_root).parts if target.is_file() else None
    except (OSError, ValueError):
        return None


def _match(
    name: str,
    compiled: list[re.Pattern[str]],
    wanted: dict[str, set[str]],
    days: set[str],
) -> tuple[str | None, str | None, int, bool] | None:
    """(uuid, day, rotation, gzipped) of the file named `name` if a pattern matches it
    and it is a wanted process's own file or a shared file of a wanted day."""
    rotation = _ROTATION.search(name)
    base = name[: rotation.start()]
    for pattern in compiled:
        match = pattern.match(base)
        if not match:
            continue
        groups = match.groupdict()
        uuid = (groups.get("uuid") or "").lower() or None
        day = groups.get("date")
        if (uuid and uuid not in wanted) or (not uuid and day not in days):
            return None
        return uuid, day, int(rotation["n"] or 0), bool(rotation["gz"])
    return None
