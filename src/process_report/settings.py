"""The `process_report_settings` Airflow variable, validated into one typed object.

Every task reads its configuration through :func:`parse_settings`, so a typo in the
variable fails the first task with a message that names the key and the expected form,
instead of surfacing later as a wrong report. Unknown keys are errors too: a misspelt
optional key would otherwise be silently ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from process_report.batches import DEFAULT_MAPPED, MAX_MAPPED
from process_report.history.known_issues import EXAMPLE as KNOWN_ISSUE_EXAMPLE
from process_report.history.known_issues import parse_known_issues
from process_report.owners.config import EXAMPLE as OWNER_EXAMPLE
from process_report.owners.config import Owner, parse_owners
from process_report.redact import Redactor

VARIABLE_NAME = "process_report_settings"
# Airflow's own environment representation of the variable. The DAG file reads only this
# at parse time (see schedule_timezone): a lookup in the metadata DB on every parse is
# exactly what the DAG processor must not do.
VARIABLE_ENV = "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"

MAX_RECIPIENTS = 500  # Exchange Online's limit per message

EXAMPLE = {
    "logs_dir": "/var/log/processes",
    "onedrive_root": "SenseAeronautics/Videos/Client/Production_Sources_Backup",
    "recipients": ["ops@example.com"],
    "skip_api_keys": ["test-api-key-1"],
    "skip_api_keys_file": "/opt/airflow/include/folders_2_skip.txt",
    "timezone": "Europe/Paris",
    "db_timezone": "UTC",
    "logs_timezone": "UTC",
    "hung_after_minutes": 60,
    "artifacts_root": "file:///opt/airflow/artifacts",
    "log_patterns": ["*{uuid}*.log", "app_{date}*.log"],
    "create_sharing_links": False,
    "alert_recipients": ["oncall@example.com"],
    "report_deadline_minutes": 60,
    "max_mapped_instances": 4,
    "history_days": 14,
    "known_issues": [KNOWN_ISSUE_EXAMPLE],
    "owners": [OWNER_EXAMPLE],
}
HISTORY_DAYS = (1, 60)
DEFAULT_LOG_PATTERNS = ("*{uuid}*.log", "app_{date}*.log")


class SettingsError(ValueError):
    """The settings variable is missing or malformed; the message says what to fix."""


@dataclass(frozen=True)
class Settings:
    """Validated settings. Timezones are IANA names; durations are minutes.

    `logs_timezone` is the clock the log files' timestamps are written in (by default
    the report timezone): the email shows log-line times converted to the report
    timezone, so they read on the same clock as the processes' start and stop times."""

    logs_dir: str
    onedrive_root: str
    recipients: tuple[str, ...]
    skip_api_keys: frozenset[str]
    timezone: str = "UTC"
    db_timezone: str = "UTC"
    logs_timezone: str = ""  # empty: the report timezone (see __post_init__)
    hung_after_minutes: int = 60
    artifacts_root: str = ""
    log_patterns: tuple[str, ...] = DEFAULT_LOG_PATTERNS
    create_sharing_links: bool = False
    alert_recipients: tuple[str, ...] = ()
    report_deadline_minutes: int = 60
    max_mapped_instances: int = DEFAULT_MAPPED
    history_days: int = 14
    known_issues: tuple[dict[str, Any], ...] = ()
    owners: tuple[Owner, ...] = ()

    def __post_init__(self) -> None:
        if not self.logs_timezone:
            object.__setattr__(self, "logs_timezone", self.timezone)

    @property
    def alert_to(self) -> tuple[str, ...]:
        """Who hears of a failed or late report: `alert_recipients`, else `recipients`."""
        return self.alert_recipients or self.recipients

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_dict(self) -> dict[str, Any]:
        """The variable's JSON form of these settings (the skip file already merged in):
        `parse_settings(s.to_dict()) == s`, which is how a run keeps its snapshot."""
        data = asdict(self)
        data["recipients"] = list(self.recipients)
        data["skip_api_keys"] = sorted(self.skip_api_keys)
        data["log_patterns"] = list(self.log_patterns)
        data["alert_recipients"] = list(self.alert_recipients) or None
        data["known_issues"] = [_without_nulls(entry) for entry in self.known_issues]
        data["owners"] = [owner.to_dict() for owner in self.owners]
        return data


