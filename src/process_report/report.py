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
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import css_inline
from jinja2 import Template

from process_report.chunks import encoded, joined, utf8_size
from process_report.data_quality import NOTES_FILE, notes_file
from process_report.forked_work import forked
from process_report.report_budget import (
    BODY_CUTS,
    NEVER_FITS_BYTES,
    BodyCut,
    may_fit,
    minimal_view,
    within_budget,
)
from process_report.report_context import process_source, report_context
from process_report.report_templates import template_environment

ZIP_ABOVE_BYTES = 512 * 1024
FULL_REPORT = "full-report.html"
# From this many processes the complete report is rendered in a child process beside
# the rest of the email (forked_work.py); a few hundred render in a blink, not worth a fork.
RENDER_BESIDE_FROM = 2000
EXTRACTS_ZIP = "failure-logs.zip"
# Graph's 4 MB request counts attachments base64-encoded twice (≈ 1.8 x); 1 MB of
# extracts leaves room for the body, the CSV and the full report of a 20,000-process day.
EXTRACTS_ZIP_MAX_BYTES = 1024 * 1024
EXTRACT_TAIL_BYTES = 256 * 1024  # of each extract; the error is at its end
CSV_ROWS_PER_CHUNK = 500
T = TypeVar("T")
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)


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
    """The email body (within the size budget) and its attachments, and the minimal
    body (headline, counts, links) sent instead when Graph refuses the message as too
    large."""

    body: RenderedReport
    attachments: tuple[Attachment, ...]
    row_limit: int | None  # None: every list complete in the body
    minimal: RenderedReport


def render_report(
    *, row_limit: int | None = None, attachment_names: Sequence[str] = (), **inputs: Any
) -> RenderedReport:
    """Render subject, HTML (CSS inlined) and text; lists cut at `row_limit` rows each,
    with how many more. Inputs: see `report_context`."""
    cut = BodyCut(row_limit, None)
    return _render(report_context(**inputs), cut, attachment_names, AttachedExtracts(), None)


def report_email(*, read_extract: Callable[[str], str] | None = None, **inputs: Any) -> ReportEmail:
    """The body that fits the budget (`report_budget`) on any day, plus attachments:
    always a CSV of every process, the failures' extracts zipped up to
    EXTRACTS_ZIP_MAX_BYTES (read with `read_extract(url)`, when given), every
    data-quality note (NOTES_FILE) when the body shows only some, and the complete
    HTML report when the body had to be cut.

    The summary is always in the body; the data-quality notes by kind, with a count
    and a few examples each; the failure groups and the lists keep their first rows
    and say how many more."""
    source = process_source(inputs["process_data"])
    context = report_context(**inputs)
    inputs.clear()  # the process data as read: the context holds its own copies
    extracts = attach_extracts(context["failed"], read_extract)
    notes = _notes_attachment(context)
    notes_name = notes[0].name if notes else None
    # The complete report is a file opened in a browser, which applies its <style>
    # block: it is attached as rendered, never inlined (at 20,000 processes inlining
    # its 10 MB cost 2.6 s and 320 MB of memory, for no reader). One that cannot fit
    # the body (see may_fit) is zipped as it is rendered, never held whole. On a big
    # day it is rendered in a child process while this one writes the CSV and cuts the
    # body (which the complete report then all but certainly cannot be).
    view = _view(context, BODY_CUTS[0], (), extracts, notes_name)
    big = context["total"] >= RENDER_BESIDE_FROM
    render = functools.partial(_kept_or_zipped, view, FULL_REPORT)
    with forked(render, fork=big, in_child=source.reconnect) as complete:
        csv = _deliverable_chunks(  # zipped as it is written when large, never held whole
            "processes.csv", processes_csv(context["all_processes"]), "text/csv"
        )
        listed = (csv, *notes)
        minimal = _minimal(context)
        zipped_names = (csv.name, f"{FULL_REPORT}.zip")
        guessed = _cut_body(context, zipped_names, extracts, notes_name) if big else None
        html, full_html = complete.result()
    bundled = (extracts.attachment,) if extracts.attachment else ()
    if html is not None:
        text = _rendered(template_environment().get_template("report.txt.j2"), view)
        full = _inlined(RenderedReport(context["subject"], html, text))
        if within_budget(full.html, full.text):
            return ReportEmail(full, (*listed, *bundled), None, minimal)
        full_html = _deliverable_text(FULL_REPORT, html, "text/html")
        del full, html, text
    del view
    assert full_html is not None
    names = (csv.name, full_html.name)
    cut = guessed if guessed is not None and names == zipped_names else None
    body, rows = cut or _cut_body(context, names, extracts, notes_name)
    return ReportEmail(body or minimal, (*listed, full_html, *bundled), rows, minimal)


