"""The report email as a pure function of its inputs: same inputs, same email.

`report_email` takes the categorized processes of a window (as stored by
fetch_processes), the failure summaries, the video lookups, the previous window's
counts, the generation time and the run's links, and returns the subject, an HTML body
that stays under Gmail's clipping size on any day, the plain-text body and the
attachments (the CSV, the failures' log extracts, the full report on big days). Nothing
here reads the clock, a database or the network (extracts come through the caller's
`read_extract`), which is what makes reruns, backfills and tests predictable.

The HTML holds in clients that ignore most CSS (Outlook for Windows, the Gmail apps):
lists are stacked rows in one column, not wide tables, and long values (UUIDs, paths,
URLs) get `<wbr>` break opportunities in the markup instead of relying on CSS wrapping.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
import time
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from process_report.chunks import encoded, joined, utf8_size
from process_report.links import RunLinks
from process_report.logs.format import RECORD_START
from process_report.paths import templates_dir
from process_report.processes import FAILED, FINISHED, OTHER, RUNNING
from process_report.redact import Redactor
from process_report.window import Window

BODY_BUDGET_BYTES = 100_000  # Gmail clips an HTML body at about 102 KB
NEVER_FITS_BYTES = 10 * BODY_BUDGET_BYTES  # rendered, before inlining: see _may_fit
ZIP_ABOVE_BYTES = 512 * 1024
ROW_LIMITS = (None, 1000, 500, 200, 100, 50, 25, 10, 5, 0)
EXTRACTS_ZIP = "failure-logs.zip"
# Graph's 4 MB request counts attachments base64-encoded twice (≈ 1.8 x); 1 MB of
# extracts leaves room for the body, the CSV and the full report of a 20,000-process day.
EXTRACTS_ZIP_MAX_BYTES = 1024 * 1024
EXTRACT_TAIL_BYTES = 256 * 1024  # of each extract; the error is at its end
ERROR_LINES_SHOWN = 3
BREAK_EVERY = 20  # characters of a word between break opportunities
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)
_LONG_WORD = re.compile(rf"(\S{{{BREAK_EVERY + 1},}})")  # captured: split keeps it
_AFTER_SEPARATOR = re.compile(r"(?<=[/\\_.:?&=,;-])(?=.)")
_RUN = re.compile(rf"([^\0]{{{BREAK_EVERY}}})(?=[^\0])")  # BREAK_EVERY chars, more to come
_LEADING_TIMESTAMP = re.compile("^" + RECORD_START + r"(?:[.,]\d+)?\]?\s*")
_SECRETS = Redactor()  # secret shapes only: passwords in URLs, token= values, …


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Attachment:
    """A file that goes with the email (and into the run's archive)."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class AttachedExtracts:
    """Which failures' extracts went into the zip (by UUID), out of how many."""

    attachment: Attachment | None = None
    attached: frozenset[str] = frozenset()
    total: int = 0


@dataclass(frozen=True)
class ReportEmail:
    """The email body (within the size budget) and its attachments."""

    body: RenderedReport
    attachments: tuple[Attachment, ...]
    row_limit: int | None  # None: every list complete in the body


def render_report(
    *, row_limit: int | None = None, attachment_names: Sequence[str] = (), **inputs: Any
) -> RenderedReport:
    """Render subject, HTML (CSS inlined) and text; lists cut at `row_limit` rows each,
    with how many more. Inputs: see `report_context`."""
    return _render(report_context(**inputs), row_limit, attachment_names, AttachedExtracts())


def report_email(*, read_extract: Callable[[str], str] | None = None, **inputs: Any) -> ReportEmail:
    """The body that fits BODY_BUDGET_BYTES on any day, plus attachments: always a CSV of
    every process, the failures' extracts zipped up to EXTRACTS_ZIP_MAX_BYTES (read
    with `read_extract(url)`, when given), and the complete HTML report when the body
    had to be cut.

    The summary, every failure group and the data-quality notes are always in the body;
    the lists keep their first rows and say how many more."""
    context = report_context(**inputs)
    inputs.clear()  # the process data as read: the context holds its own copies
    extracts = attach_extracts(context["failed"], read_extract)
    csv = _deliverable(  # first, so its unzipped bytes are gone before the full render
        Attachment("processes.csv", processes_csv(context["all_processes"]), "text/csv")
    )
    bundled = (extracts.attachment,) if extracts.attachment else ()
    # The complete report is a file opened in a browser, which applies its <style>
    # block: it is attached as rendered, never inlined (at 20,000 processes inlining
    # its 10 MB cost 2.6 s and 320 MB of memory, for no reader). One that cannot fit
    # the body (see _may_fit) is zipped as it is rendered, never held whole.
    view = _view(context, None, (), extracts)
    html, full_html = _kept_or_zipped(view, "full-report.html")
    if html is not None:
        text = _rendered(template_environment().get_template("report.txt.j2"), view)
        full = _inlined(RenderedReport(context["subject"], html, text))
        if len(full.html.encode()) <= BODY_BUDGET_BYTES:
            return ReportEmail(full, (csv, *bundled), None)
        full_html = _deliverable_text("full-report.html", html, "text/html")
        del full, html, text
    del view
    assert full_html is not None
    names = (csv.name, full_html.name)
    for limit in ROW_LIMITS[1:]:
        body = _render(context, limit, names, extracts, inline=False)
        if _may_fit(body) or limit == ROW_LIMITS[-1]:
            body = _inlined(body)
            if len(body.html.encode()) <= BODY_BUDGET_BYTES:
                break
    return ReportEmail(body, (csv, full_html, *bundled), limit)


def _may_fit(rendered: RenderedReport) -> bool:
    """Whether the body could fit BODY_BUDGET_BYTES once its CSS is inlined. Inlining
    adds style attributes and drops the <style> block (a few KB); entities it writes
    as characters can shrink text, but never tenfold, so a rendering over ten budgets
    cannot fit and is not inlined (css_inline builds the whole document's DOM)."""
    return utf8_size(rendered.html) <= NEVER_FITS_BYTES


def attach_extracts(
    failed: Sequence[Mapping[str, Any]], read_extract: Callable[[str], str] | None
) -> AttachedExtracts:
    """The failures' extracts in one zip, in the order the email lists them, until the
    next would push it over EXTRACTS_ZIP_MAX_BYTES; each is cut to its last
    EXTRACT_TAIL_BYTES. Extracts are read one at a time and only while they fit."""
    logs = [p["failure"] for p in failed if p["failure"] and p["failure"]["extract"]]
    if read_extract is None or not logs:
        return AttachedExtracts(total=len(logs))
    buffer, attached, size = io.BytesIO(), set(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for failure in logs:
            data = _tail(read_extract(failure["extract"])).encode()
            entry = len(zlib.compress(data)) + 2 * len(failure["log_file"]) + 100  # + headers
            if size + entry > EXTRACTS_ZIP_MAX_BYTES:
                break
            archive.writestr(failure["log_file"], data)
            attached.add(failure["uuid"])
            size += entry
    if not attached:
        return AttachedExtracts(total=len(logs))
    attachment = Attachment(EXTRACTS_ZIP, buffer.getvalue(), "application/zip")
    return AttachedExtracts(attachment, frozenset(attached), len(logs))


def _tail(text: str) -> str:
    """The last EXTRACT_TAIL_BYTES of an extract, from a line start, saying what was cut."""
    data = text.encode()
    if len(data) <= EXTRACT_TAIL_BYTES:
        return text
    kept = data[-EXTRACT_TAIL_BYTES:]
    kept = kept[kept.find(b"\n") + 1 :].decode("utf-8", "replace")
    cut_kb = (len(data) - len(kept.encode())) // 1024
    return (
        f"[The first {cut_kb} KB of this extract are left out here; the whole extract "
        f"is in the run's archive and the report viewer.]\n{kept}"
    )


def report_context(
    *,
    window: Window,
    process_data: Mapping[str, Any],
    previous_counts: Mapping[str, int],
    generated_at: datetime,
    notes: Sequence[str] = (),
    failures: Sequence[Mapping[str, Any]] | None = None,
    videos: Mapping[str, Mapping[str, Any]] | None = None,
    links: RunLinks | None = None,
) -> dict[str, Any]:
    """Everything the templates show. `notes` are run-level data-quality lines (for
    example a timezone mismatch or an unreadable logs folder) added to those the process
    data carries; `failures` are the failure-log summaries and `videos` the OneDrive
    lookups by UUID, each None when not looked up; `links` the run's pages in Airflow
    and its viewer (None without Airflow's base URL: no links then)."""
    tz = ZoneInfo(window.timezone)
    processes = _with_sources(
        _with_videos(_with_failures(process_data["processes"], failures, links), videos)
    )
    counts = process_data["counts"]
    return {
        "subject": subject_line(window, counts),
        "report_day": window.report_day.isoformat(),
        "window_start": local_time(window.start, tz),
        "window_end": local_time(window.end, tz),
        "timezone": window.timezone,
        "window_source": window.source,
        "generated_at": local_time(generated_at, tz),
        "summary": _summary_rows(counts, previous_counts),
        "clients": _client_rows(processes),
        "failed": _listed(processes, FAILED, tz),
        "finished": _listed(processes, FINISHED, tz),
        "running": _listed(processes, RUNNING, tz),
        "other": _listed(processes, OTHER, tz),
        "skipped_test_processes": process_data.get("skipped_test_processes", 0),
        "failure_groups": _failure_groups(processes, tz),
        "data_quality": [
            *notes,
            *process_data.get("data_quality", []),
            *_missing_logs(processes, failures),
            *_failed_lookups(processes),
        ],
        "videos_looked_up": videos is not None,
        "total": counts["total"],
        "all_processes": processes,
        "links": links,
    }


def processes_csv(processes: Sequence[Mapping[str, Any]]) -> bytes:
    """Every process, one row each. Cells that a spreadsheet would run as a formula are
    prefixed with a quote (CSV injection)."""
    columns = [
        "category",
        "client",
        "uuid",
        "status",
        "start_time",
        "stop_time",
        "duration_min",
        "last_ping_min_ago",
        "hung",
        "source_alias",
        "source_uri",
        "videos",
        "video_error",
        "key_error",
        "extract",
        "notes",
    ]
    data = io.BytesIO()
    # Encoded as it is written: the text and its bytes are never both held whole.
    out = io.TextIOWrapper(data, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(out)
    writer.writerow(columns)
    for p in processes:
        failure = p.get("failure") or {}
        row = {
            **p,
            "source_uri": p.get("source_shown"),
            "videos": " ".join(v["url"] or v["name"] for v in p.get("videos", [])),
            "key_error": failure.get("key_error"),
            "extract": failure.get("extract_url") or failure.get("log_file"),
            "notes": "; ".join(p["notes"]),
        }
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    out.flush()
    return data.getvalue()


def _render(
    context: Mapping[str, Any],
    row_limit: int | None,
    attachment_names: Sequence[str],
    extracts: AttachedExtracts,
    *,
    inline: bool = True,
) -> RenderedReport:
    view = _view(context, row_limit, attachment_names, extracts)
    env = template_environment()
    rendered = RenderedReport(
        subject=context["subject"],
        html=_rendered(env.get_template("report.html.j2"), view),
        text=_rendered(env.get_template("report.txt.j2"), view),
    )
    return _inlined(rendered) if inline else rendered


def _view(
    context: Mapping[str, Any],
    row_limit: int | None,
    attachment_names: Sequence[str],
    extracts: AttachedExtracts,
) -> dict[str, Any]:
    """What the templates are rendered with: the context, lists cut at `row_limit`."""
    return {
        **context,
        "attachment_names": list(attachment_names),
        "extracts": {
            "name": EXTRACTS_ZIP,
            "attached": extracts.attached,
            "total": extracts.total,
            "cap_mb": EXTRACTS_ZIP_MAX_BYTES // (1024 * 1024),
        },
        **{
            key: _cut(context[key], row_limit)
            for key in ("clients", "failed", "finished", "running", "other")
        },
    }


def _rendered(template: Template, view: Mapping[str, Any]) -> str:
    """`template.render(view)`, joined in chunks: a big day's report is millions of small
    strings, which `render` holds all at once (several times the text's size)."""
    return "".join(joined(template.generate(view)))


def _kept_or_zipped(view: Mapping[str, Any], name: str) -> tuple[str | None, Attachment | None]:
    """The complete HTML report: as text when it is at most NEVER_FITS_BYTES (the body
    may be it), else as the attachment `name`.zip, encoded and zipped as it is
    rendered. The same as rendering it whole and, when too big, `_deliverable_text`."""
    chunks = joined(template_environment().get_template("report.html.j2").generate(view))
    kept: list[str] = []
    size = 0
    for chunk in chunks:
        kept.append(chunk)
        size += utf8_size(chunk)
        if size > NEVER_FITS_BYTES:
            break
    else:
        return "".join(kept), None
    return None, _zipped(name, (chunk.encode() for chunk in itertools.chain(kept, chunks)))


def _inlined(rendered: RenderedReport) -> RenderedReport:
    """The styles written once in the template's <style> block, inlined into the
    elements (email clients drop or ignore <style>; @media rules stay in it)."""
    return replace(rendered, html=_INLINER.inline(rendered.html))


def _deliverable(attachment: Attachment) -> Attachment:
    """Large attachments go zipped: Graph's 4 MB request limit counts them base64-encoded
    twice (in the MIME and around it), and repetitive CSV and HTML compress tenfold."""
    if len(attachment.data) <= ZIP_ABOVE_BYTES:
        return attachment
    return _zipped(attachment.name, (attachment.data,))


def _deliverable_text(name: str, text: str, mime: str) -> Attachment:
    """`_deliverable(Attachment(name, text.encode(), mime))`, encoded and zipped in
    chunks, so a big report's text is never held as bytes too."""
    if utf8_size(text) <= ZIP_ABOVE_BYTES:
        return Attachment(name, text.encode(), mime)
    return _zipped(name, encoded(text))


def _zipped(name: str, chunks: Iterable[bytes]) -> Attachment:
    """`name`.zip holding the chunks as the file `name`, deflated as they come (the
    member's date and mode as `ZipFile.writestr` sets them)."""
    entry = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o600 << 16
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(entry, "w") as member,
    ):
        for chunk in chunks:
            member.write(chunk)
    return Attachment(f"{name}.zip", buffer.getvalue(), "application/zip")


def _cut(rows: list[Any], limit: int | None) -> dict[str, Any]:
    shown = rows if limit is None else rows[:limit]
    return {"shown": shown, "hidden": len(rows) - len(shown), "total": len(rows)}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def subject_line(window: Window, counts: Mapping[str, int]) -> str:
    """E.g. `Daily process report 2026-11-26: 120 finished · 4 failed · 3 running (1 hung)`."""
    running = f"{counts[RUNNING]} running"
    if counts["hung"]:
        running += f" ({counts['hung']} hung)"
    parts = [f"{counts[FINISHED]} finished", f"{counts[FAILED]} failed", running]
    if counts[OTHER]:
        parts.append(f"{counts[OTHER]} other")
    return f"Daily process report {window.report_day.isoformat()}: " + " · ".join(parts)


def safe_url(value: Any) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:, file:) is text."""
    if not isinstance(value, str):
        return None
    return value if urlsplit(value.strip()).scheme.lower() in ("http", "https") else None


def breakable(value: Any) -> Markup:
    """`value` escaped, with a `<wbr>` break opportunity after each separator (`/ - _ . :`
    …) and every BREAK_EVERY characters of a word longer than that: UUIDs, paths and URLs
    then wrap on a phone in clients that ignore CSS word wrapping. Copying the text
    copies no extra character."""
    text = str(value)
    if not _LONG_WORD.search(text):
        return escape(text)  # most values: nothing to break
    parts = _LONG_WORD.split(text.replace("\0", ""))  # text, word, text, word, …, text
    parts[0::2] = [str(escape(part)) for part in parts[0::2]]
    parts[1::2] = [_with_breaks(word) for word in parts[1::2]]
    return Markup("".join(parts))


def _with_breaks(word: str) -> str:
    """One long word, escaped, with <wbr> after separators and every BREAK_EVERY
    characters (NUL marks them through the escaping; the text holds none)."""
    marked = _RUN.sub("\\1\0", _AFTER_SEPARATOR.sub("\0", word))
    return str(escape(marked)).replace("\0", "<wbr>")


def template_environment() -> Environment:
    """The Jinja2 environment of the templates in `include/templates` (the email and the
    report viewer's page): HTML escaped, text as written, missing values an error."""
    return _environment(templates_dir())


@functools.cache
def _environment(folder: Path) -> Environment:
    """One environment per templates folder, so each template is compiled once per
    process; Jinja2 still reloads a template whose file an operator edited."""
    env = Environment(
        loader=FileSystemLoader(folder),
        # HTML is escaped; the plain-text part must show data as it is, not as entities.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["minutes"] = _format_minutes
    env.filters["breakable"] = breakable
    return env


def _summary_rows(counts: Mapping[str, int], previous: Mapping[str, int]) -> list[dict]:
    rows = []
    for key, label in (
        (FINISHED, "Finished"),
        (FAILED, "Failed"),
        (RUNNING, "Running"),
        ("hung", "of which hung"),
        (OTHER, "Other status"),
        ("total", "Total"),
    ):
        now, before = counts.get(key, 0), previous.get(key, 0)
        rows.append(
            {"label": label, "count": now, "previous": before, "change": f"{now - before:+d}"}
        )
    return rows


def _with_failures(
    processes: list[Mapping[str, Any]],
    failures: Sequence[Mapping[str, Any]] | None,
    links: RunLinks | None,
) -> list[dict[str, Any]]:
    by_uuid = {f["uuid"]: f for f in failures or ()}
    return [
        {
            **p,
            "failure": _failure_view(by_uuid.get(p["uuid"]), links)
            if p["category"] == FAILED
            else None,
        }
        for p in processes
    ]


def _failure_view(
    summary: Mapping[str, Any] | None, links: RunLinks | None
) -> dict[str, Any] | None:
    """The summary plus what the email shows of it: the last error lines, and where its
    full extract is (the viewer's link; `log_file` is its name in the zip)."""
    if summary is None:
        return None
    name = str(summary["extract"]).rstrip("/").rsplit("/", 1)[-1] if summary["extract"] else None
    day, lines = _error_lines(summary.get("error_lines") or [])
    return {
        **summary,
        "errors_day": day,
        "errors_shown": lines,
        "log_file": name.removesuffix(".gz") if name else None,
        "extract_url": links.extract(name) if links and name else None,
    }


def _error_lines(error_lines: Sequence[Mapping[str, Any]]) -> tuple[str | None, list[dict]]:
    """The last ERROR_LINES_SHOWN error lines as (time, message): the day is said once
    when they share it, and the line's own leading timestamp is not repeated."""
    shown = list(error_lines)[-ERROR_LINES_SHOWN:]
    days = {(e["at"] or "")[:10] for e in shown}
    day = days.pop() if len(days) == 1 and all(e["at"] for e in shown) else None
    return day, [
        {
            "at": (e["at"][11:] if day else e["at"]) or "",
            "text": _LEADING_TIMESTAMP.sub("", e["line"]) if e["at"] else e["line"],
        }
        for e in shown
    ]


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


def _format_minutes(value: float | None) -> str:
    if value is None:
        return "—"
    total = round(value)
    hours, minutes = divmod(abs(total), 60)
    sign = "-" if total < 0 else ""
    return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} min"