def parse_settings(raw: Any, *, default_artifacts_root: str = "") -> Settings:
    """Validate the variable's value (JSON text or an already decoded mapping).

    All problems are collected and reported together, each naming its key and the
    expected form, so one edit of the variable fixes them all.
    """
    data = _decode(raw)
    errors: list[str] = []
    unknown = sorted(set(data) - set(EXAMPLE))
    if unknown:
        errors.append(f"unknown key(s) {unknown}; known keys are {sorted(EXAMPLE)}")

    logs_dir = _required_text(data, "logs_dir", errors)
    onedrive_root = _required_text(data, "onedrive_root", errors)
    recipients = _recipients(data.get("recipients"), "recipients", errors, required=True)
    skip = _skip_api_keys(data, errors)
    timezone = _timezone(data, "timezone", errors)
    db_timezone = _timezone(data, "db_timezone", errors)
    logs_timezone = _timezone(data, "logs_timezone", errors, default=timezone)
    hung = _positive_minutes(data, "hung_after_minutes", 60, errors)
    artifacts_root = data.get("artifacts_root", default_artifacts_root)
    if not isinstance(artifacts_root, str) or not artifacts_root.strip():
        errors.append(
            "artifacts_root: expected a folder path or object-storage URL such as "
            f"'file:///opt/airflow/artifacts'; got {_described(artifacts_root)}"
        )

    log_patterns = _log_patterns(data.get("log_patterns", list(DEFAULT_LOG_PATTERNS)), errors)
    alerts = _recipients(data.get("alert_recipients"), "alert_recipients", errors, required=False)
    deadline = _positive_minutes(data, "report_deadline_minutes", 60, errors)
    mapped = data.get("max_mapped_instances", DEFAULT_MAPPED)
    if isinstance(mapped, bool) or not isinstance(mapped, int) or not 1 <= mapped <= MAX_MAPPED:
        errors.append(
            f"max_mapped_instances: expected a whole number from 1 to {MAX_MAPPED} such as "
            f"{DEFAULT_MAPPED}; got {mapped!r}"
        )
        mapped = DEFAULT_MAPPED
    history_days = data.get("history_days", 14)
    low, high = HISTORY_DAYS
    if (
        isinstance(history_days, bool)
        or not isinstance(history_days, int)
        or not (low <= history_days <= high)
    ):
        errors.append(
            f"history_days: expected a whole number of days from {low} to {high} such as 14; "
            f"got {_described(history_days)}"
        )
        history_days = 14
    known_issues, known_errors = parse_known_issues(data.get("known_issues"))
    errors += known_errors
    owners = parse_owners(data.get("owners"), errors, _is_address)
    create_links = data.get("create_sharing_links", False)
    if not isinstance(create_links, bool):
        errors.append(f"create_sharing_links: expected true or false; got {create_links!r}")
    if errors:
        raise SettingsError(
            f"Airflow variable '{VARIABLE_NAME}' is invalid:\n- "
            + "\n- ".join(errors)
            + f"\nExample value: {json.dumps(EXAMPLE)}"
        )
    return Settings(
        logs_dir=logs_dir,
        onedrive_root=onedrive_root,
        recipients=recipients,
        skip_api_keys=skip,
        timezone=timezone,
        db_timezone=db_timezone,
        logs_timezone=logs_timezone,
        hung_after_minutes=hung,
        artifacts_root=artifacts_root,
        log_patterns=log_patterns,
        create_sharing_links=create_links,
        alert_recipients=alerts,
        report_deadline_minutes=deadline,
        max_mapped_instances=mapped,
        history_days=history_days,
        known_issues=known_issues,
        owners=owners,
    )


def _is_address(text: str) -> bool:
    """One plain address, by the recipients' own rules."""
    return bool(_recipients([text], "address", [], required=True))


def parse_recipients(value: Any, source: str) -> tuple[str, ...]:
    """Validate a recipients list from anywhere (the variable or the run's Param)."""
    errors: list[str] = []
    recipients = _recipients(value, source, errors, required=True)
    if errors:
        raise SettingsError(errors[0])
    return recipients


def read_skip_file(path: str | Path) -> frozenset[str]:
    """Read the original system's `folders_2_skip.txt`: one API key a line, `#` comments."""
    keys = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        key = line.split("#", 1)[0].strip()
        if key:
            keys.add(key)
    return frozenset(keys)


def parse_time_setting(key: str, environ: Mapping[str, str] = os.environ) -> Any:
    """One setting as the DAG processor can know it at parse time: from the variable's
    environment form only (see schedule_timezone); None when absent or unreadable."""
    try:
        return json.loads(environ.get(VARIABLE_ENV) or "{}").get(key)
    except (ValueError, AttributeError):
        return None


def report_deadline_minutes(environ: Mapping[str, str] = os.environ) -> int:
    """Minutes after its run started by which the report must be sent (the run's
    dagrun_timeout), known at parse time like the schedule's timezone; 60 by default."""
    value = parse_time_setting("report_deadline_minutes", environ)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 60


def schedule_timezone(environ: Mapping[str, str] = os.environ) -> str:
    """The report timezone as the DAG processor can know it at parse time.

    The schedule (08:00 in the report timezone) shapes the DAG itself, so it must be known
    without a database round-trip. It is read from the variable's environment form only;
    when the variable lives in the metadata DB instead, the schedule falls back to UTC and
    `resolve_window` says so in the report.
    """
    value = parse_time_setting("timezone", environ) or "UTC"
    try:
        ZoneInfo(value)
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        return "UTC"  # the first task reports the malformed variable with its reason
    return value


