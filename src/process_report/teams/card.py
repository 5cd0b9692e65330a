"""The Adaptive Card of a report day: the headline counts, the new and back errors, the
clients failing several days in a row, and buttons to the report viewer and the Airflow
run. Built from a plain summary dict, so the same inputs give the same card.

Version 1.4: what Teams renders on desktop, web and mobile alike. Lists are cut to a few
items with "and N more": a Teams message is at most about 28 KB, and the channel is for
the headline; the email and the viewer hold the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CARD_VERSION = "1.4"
SHOWN_PER_LIST = 5
ERROR_CHARS = 160  # of a key error: one or two lines in a channel
MAX_CARD_BYTES = 24_000  # below Teams' ~28 KB message limit, envelope included


def summary_card(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The card. `summary`: `report_day`, `timezone`, `counts` (finished, failed,
    running, hung, other), `new_errors` and `back_errors` ([{key_error, count, clients,
    away_days?}]), `streak_clients` ([{client, streak}]), `links` ({viewer, run}: URLs
    or None), optional `history_note` ("history starts today", a gap…)."""
    counts = summary["counts"]
    body: list[dict[str, Any]] = [
        _text(f"Daily process report {summary['report_day']}", size="Large", weight="Bolder"),
        _text(_headline(summary), wrap=True, spacing="None", isSubtle=True),
        {
            "type": "FactSet",
            "facts": [
                {"title": "Finished", "value": str(counts.get("finished", 0))},
                {"title": "Failed", "value": str(counts.get("failed", 0))},
                {"title": "Running", "value": _running(counts)},
                *(
                    [{"title": "Other status", "value": str(counts["other"])}]
                    if counts.get("other")
                    else []
                ),
            ],
        },
    ]
    body += _errors("New errors", summary.get("new_errors", ()), "Attention")
    body += _errors("Back after a pause", summary.get("back_errors", ()), "Warning")
    body += _streaks(summary.get("streak_clients", ()))
    if summary.get("history_note"):
        body.append(_text(summary["history_note"], wrap=True, isSubtle=True, size="Small"))
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
        "actions": _actions(summary.get("links") or {}),
    }


def webhook_message(card: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope a Workflows webhook takes."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _headline(summary: Mapping[str, Any]) -> str:
    counts = summary["counts"]
    parts = [f"{counts.get('failed', 0)} failed"]
    new, back = len(summary.get("new_errors", ())), len(summary.get("back_errors", ()))
    if new:
        parts.append(f"{new} new error{'s' if new != 1 else ''}")
    if back:
        parts.append(f"{back} back")
    if counts.get("hung"):
        parts.append(f"{counts['hung']} hung")
    return " · ".join(parts) + f" (window ending 08:00 {summary.get('timezone', 'UTC')})"


def _running(counts: Mapping[str, int]) -> str:
    running = str(counts.get("running", 0))
    return running + (f" ({counts['hung']} hung)" if counts.get("hung") else "")


def _errors(title: str, errors: Sequence[Mapping[str, Any]], color: str) -> list[dict[str, Any]]:
    if not errors:
        return []
    items = [
        _text(f"{title} ({len(errors)})", weight="Bolder", color=color, separator=True),
    ]
    for error in errors[:SHOWN_PER_LIST]:
        clients = ", ".join(error.get("clients", [])[:3])
        more = len(error.get("clients", [])) - 3
        where = clients + (f" and {more} more" if more > 0 else "")
        away = f"; back after {error['away_days']} days" if error.get("away_days") else ""
        items.append(_data(_clip(str(error["key_error"])), fontType="Monospace"))
        items.append(
            _data(f"{error.get('count', 1)} x {where}{away}", isSubtle=True, spacing="None")
        )
    items += _more(len(errors))
    return items


def _streaks(clients: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not clients:
        return []
    lines = [
        f"{c['client']}: failing {c['streak']} days in a row" for c in clients[:SHOWN_PER_LIST]
    ]
    return [
        _text("Clients failing several days", weight="Bolder", separator=True),
        *(_data(line) for line in lines),
        *_more(len(clients)),
    ]


def _more(total: int) -> list[dict[str, Any]]:
    hidden = total - SHOWN_PER_LIST
    return (
        [_text(f"and {hidden} more in the report", isSubtle=True, size="Small")]
        if hidden > 0
        else []
    )


def _actions(links: Mapping[str, str | None]) -> list[dict[str, Any]]:
    actions = []
    if links.get("viewer"):
        actions.append(
            {"type": "Action.OpenUrl", "title": "Open the report", "url": links["viewer"]}
        )
    if links.get("run"):
        actions.append(
            {"type": "Action.OpenUrl", "title": "Open the Airflow run", "url": links["run"]}
        )
    return actions


def _clip(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def _text(text: str, **style: Any) -> dict[str, Any]:
    """A TextBlock, for the card's own words (Teams applies Markdown to these)."""
    return {"type": "TextBlock", "text": text, **style}


def _data(text: str, *, spacing: str | None = None, **style: Any) -> dict[str, Any]:
    """Text that comes from the data (key errors, client names) as a RichTextBlock's
    TextRun, which Teams shows as written: no Markdown, so `__init__` or `[x](y)` in an
    error is never turned into emphasis or a link."""
    block: dict[str, Any] = {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": text, **style}],
    }
    if spacing:
        block["spacing"] = spacing
    return block
