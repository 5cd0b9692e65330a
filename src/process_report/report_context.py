"""What the report shows, as plain data: `report_context` turns the categorized
processes of a window, the failure summaries, the video lookups and the run's links into
the values the templates render (lists sorted, times in the report's timezone, failures
grouped by error signature, data-quality notes). Pure: no clock, database or network.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from process_report.data_quality import Note, grouped_notes
from process_report.links import RunLinks
from process_report.logs.format import RECORD_START
from process_report.logs.signatures import signature_id
from process_report.owners.digest import digest_subject
from process_report.processes import FAILED, FINISHED, OTHER, RUNNING
from process_report.redact import Redactor
from process_report.report_history import headline, history_view
from process_report.report_templates import safe_url
from process_report.window import Window

ERROR_LINES_SHOWN = 3
_LEADING_TIMESTAMP = re.compile("^" + RECORD_START + r"(?:[.,]\d+)?\]?\s*")
_SECRETS = Redactor()  # secret shapes only: passwords in URLs, token= values, …


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
    clock = (ZoneInfo(logs_timezone or window.timezone), tz)
    processes = _with_sources(
        _with_videos(_with_failures(process_data["processes"], failures, links, clock), videos)
    )
    counts = process_data["counts"]
    quality = [
        *notes,
        *process_data.get("data_quality", []),
        *_missing_logs(processes, failures),
        *_failed_lookups(processes),
    ]
    remembered = history_view(
        groups=_failure_groups(processes, tz),
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
        "clients": _client_rows(processes),
        "failed": _listed(processes, FAILED, tz),
        "finished": _listed(processes, FINISHED, tz),
        "running": _listed(processes, RUNNING, tz),
        "other": _listed(processes, OTHER, tz),
        "skipped_test_processes": process_data.get("skipped_test_processes", 0),
        "data_quality": grouped_notes(quality),
        "data_quality_notes": quality,
        "videos_looked_up": videos is not None,
        "total": counts["total"],
        "all_processes": processes,
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


def _with_failures(
    processes: list[Mapping[str, Any]],
    failures: Sequence[Mapping[str, Any]] | None,
    links: RunLinks | None,
    clock: tuple[ZoneInfo, ZoneInfo],
) -> list[dict[str, Any]]:
    by_uuid = {f["uuid"]: f for f in failures or ()}
    return [
        {
            **p,
            "failure": _failure_view(by_uuid.get(p["uuid"]), links, clock)
            if p["category"] == FAILED
            else None,
        }
        for p in processes
    ]


def _failure_view(
    summary: Mapping[str, Any] | None, links: RunLinks | None, clock: tuple[ZoneInfo, ZoneInfo]
) -> dict[str, Any] | None:
    """The summary plus what the email shows of it: the last error lines, and where its
    full extract is (the viewer's link; `log_file` is its name in the zip)."""
    if summary is None:
        return None
    name = str(summary["extract"]).rstrip("/").rsplit("/", 1)[-1] if summary["extract"] else None
    day, lines = _error_lines(summary.get("error_lines") or [], *clock)
    return {
        **summary,
        "errors_day": day,
        "errors_shown": lines,
        "log_file": name.removesuffix(".gz") if name else None,
        "extract_url": links.extract(name) if links and name else None,
    }


def _error_lines(
    error_lines: Sequence[Mapping[str, Any]], logs_tz: ZoneInfo, tz: ZoneInfo
) -> tuple[str | None, list[dict]]:
    """The last ERROR_LINES_SHOWN error lines as (time, message), times converted from
    the logs' clock to the report's: the day is said once when they share it (on the
    report's clock, so it is right around midnight), and the line's own leading
    timestamp is not repeated."""
    last = list(error_lines)[-ERROR_LINES_SHOWN:]
    shown = [{**e, "at": _on_report_clock(e["at"], logs_tz, tz)} for e in last]
    days = {(e["at"] or "")[:10] for e in shown}
    day = days.pop() if len(days) == 1 and all(e["at"] for e in shown) else None
    return day, [
        {
            "at": (e["at"][11:] if day else e["at"]) or "",
            "text": _LEADING_TIMESTAMP.sub("", e["line"]) if e["at"] else e["line"],
        }
        for e in shown
    ]


def _on_report_clock(at: str | None, logs_tz: ZoneInfo, tz: ZoneInfo) -> str | None:
    """A log line's timestamp (`2026-11-26 20:16:00`, written on the logs' clock) as
    the same instant on the report's clock; one that does not parse stays as it is."""
    if not at or logs_tz == tz:
        return at
    try:
        written = datetime.fromisoformat(at).replace(tzinfo=logs_tz)
    except ValueError:
        return at
    return written.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _with_sources(processes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Source addresses as people may see them: without passwords or tokens, which the
    camera's address often carries; linked only when it is http(s) and holds none."""
    for p in processes:
        uri = p.get("source_uri")
        shown = _SECRETS.redact_text(uri) if uri else None
        p["source_shown"] = shown
        p["source_link"] = safe_url(uri) if uri and shown == uri else None
    return processes


def _with_videos(
    processes: list[dict[str, Any]], videos: Mapping[str, Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    for p in processes:
        found = (videos or {}).get(p["uuid"]) if p["category"] == FINISHED else None
        p["videos"] = found["videos"] if found else []
        p["video_error"] = found["error"] if found else None
        p["video_missing"] = videos is not None and p["category"] == FINISHED and not p["videos"]
    return processes


def _failed_lookups(processes: list[Mapping[str, Any]]) -> list[str]:
    reasons = Counter(p["video_error"] for p in processes if p.get("video_error"))
    return [f"{count} finished process(es): {reason}." for reason, count in sorted(reasons.items())]


def _failure_groups(processes: list[Mapping[str, Any]], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Failures by error signature, largest group first: count, clients, first/last."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for p in processes:
        if p["failure"] and p["failure"]["found"]:
            groups[p["failure"]["signature"]].append(p)
    rows = []
    for sig, members in groups.items():
        times = sorted(filter(None, (m["stop_time"] or m["start_time"] for m in members)))
        rows.append(
            {
                "signature": sig,
                "id": signature_id(sig),  # what the history and known_issues call it
                "count": len(members),
                "clients": sorted({m["client"] for m in members}),
                "key_error": members[-1]["failure"]["key_error"],
                "first": _local_iso(times[0] if times else None, tz),
                "last": _local_iso(times[-1] if times else None, tz),
            }
        )
    return sorted(rows, key=lambda r: (-r["count"], r["signature"]))


def _missing_logs(
    processes: list[Mapping[str, Any]], failures: Sequence[Mapping[str, Any]] | None
) -> list[str]:
    if failures is None:
        return []
    missing = sum(
        1
        for p in processes
        if p["category"] == FAILED and not (p["failure"] and p["failure"]["found"])
    )
    return [f"{missing} failed process(es) without log records."] if missing else []


def _client_rows(processes: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    per: dict[str, dict[str, int]] = defaultdict(
        lambda: {FINISHED: 0, FAILED: 0, RUNNING: 0, OTHER: 0, "missing_videos": 0}
    )
    for p in processes:
        per[p["client"]][p["category"]] += 1
        per[p["client"]]["missing_videos"] += bool(p.get("video_missing"))
    return [
        {"client": name, **row}
        for name, row in sorted(per.items(), key=lambda item: (-item[1][FAILED], item[0].lower()))
    ]


def _listed(processes: list[dict[str, Any]], category: str, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The category's processes, sorted, with their times in the report's timezone. The
    times are added to the context's own process records (not to copies of them: on a
    big day a copy of every record is ~50 MB)."""
    chosen = [p for p in processes if p["category"] == category]
    chosen.sort(key=lambda p: (p["client"].lower(), p["start_time"] or "", p["uuid"] or ""))
    for p in chosen:
        p["start_local"] = _local_iso(p["start_time"], tz)
        p["stop_local"] = _local_iso(p["stop_time"], tz)
        p["ping_local"] = _local_iso(p["ping_time"], tz)
    return chosen


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """`value` in the report's timezone, to the minute, with the zone's abbreviation."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _local_iso(value: str | None, tz: ZoneInfo) -> str:
    return local_time(datetime.fromisoformat(value), tz) if value else "—"
