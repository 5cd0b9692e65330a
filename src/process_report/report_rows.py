"""What the email shows of each process beyond its record, applied one record at a time
as a list is read: its failure (summary, last error lines on the report's clock, the
extract's link), its videos, its source without secrets, its times on the report's
clock. `ListedView` and `AllProcesses` are the lists the templates and the CSV iterate,
never held whole (process_store.py)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from process_report.links import RunLinks
from process_report.logs.format import RECORD_START
from process_report.process_store import ProcessSource
from process_report.processes import FAILED, FINISHED
from process_report.redact import Redactor
from process_report.report_templates import safe_url

ERROR_LINES_SHOWN = 3
_LEADING_TIMESTAMP = re.compile("^" + RECORD_START + r"(?:[.,]\d+)?\]?\s*")
_SECRETS = Redactor()  # secret shapes only: passwords in URLs, token= values, …


@dataclass(frozen=True)
class ProcessView:
    """What the email shows of a process beyond its record: its failure (summary, error
    lines, extract link), its videos, its source without secrets, its times on the
    report's clock. Applied to one record at a time, as a list is read."""

    summaries: Mapping[str, Mapping[str, Any]]
    videos: Mapping[str, Mapping[str, Any]] | None
    links: RunLinks | None
    clock: tuple[ZoneInfo, ZoneInfo]
    tz: ZoneInfo

    def summary(self, p: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self.summaries.get(p["uuid"]) if p["category"] == FAILED else None

    def lookup(self, p: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if self.videos is None or p["category"] != FINISHED:
            return None
        return self.videos.get(p["uuid"])

    def __call__(self, p: Mapping[str, Any]) -> dict[str, Any]:
        """The record as the lists show it, its times on the report's clock."""
        return {
            **self.exported(p),
            "start_local": local_iso(p["start_time"], self.tz),
            "stop_local": local_iso(p["stop_time"], self.tz),
            "ping_local": local_iso(p["ping_time"], self.tz),
        }

    def exported(self, p: Mapping[str, Any]) -> dict[str, Any]:
        """The record as the CSV exports it: times as stored (ISO 8601), not local."""
        found = self.lookup(p)
        source_shown, source_link = _source(p.get("source_uri"))
        videos = found["videos"] if found else []
        return {
            **p,
            "failure": failure_view(self.summary(p), self.links, self.clock),
            "videos": videos,
            "video_error": found["error"] if found else None,
            "video_missing": self.videos is not None and p["category"] == FINISHED and not videos,
            "source_shown": source_shown,
            "source_link": source_link,
        }


@functools.lru_cache(maxsize=4096)
def _source(uri: str | None) -> tuple[str | None, str | None]:
    """A source address as people may see it (without passwords or tokens, which a
    camera's address often carries) and its link (only http(s) holding none). Kept for
    the few hundred sources a day repeats over its processes."""
    if not uri:
        return None, None
    shown = _SECRETS.redact_text(uri)
    return shown, safe_url(uri) if shown == uri else None


class ListedView:
    """A category's list as the templates read it (`len`, iteration, `[:n]`), each
    record shown as it is read: a big day's list is never held."""

    def __init__(self, source: ProcessSource, category: str, shown: ProcessView) -> None:
        self._source, self._category, self._shown = source, category, shown

    def __len__(self) -> int:
        return self._source.count(self._category)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._shown, self._source.listed(self._category))

    def __getitem__(self, cut: slice) -> list[dict[str, Any]]:
        if cut.start or cut.step or cut.stop is None or cut.stop < 0:
            raise TypeError("a list is cut to its first rows only")
        return list(map(self._shown, self._source.listed(self._category, cut.stop)))


class AllProcesses:
    """Every process as the CSV exports it, in the query's order, read as iterated."""

    def __init__(self, source: ProcessSource, shown: ProcessView) -> None:
        self._source, self._shown = source, shown

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._shown.exported, self._source.records())


def failure_view(
    summary: Mapping[str, Any] | None, links: RunLinks | None, clock: tuple[ZoneInfo, ZoneInfo]
) -> dict[str, Any] | None:
    """The summary plus what the email shows of it: the last error lines, and where its
    full extract is (the viewer's link; `log_file` is its name in the zip)."""
    if summary is None:
        return None
    name = str(summary["extract"]).rstrip("/").rsplit("/", 1)[-1] if summary["extract"] else None
    day, lines = error_lines(summary.get("error_lines") or [], *clock)
    return {
        **summary,
        "errors_day": day,
        "errors_shown": lines,
        "log_file": name.removesuffix(".gz") if name else None,
        "extract_url": links.extract(name) if links and name else None,
    }


def error_lines(
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


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """`value` in the report's timezone, to the minute, with the zone's abbreviation."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def local_iso(value: str | None, tz: ZoneInfo) -> str:
    return local_time(datetime.fromisoformat(value), tz) if value else "—"
