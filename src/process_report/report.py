"""The report email as a pure function of its inputs: same inputs, same email.

`report_email` takes the categorized processes of a window (as stored by
fetch_processes), the failure summaries, the video lookups, the previous window's
counts, the generation time and the run's links, and returns the subject, an HTML body
that stays under Gmail's clipping size on any day, the plain-text body and the
attachments (the CSV, the failures' log extracts, the full report on big days). Nothing
here reads the clock, a database or the network (extracts come through the caller's
`read_extract`), which is what makes reruns, backfills and tests predictable. The
attachments themselves are made in `report_attachments`.

The HTML holds in clients that ignore most CSS (Outlook for Windows, the Gmail apps):
lists are stacked rows in one column, not wide tables, and long values (UUIDs, paths,
URLs) get `<wbr>` break opportunities in the markup instead of relying on CSS wrapping.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import css_inline
from jinja2 import Template

from process_report.chunks import joined, utf8_size
from process_report.data_quality import NOTES_FILE, notes_file
from process_report.forked_work import forked
from process_report.report_attachments import (
    EXTRACTS_ZIP,
    EXTRACTS_ZIP_MAX_BYTES,
    AttachedExtracts,
    Attachment,
    attach_extracts,
    deliverable_chunks,
    deliverable_text,
    held_up_to,
    processes_csv,
    zipped,
)
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

FULL_REPORT = "full-report.html"
# From this many processes the complete report is rendered in a child process beside
# the rest of the email (forked_work.py); a few hundred render in a blink, not worth a fork.
RENDER_BESIDE_FROM = 2000
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    html: str
    text: str


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
    source = process_source(inputs.pop("process_data"))
    context = report_context(process_data=source, **inputs)
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
        csv = deliverable_chunks(  # zipped as it is written when large, never held whole
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
        full_html = deliverable_text(FULL_REPORT, html, "text/html")
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
    return (deliverable_text(NOTES_FILE, text, "text/plain"),)


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
    kept, every = held_up_to(chunks, NEVER_FITS_BYTES, utf8_size)
    if every is None:
        return "".join(kept), None
    return None, zipped(name, (chunk.encode() for chunk in every))


def _inlined(rendered: RenderedReport) -> RenderedReport:
    """The styles written once in the template's <style> block, inlined into the
    elements (email clients drop or ignore <style>; @media rules stay in it)."""
    return replace(rendered, html=_INLINER.inline(rendered.html))


def _cut(rows: list[Any], limit: int | None) -> dict[str, Any]:
    shown = rows if limit is None else rows[:limit]
    return {"shown": shown, "hidden": len(rows) - len(shown), "total": len(rows)}
