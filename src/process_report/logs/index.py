"""Which log files belong to which failed process, from one walk of `logs_dir`.

The original system globbed the logs folder once per failed process. Here the tree is
walked once per run and every file name is matched against the `log_patterns` setting
(`{uuid}` and `{date}` placeholders, shell wildcards), rotated siblings (`.log.1`,
`.log.2.gz`, `.log.gz`) included. Symlinks are followed only while they stay inside
`logs_dir`, so a link cannot make the report read (and mail) another part of the disk.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from process_report.logs.format import UUID_PATTERN
from process_report.settings import DEFAULT_LOG_PATTERNS

CANONICAL_UUID = re.compile(rf"^{UUID_PATTERN}$")
_ROTATION = re.compile(r"(?:\.(?P<n>\d+))?(?P<gz>\.gz)?$")


@dataclass(frozen=True)
class LogFile:
    path: Path
    uuid: str | None  # per-process file of this process
    day: str | None  # shared daily file of this day (YYYY-MM-DD)
    rotation: int  # 0 for the live file; higher is older
    gzipped: bool

    @property
    def order(self) -> tuple:
        """Chronological order: by day, older rotations first, then by name."""
        return (self.day or "", -self.rotation, self.path.name)


@dataclass
class LogIndex:
    per_process: dict[str, list[LogFile]] = field(default_factory=lambda: defaultdict(list))
    shared: dict[str, list[LogFile]] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)
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


def index_logs(logs_dir: str | Path, patterns: tuple[str, ...] = DEFAULT_LOG_PATTERNS) -> LogIndex:
    """Walk `logs_dir` once and sort every matching file into per-process or shared."""
    root = Path(logs_dir)
    index = LogIndex()
    compiled = [compile_pattern(p) for p in _safe_patterns(patterns, index.problems)]
    try:
        real_root = root.resolve(strict=True)
        if not real_root.is_dir():
            raise NotADirectoryError(str(root))
    except OSError as exc:
        index.problems.append(
            f"Logs folder {root} cannot be read ({exc.__class__.__name__}: "
            f"{exc}); no failure logs could be extracted."
        )
        return index
    for path in _walk(root, real_root, index.problems):
        index.files_seen += 1
        _classify(path, compiled, index)
    return index


def _safe_patterns(patterns: tuple[str, ...], problems: list[str]) -> list[str]:
    """The patterns without `..`: names are matched inside `logs_dir` only, and a
    pattern that tries to climb out of it is a configuration mistake worth a note."""
    for pattern in patterns:
        if ".." in pattern:
            problems.append(
                f"Log pattern {pattern!r} refused: '..' could lead outside the logs folder."
            )
    return [pattern for pattern in patterns if ".." not in pattern]


def _walk(folder: Path, real_root: Path, problems: list[str]):
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        problems.append(f"Log folder {folder} skipped: {exc.strerror or exc}.")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink() and not _inside(path, real_root):
            problems.append(f"{path} skipped: it links outside the logs folder.")
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, real_root, problems)
        elif entry.is_file():
            yield path


def _inside(path: Path, real_root: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(real_root)
    except OSError:
        return False


def _classify(path: Path, compiled: list[re.Pattern[str]], index: LogIndex) -> None:
    rotation = _ROTATION.search(path.name)
    base = path.name[: rotation.start()]
    for pattern in compiled:
        match = pattern.match(base)
        if not match:
            continue
        groups = match.groupdict()
        log_file = LogFile(
            path,
            (groups.get("uuid") or "").lower() or None,
            groups.get("date"),
            int(rotation["n"] or 0),
            bool(rotation["gz"]),
        )
        if log_file.uuid:
            index.per_process[log_file.uuid].append(log_file)
        elif log_file.day:
            index.shared[log_file.day].append(log_file)
        return