def _cut_body(
    context: Mapping[str, Any],
    attachment_names: Sequence[str],
    extracts: AttachedExtracts,
    notes_name: str | None,
) -> tuple[RenderedReport | None, int]:
    """The body of the first of BODY_CUTS (after the whole) that fits the budget once
    inlined, and its rows per list; (None, 0) when none does (the minimal body then)."""
    for cut in BODY_CUTS[1:]:
        body = _render(context, cut, attachment_names, extracts, notes_name, inline=False)
        if may_fit(body.html):
            body = _inlined(body)
            if within_budget(body.html, body.text):
                return body, cut.rows
    return None, 0


def _notes_attachment(context: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """Every data-quality note, when the body shows only some of them."""
    if context["data_quality"].complete:
        return ()
    text = "".join(notes_file(context["data_quality_notes"]))
    return (_deliverable_text(NOTES_FILE, text, "text/plain"),)


def _minimal(context: Mapping[str, Any]) -> RenderedReport:
    """The headline, the counts and the links (see `report_budget.minimal_view`)."""
    env, view = template_environment(), minimal_view(context)
    return _inlined(
        RenderedReport(
            subject=context["subject"],
            html=_rendered(env.get_template("report_minimal.html.j2"), view),
            text=_rendered(env.get_template("report_minimal.txt.j2"), view),
        )
    )


def attach_extracts(
    failed: Iterable[Mapping[str, Any]], read_extract: Callable[[str], str] | None
) -> AttachedExtracts:
    """The failures' extracts in one zip, in the order the email lists them, until the
    next would push it over EXTRACTS_ZIP_MAX_BYTES; each is cut to its last
    EXTRACT_TAIL_BYTES. Extracts are read one at a time and only while they fit; the
    failures are read as they come (a list of a big day's is never held)."""
    logs = (p["failure"] for p in failed if p["failure"] and p["failure"]["extract"])
    buffer, attached, size, total, full = io.BytesIO(), set(), 0, 0, read_extract is None
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for failure in logs:
            total += 1
            if full:  # counted: the email says how many of how many are attached
                continue
            data = _tail(read_extract(failure["extract"])).encode()
            entry = len(zlib.compress(data)) + 2 * len(failure["log_file"]) + 100  # + headers
            if size + entry > EXTRACTS_ZIP_MAX_BYTES:
                full = True
                continue
            archive.writestr(failure["log_file"], data)
            attached.add(failure["uuid"])
            size += entry
    if not attached:
        return AttachedExtracts(total=total)
    attachment = Attachment(EXTRACTS_ZIP, buffer.getvalue(), "application/zip")
    return AttachedExtracts(attachment, frozenset(attached), total)


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


CSV_COLUMNS = (
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
)


def processes_csv(processes: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """Every process, one row each, as UTF-8 chunks of a few hundred rows. Cells that a
    spreadsheet would run as a formula are prefixed with a quote (CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for number, p in enumerate(processes, 1):
        failure = p.get("failure") or {}
        row = {
            **p,
            "source_uri": p.get("source_shown"),
            "videos": " ".join(v["url"] or v["name"] for v in p.get("videos", [])),
            "key_error": failure.get("key_error"),
            "extract": failure.get("extract_url") or failure.get("log_file"),
            "notes": "; ".join(p["notes"]),
        }
        writer.writerow([_csv_cell(row.get(c)) for c in CSV_COLUMNS])
        if number % CSV_ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def _render(
    context: Mapping[str, Any],
    cut: BodyCut,
    attachment_names: Sequence[str],
    extracts: AttachedExtracts,
    notes_name: str | None,
    *,
    inline: bool = True,
) -> RenderedReport:
    view = _view(context, cut, attachment_names, extracts, notes_name)
    env = template_environment()
    rendered = RenderedReport(
        subject=context["subject"],
        html=_rendered(env.get_template("report.html.j2"), view),
        text=_rendered(env.get_template("report.txt.j2"), view),
    )
    return _inlined(rendered) if inline else rendered


def _view(
    context: Mapping[str, Any],
    cut: BodyCut,
    attachment_names: Sequence[str],
    extracts: AttachedExtracts,
    notes_name: str | None,
) -> dict[str, Any]:
    """What the templates are rendered with: the context, lists and failure groups cut
    as `cut` says; `notes_name`: the attachment with every data-quality note, when the
    body shows only some."""
    groups = context["failure_groups"]
    shown_groups = groups if cut.groups is None else groups[: cut.groups]
    return {
        **context,
        "attachment_names": list(attachment_names),
        "extracts": {
            "name": EXTRACTS_ZIP,
            "attached": extracts.attached,
            "total": extracts.total,
            "cap_mb": EXTRACTS_ZIP_MAX_BYTES // (1024 * 1024),
        },
        "failure_groups": shown_groups,
        "failure_groups_hidden": len(groups) - len(shown_groups),
        "data_quality_file": notes_name,
        **{
            key: _cut(context[key], cut.rows)
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
    kept, every = _held_up_to(chunks, NEVER_FITS_BYTES, utf8_size)
    if every is None:
        return "".join(kept), None
    return None, _zipped(name, (chunk.encode() for chunk in every))


def _inlined(rendered: RenderedReport) -> RenderedReport:
    """The styles written once in the template's <style> block, inlined into the
    elements (email clients drop or ignore <style>; @media rules stay in it)."""
    return replace(rendered, html=_INLINER.inline(rendered.html))


def _deliverable_chunks(name: str, chunks: Iterable[bytes], mime: str) -> Attachment:
    """The attachment `name` of `chunks`, as it is when at most ZIP_ABOVE_BYTES, else
    zipped as the chunks come: Graph's 4 MB request limit counts attachments
    base64-encoded twice (in the MIME and around it), and repetitive CSV and HTML
    compress tenfold. Only the first ZIP_ABOVE_BYTES are held to decide."""
    held, every = _held_up_to(chunks, ZIP_ABOVE_BYTES, len)
    if every is None:
        return Attachment(name, b"".join(held), mime)
    return _zipped(name, every)


def _held_up_to(
    chunks: Iterable[T], limit: int, size: Callable[[T], int]
) -> tuple[list[T], Iterator[T] | None]:
    """The chunks, held while their size stays within `limit`: (all of them, None); or,
    once past it, (those held, every chunk: those and the rest, still to come)."""
    iterator = iter(chunks)
    held: list[T] = []
    total = 0
    for chunk in iterator:
        held.append(chunk)
        total += size(chunk)
        if total > limit:
            return held, itertools.chain(held, iterator)
    return held, None


def _deliverable_text(name: str, text: str, mime: str) -> Attachment:
    """`_deliverable_chunks` of `text`, encoded in chunks, so a big report's text is
    never held as bytes too."""
    return _deliverable_chunks(name, encoded(text), mime)


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
