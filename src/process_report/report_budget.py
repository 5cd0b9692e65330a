"""The email body's size budget: what the body keeps on a day too big to show whole.

Gmail clips an HTML body over about 102 KB, and Graph refuses a request over 4 MB. The
body is first rendered whole; when it does not fit, it is rendered again with fewer
rows per list and fewer failure groups (`BODY_CUTS`, most to least), each list saying
how many more there are, until it fits. Every cut has a fixed size per shown item
(error lines where they are summarized, notes in `data_quality`, the clients of a
failure group in the templates), so the last cut fits
whatever the day holds; should a template edit still make it too big, the body is the
minimal one (`minimal_view`): the headline, the counts and the links, which is also
what is sent when Graph refuses the full message as too large. Pure: plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from process_report.chunks import utf8_size

BODY_BUDGET_BYTES = 100_000  # Gmail clips an HTML body at about 102 KB
TEXT_BUDGET_BYTES = 100_000  # the plain-text part: the same facts, so never more
NEVER_FITS_BYTES = 10 * BODY_BUDGET_BYTES  # rendered, before inlining: see may_fit


@dataclass(frozen=True)
class BodyCut:
    """How much of the report the body shows: rows per list and failure groups (None:
    all)."""

    rows: int | None
    groups: int | None


# The whole report first; then the lists shrink while the 100 largest failure groups
# stay (they say most about the day); then the groups shrink too.
BODY_CUTS = (
    BodyCut(None, None),
    *(BodyCut(rows, 100) for rows in (1000, 500, 200, 100, 50, 25, 10, 5)),
    BodyCut(5, 50),
    BodyCut(5, 25),
    BodyCut(0, 10),
    BodyCut(0, 5),
)


def within_budget(html: str, text: str) -> bool:
    """Whether an inlined HTML body and its text part both fit their budgets."""
    return utf8_size(html) <= BODY_BUDGET_BYTES and utf8_size(text) <= TEXT_BUDGET_BYTES


def may_fit(html: str) -> bool:
    """Whether the body could fit BODY_BUDGET_BYTES once its CSS is inlined. Inlining
    adds style attributes and drops the <style> block (a few KB); entities it writes
    as characters can shrink text, but never tenfold, so a rendering over ten budgets
    cannot fit and is not inlined (css_inline builds the whole document's DOM)."""
    return utf8_size(html) <= NEVER_FITS_BYTES


def minimal_view(context: Mapping[str, Any]) -> dict[str, Any]:
    """What the minimal body shows: the headline, the window, the counts (processes,
    distinct errors, data-quality notes) and the links to the run and its viewer."""
    keys = ("subject", "report_day", "window_start", "window_end", "timezone")
    return {
        **{key: context[key] for key in keys},
        "generated_at": context["generated_at"],
        "summary": context["summary"],
        "links": context["links"],
        "signatures": len(context["failure_groups"]),
        "notes": context["data_quality"].total,
    }
