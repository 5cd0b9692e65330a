"""What the report shows, as plain data: `report_context` turns the categorized
processes of a window, the failure summaries, the video lookups and the run's links into
the values the templates render (lists sorted, times in the report's timezone, failures
grouped by error signature, data-quality notes). Pure: no clock, database or network.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from process_report.data_quality import Note, grouped_notes
from process_report.links import RunLinks
from process_report.logs.signatures import signature_id
from process_report.owners.digest import digest_subject
from process_report.process_store import ListedProcesses, ProcessSource, StoredProcesses
from process_report.processes import CATEGORIES, FAILED, FINISHED, OTHER, RUNNING
from process_report.report_history import headline, history_view
from process_report.report_rows import AllProcesses, ListedView, ProcessView, local_iso, local_time
from process_report.window import Window


def report_context(
    *,
    window: Window,
    process_data: Mapping[str, Any],
    previous_counts: Mapping[str, int] | None,
    generated_at: datetime,
    notes: Sequence[Note] = (),
    failures: Sequence[Mapping[str, Any]] | None = None,
    videos: Mapping[str, Mapping[str, Any]] | None = None,
    links: RunLinks | None = None,
    logs_timezone: str | None = None,
    history: Mapping[str, Any] | None = None,
    history_problem: str | None = None,
    trend: Mapping[str, Any] | None = None,
    trend_problem: str | None = None,
    digest: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the templates show. `notes` are run-level data-quality notes (for
    example a timezone mismatch or an unreadable logs folder; text or `{"kind", "text"}`,
    see `data_quality`) added to those the process data carries: `data_quality` holds
    them grouped by kind as the body shows them, `data_quality_notes` every one.
    `failures` are the failure-log summaries and `videos` the OneDrive lookups by UUID,
    each None when not looked up; `links` the run's pages in Airflow and its viewer
    (None without Airflow's base URL: no links then); `logs_timezone` the clock the log
    files are written in (None: the report timezone), from which error-line times are
    converted, so every time in the email reads on the report's clock. `history` is the
    lifecycle of today's error signatures and `trend` the 7-day counts, each None with
    the `*_problem` saying why (see report_history). `digest` ({owner, clients}) makes
    it an owner's digest (owners/digest.py: the inputs cut to their clients);
    `previous_counts` None: not known (a digest's), shown as such."""
    tz = ZoneInfo(window.timezone)
    source = process_source(process_data)
    shown = ProcessView(
        summaries=_by_uuid(failures),
        videos=videos,
        links=links,
        clock=(ZoneInfo(logs_timezone or window.timezone), tz),
        tz=tz,
    )
    tally = _tally(source, shown)
    counts = source.counts
    quality = [
        *notes,
        *source.data_quality,
        *_missing_logs(tally["missing_logs"], failures),
        *_failed_lookups(tally["video_errors"]),
    ]
    remembered = history_view(
        groups=_failure_groups(tally["groups"], tz),
        history=history,
        history_problem=history_problem,
        trend=trend,
        trend_problem=trend_problem,
    )
    return {
        **remembered,
        "subject": digest_subject(
            window.report_day.isoformat(),
            counts_line(counts, remembered["changes"]),
            digest["clients"],
        )
        if digest
        else subject_line(window, counts, remembered["changes"]),
        "digest": digest,
        "headline": headline(counts, remembered["changes"]),
        "report_day": window.report_day.isoformat(),
        "window_start": local_time(window.start, tz),
        "window_end": local_time(window.end, tz),
        "timezone": window.timezone,
        "window_source": window.source_words,
        "generated_at": local_time(generated_at, tz),
        "summary": _summary_rows(counts, previous_counts),
        "clients": _client_rows(tally["clients"]),
        **{category: ListedView(source, category, shown) for category in CATEGORIES},
        "skipped_test_processes": source.skipped_test_processes,
        "data_quality": grouped_notes(quality),
        "data_quality_notes": quality,
        "videos_looked_up": videos is not None,
        "total": counts["total"],
        "all_processes": AllProcesses(source, shown),
        "links": links,
    }


def subject_line(
    window: Window, counts: Mapping[str, int], changes: Mapping[str, int] | None = None
) -> str:
    """E.g. `Daily process report 2026-11-26: 120 finished · 0 failed · 3 running (1 hung)`;
    with failures it leads with them and what changed (`changes`: the history's counts
    of each state): `… 2026-11-26: 6 failed · 2 new errors · 1 back · 120 finished · …`."""
    return f"Daily process report {window.report_day.isoformat()}: {counts_line(counts, changes)}"