def _decode(raw: Any) -> dict[str, Any]:
    if raw is None or raw == "":
        raise SettingsError(
            f"Airflow variable '{VARIABLE_NAME}' is not set. Create it (Admin > Variables, "
            f"or AIRFLOW_VAR_PROCESS_REPORT_SETTINGS) with a JSON object such as "
            f"{json.dumps(EXAMPLE)}"
        )
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SettingsError(
                f"Airflow variable '{VARIABLE_NAME}' is not valid JSON ({exc.msg} at line "
                f"{exc.lineno} column {exc.colno})"
            ) from None
    if not isinstance(raw, Mapping):
        raise SettingsError(
            f"Airflow variable '{VARIABLE_NAME}' must be a JSON object; got {type(raw).__name__}"
        )
    return dict(raw)


def _required_text(data: Mapping[str, Any], key: str, errors: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{key}: expected a non-empty string such as {EXAMPLE[key]!r}; got {value!r}")
        return ""
    return value.strip()


def _recipients(value: Any, key: str, errors: list[str], *, required: bool) -> tuple[str, ...]:
    """Each entry exactly one plain address, by a real parser (`email-validator`: RFC
    5321/5322 and the domain's syntax, no DNS lookup): a regular expression let
    `ops@[example.com` through to crash the send, the last step, and read `a,b@c.co`
    as one entry although the To header makes two of it. No display name, quoted local
    part or domain literal. The error names the entry by index, clipped and redacted."""
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value:
        errors.append(
            f"{key}: expected a non-empty list of email addresses such as "
            f'["ops@example.com"]; got {_described(value)}'
        )
        return ()
    if len(value) > MAX_RECIPIENTS:
        errors.append(f"{key}: at most {MAX_RECIPIENTS} addresses per message; got {len(value)}")
        return ()
    addresses = []
    for index, entry in enumerate(value):
        if not isinstance(entry, str):
            errors.append(f"{key}[{index}]: expected an email address; got {_described(entry)}")
            return ()
        try:
            parsed = validate_email(
                entry.strip(),
                check_deliverability=False,
                allow_display_name=False,
                allow_quoted_local=False,
                allow_domain_literal=False,
            )
        except EmailNotValidError as exc:
            errors.append(
                f"{key}[{index}]: {_shown(entry)!r} is not one email address such as "
                f"'ops@example.com' ({_shown(str(exc), 160)})"
            )
            return ()
        addresses.append(parsed.normalized)
    return tuple(dict.fromkeys(addresses))


def _shown(text: str, limit: int = 40) -> str:
    """Part of a bad value, as an error may show it: redacted (a misplaced value may be
    a secret, and errors reach task logs, the UI and the alert), on one line, clipped."""
    flat = " ".join(_redactor().redact_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@cache
def _redactor() -> Redactor:
    return Redactor()


def _skip_api_keys(data: Mapping[str, Any], errors: list[str]) -> frozenset[str]:
    keys: set[str] = set()
    listed = data.get("skip_api_keys", [])
    if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
        errors.append(
            'skip_api_keys: expected a list of API key strings such as ["test-api-key-1"]; '
            f"got {_described(listed)}"
        )
    else:
        keys.update(k.strip() for k in listed if k.strip())
    path = data.get("skip_api_keys_file")
    if path is not None and not isinstance(path, str):
        errors.append(
            "skip_api_keys_file: expected a file path such as "
            f"'/opt/airflow/include/folders_2_skip.txt'; got {_described(path)}"
        )
    elif path is not None:
        try:
            keys.update(read_skip_file(path))
        except (OSError, UnicodeDecodeError) as exc:  # the path and the reason, no content
            errors.append(
                f"skip_api_keys_file: expected a readable text file with one API key "
                f"a line; could not read {path!r}: {exc}"
            )
    return frozenset(keys)


def _positive_minutes(data: Mapping[str, Any], key: str, default: int, errors: list[str]) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.append(
            f"{key}: expected a positive whole number of minutes such as {default}; got {value!r}"
        )
        return default
    return value


def _without_nulls(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if value is not None}


def _described(value: Any) -> str:
    """What a bad value is, without repeating it: validation errors reach task logs and
    the UI, and a misplaced value may be an API key."""
    if isinstance(value, list):
        odd = next((i for i, item in enumerate(value) if not isinstance(item, str)), None)
        if odd is not None:
            return f"a list whose item {odd + 1} is {_described(value[odd])}"
        return f"a list of {len(value)} strings"
    if isinstance(value, str):
        return f"a string of {len(value)} characters" if value.strip() else "an empty string"
    kinds = {bool: "true or false", int: "a number", float: "a number", dict: "an object"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), "null")


def _log_patterns(value: Any, errors: list[str]) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(p, str) and ("{uuid}" in p or "{date}" in p) for p in value)
    ):
        errors.append(
            "log_patterns: expected a list of file-name patterns, each with a {uuid} "
            'or {date} placeholder, such as ["*{uuid}*.log", "app_{date}*.log"]; '
            f"got {value!r}"
        )
        return DEFAULT_LOG_PATTERNS
    return tuple(value)


def _timezone(data: Mapping[str, Any], key: str, errors: list[str], default: str = "UTC") -> str:
    value = data.get(key, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        errors.append(
            f"{key}: expected an IANA timezone name such as 'Europe/Paris' or 'UTC'; got {value!r}"
        )
        return "UTC"
    return value
