"""The history part of task `compose_and_send_report`: what the report day's email says
of the days before it, and what the run leaves for the days after it.

Before rendering, the report reads the records of the report days before D from the
archive (never D or later: a rerun or backfill of D gives D's report again), builds the
day's own record from its failures and compares the two (process_report.history), and
reads the 7-day trend fetch_processes stored. After the report went out (or into the
outbox), `remember` writes the day's record, `history.json`, as the run's last file: its
presence means the run produced a report.

The history never stops the report: a past that cannot be read, or a trend that is
missing, is said in the email instead. A day whose failures are not all known (the log
scan or a summary batch failed) is not remembered: its missing errors would read as
"not seen" and then "new" on the days after; it is a gap for them instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.history import RECORD_FILE, compare, read_past, record_of_day
from process_report.process_store import ProcessSource
from process_report.redact import Redactor
from process_report.run_context import RunContext

log = logging.getLogger(__name__)
_SECRETS = Redactor()  # an archive's URL in an error message may carry credentials


@dataclass(frozen=True)
class Remembered:
    """What the email shows of the past, and the record the run leaves."""

    history: dict[str, Any] | None
    history_problem: str | None
    trend: dict[str, Any] | None
    trend_problem: str | None
    record: dict[str, Any] | None  # None: this day is not remembered (see module doc)
    notes: tuple[str, ...] = ()


def remembered(
    context: RunContext,
    fetched: Mapping[str, Any],
    processes: ProcessSource,
    failures: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None,
    *,
    failures_complete: bool,
    now: datetime,
    run_id: str | None = None,
) -> Remembered:
    """The lifecycle of the day's error signatures, the trend, and the day's record
    (with the `run_id` that wrote it, by which the viewer links that day's report).
    `failures`: the summaries, by UUID or as a list."""
    settings, day = context.settings, context.window.report_day
    record = record_of_day(day, processes.counts, processes.records(), failures, written_at=now)
    if run_id is not None:
        record["run_id"] = run_id
    notes: list[str] = []
    history, problem = None, None
    try:
        past = read_past(ObjectStoragePath(settings.artifacts_root), day, settings.history_days)
        history = compare(record, past, settings.known_issues, day)
        notes += past.get("problems", [])
    except Exception as exc:  # any storage error: the report goes out saying so
        problem = _SECRETS.redact_text(f"{type(exc).__name__}: {exc}")
        log.warning("History could not be read, the report says so: %s", problem)
    if not failures_complete:
        notes.append(
            "This day is left out of the history: not all of its failures could be "
            "summarized, so the days after it treat it as a day without a report."
        )
        if history is not None:
            history = {**history, "not_seen_today": [], "counts": _without_not_seen(history)}
    trend, trend_problem = _trend(fetched)
    if history is not None:
        states = history["counts"]
        log.info(
            "History of %d day(s) before %s (%s): %s; trend %s",
            settings.history_days,
            day,
            "first run" if history["first_run"] else f"{len(history['gaps'])} gap(s)",
            ", ".join(f"{n} {state}" for state, n in states.items()),
            "read" if trend is not None else "missing",
        )
    return Remembered(
        history,
        problem,
        trend,
        trend_problem,
        record if failures_complete else None,
        tuple(notes),
    )


def remember(folder: ObjectStoragePath, record: dict[str, Any] | None) -> str | None:
    """Write the day's record as the run's last file (None: not remembered)."""
    if record is None:
        log.info("history.json not written: this day's failures are incomplete")
        return None
    path = artifacts.write_json(folder, RECORD_FILE, record)
    log.info("Day remembered: %d error signature(s) in %s", len(record["signatures"]), path)
    return path


def _trend(fetched: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The 7-day counts fetch_processes stored, or why there are none."""
    path = fetched.get("trend_path")
    if not path:
        return None, fetched.get("trend_error") or "fetch_processes stored no trend for this run."
    try:
        return artifacts.read_json(path), None
    except Exception as exc:  # a missing or unreadable file: said in the email
        return None, _SECRETS.redact_text(f"{type(exc).__name__}: {exc}")


def _without_not_seen(history: Mapping[str, Any]) -> dict[str, int]:
    return {**history["counts"], "not_seen_today": 0}