def counts_line(counts: Mapping[str, int], changes: Mapping[str, int] | None = None) -> str:
    """The counts as the subject says them (`120 finished · 0 failed · 3 running (1
    hung)`, failures first when there are any), which the task logs repeat so that their
    numbers read like the email's."""
    running = f"{counts[RUNNING]} running"
    if counts["hung"]:
        running += f" ({counts['hung']} hung)"
    lead = headline(counts, changes)
    parts = [*lead, f"{counts[FINISHED]} finished", running]
    if not lead:
        parts.insert(1, f"{counts[FAILED]} failed")
    if counts[OTHER]:
        parts.append(f"{counts[OTHER]} other")
    return " · ".join(parts)


def _summary_rows(counts: Mapping[str, int], previous: Mapping[str, int] | None) -> list[dict]:
    """The counts, each with the previous window's and the change (blank when the
    previous window's counts are not known)."""
    rows = []
    for key, label in (
        (FINISHED, "Finished"),
        (FAILED, "Failed"),
        (RUNNING, "Running"),
        ("hung", "of which hung"),
        (OTHER, "Other status"),
        ("total", "Total"),
    ):
        now = counts.get(key, 0)
        if previous is None:
            rows.append({"label": label, "count": now, "previous": "—", "change": ""})
            continue
        before = previous.get(key, 0)
        rows.append(
            {"label": label, "count": now, "previous": before, "change": f"{now - before:+d}"}
        )
    return rows


def process_source(process_data: Any) -> ProcessSource:
    """The processes as given: a `StoredProcesses` (a task's) or `ListedProcesses`, or
    process data in memory (`{"processes", "counts", ...}`: tests, owner digests)."""
    if isinstance(process_data, StoredProcesses | ListedProcesses):
        return process_data
    return ListedProcesses(process_data)


def _by_uuid(failures: Any) -> Mapping[str, Mapping[str, Any]]:
    """The failure summaries by UUID: as given when they are a mapping already (a
    task's, stored), else the list's, a later summary of a UUID winning."""
    if failures is None:
        return {}
    if isinstance(failures, Mapping):
        return failures
    return {f["uuid"]: f for f in failures}


def _tally(source: ProcessSource, shown: ProcessView) -> dict[str, Any]:
    """One pass over the records in the query's order for what the email counts: the
    clients' rows, the failures by signature, the failures without log records and the
    reasons of failed video lookups."""
    clients: dict[str, dict[str, int]] = {}
    groups: dict[str, dict[str, Any]] = {}
    missing_logs = 0
    video_errors: Counter[str] = Counter()
    for p in source.records():
        row = clients.setdefault(
            p["client"], {FINISHED: 0, FAILED: 0, RUNNING: 0, OTHER: 0, "missing_videos": 0}
        )
        row[p["category"]] += 1
        if p["category"] == FINISHED:
            found = shown.lookup(p)
            row["missing_videos"] += shown.videos is not None and not (found and found["videos"])
            if found and found["error"]:
                video_errors[found["error"]] += 1
        elif p["category"] == FAILED:
            summary = shown.summary(p)
            if summary and summary["found"]:
                _add_to_group(groups, summary, p)
            else:
                missing_logs += 1
    return {
        "clients": clients,
        "groups": groups,
        "missing_logs": missing_logs,
        "video_errors": video_errors,
    }


def _add_to_group(
    groups: dict[str, dict[str, Any]], summary: Mapping[str, Any], p: Mapping[str, Any]
) -> None:
    """A failure into its signature's group: count, clients, first and last time, and
    the key error of its last member in the query's order."""
    group = groups.setdefault(
        summary["signature"], {"count": 0, "clients": set(), "first": None, "last": None}
    )
    group["count"] += 1
    group["clients"].add(p["client"])
    group["key_error"] = summary["key_error"]
    if at := p["stop_time"] or p["start_time"]:
        group["first"] = at if group["first"] is None else min(group["first"], at)
        group["last"] = at if group["last"] is None else max(group["last"], at)


def _failed_lookups(reasons: Counter[str]) -> list[str]:
    return [f"{count} finished process(es): {reason}." for reason, count in sorted(reasons.items())]


def _failure_groups(groups: Mapping[str, Mapping[str, Any]], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Failures by error signature, largest group first: count, clients, first/last."""
    rows = [
        {
            "signature": sig,
            "id": signature_id(sig),  # what the history and known_issues call it
            "count": group["count"],
            "clients": sorted(group["clients"]),
            "key_error": group["key_error"],
            "first": local_iso(group["first"], tz),
            "last": local_iso(group["last"], tz),
        }
        for sig, group in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["signature"]))


def _missing_logs(missing: int, failures: Any) -> list[str]:
    if failures is None:
        return []
    return [f"{missing} failed process(es) without log records."] if missing else []


def _client_rows(per: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    return [
        {"client": name, **row}
        for name, row in sorted(per.items(), key=lambda item: (-item[1][FAILED], item[0].lower()))
    ]
