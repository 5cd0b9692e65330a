"""Preflight checks of what lives on the worker: the settings variable, the logs folder
and its patterns, and the viewer's base URL (which the email's links start with)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from process_report.logs.index import compile_pattern
from process_report.preflight import Check, failed, passed
from process_report.redact import Redactor
from process_report.settings import VARIABLE_NAME, Settings, SettingsError, parse_settings

RECENT_DAYS = 2  # a log written in the last two days shows the patterns still match
MAX_ENTRIES = 200_000  # the walk stops here: a preflight must not take minutes


def check_settings(raw: Any, default_artifacts_root: str) -> tuple[Check, Settings | None]:
    """The variable parses and validates (recipients, timezones, patterns, …)."""
    name = f"settings ({VARIABLE_NAME})"
    if raw is None:
        return failed(
            name,
            "the variable is not set",
            f"create the Airflow variable {VARIABLE_NAME} (docs: configuration reference)",
        ), None
    try:
        settings = parse_settings(raw, default_artifacts_root=default_artifacts_root)
    except SettingsError as exc:
        return failed(name, Redactor().redact_text(str(exc)), f"edit {VARIABLE_NAME}"), None
    return passed(
        name,
        f"valid; {len(settings.recipients)} recipient(s), report timezone {settings.timezone}",
    ), settings


def check_logs(
    settings: Settings, now: datetime | None = None, *, clock: Callable[[], float] = time.time
) -> Check:
    """`logs_dir` is readable and at least one file written in the last RECENT_DAYS
    matches one of `log_patterns` (the usual cause of reports without errors: a wrong
    LOGS_DIR, a volume not mounted, or a renamed log file)."""
    name = "logs_dir"
    root = settings.logs_dir
    if not os.path.isdir(root):
        return failed(
            name,
            f"{root} is not a folder this worker can see",
            "set logs_dir to the folder the processes write their logs to, and mount it on "
            "every worker (docker-compose.yaml / Helm: the logs volume)",
        )
    if not os.access(root, os.R_OK | os.X_OK):
        return failed(
            name,
            f"{root} is not readable by this worker's user",
            "give the Airflow user read access to the logs folder",
        )
    patterns = [compile_pattern(p) for p in settings.log_patterns]
    since = (now or datetime.now(UTC)) - timedelta(days=RECENT_DAYS)
    seen, recent = _walk_matches(root, patterns, since.timestamp())
    if not recent:
        return failed(
            name,
            f"no file in {root} written since {since:%Y-%m-%d %H:%M} UTC matches "
            f"{list(settings.log_patterns)} ({seen} entries looked at)",
            "check log_patterns against the names of today's log files ({uuid}, {date} and "
            "shell wildcards), and that the processes still write to this folder",
        )
    return passed(name, f"{root}: {recent} recent log file(s) match the patterns")


def _walk_matches(root: str, patterns: list, since: float) -> tuple[int, int]:
    """(entries seen, recent matching files), walking at most MAX_ENTRIES entries and
    never following a symlink out of the folder."""
    seen = recent = 0
    stack = [root]
    while stack and seen < MAX_ENTRIES:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False) and any(
                p.match(entry.name) for p in patterns
            ):
                recent += entry.stat(follow_symlinks=False).st_mtime >= since
    return seen, recent


def check_viewer_base_url(base_url: str | None) -> Check:
    """`[api] base_url` is the address people reach Airflow at: the email's links into
    the run and the report viewer start with it; without it the email has no links."""
    name = "viewer base URL ([api] base_url)"
    fix = (
        "set [api] base_url (AIRFLOW__API__BASE_URL) to the https address people open "
        "Airflow at, e.g. https://airflow.example.com"
    )
    if not base_url or not base_url.strip():
        return failed(name, "not set: the email would carry no links to the viewer", fix)
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return failed(name, f"{base_url!r} is not an http(s) address", fix)
    if parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return passed(
            name, f"{base_url.strip()} (a loopback address: links open on this machine only)"
        )
    return passed(name, base_url.strip())
