"""What the email shows of the history, as plain data: the failure groups in the order a
reader needs them (new, back, ongoing) with their badges, the acknowledged ones moved to a
compact section, the errors not seen today, the history's own notes (first run, gaps, a
history that could not be read) and the 7-day trend drawn with table-cell bars and
Unicode sparklines, which every mail client shows (no images, no CSS that Outlook or the
Gmail apps drop) and which read the same in the plain-text part.

Inputs are the lifecycle (`history.lifecycle.compare`) and the trend (`trend.json`, from
one query in fetch_processes), either None when it could not be had: the reason is then
said in the email rather than leaving the sections out silently. Pure: no clock, files,
database or network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from process_report.report_templates import safe_url

STATE_ORDER = {"new": 0, "back": 1, "ongoing": 2}
BADGES = {"new": "NEW", "back": "BACK", "ongoing": "ONGOING"}
LIST_SHOWN = 20  # not-seen-today and acknowledged lines in the body; the rest are counted
TREND_CLIENTS_SHOWN = 15  # clients in the body's trend; the rest are counted
BAR_MAX_PX = 80  # the longest failed bar of the trend, in pixels
SPARKS = "▁▂▃▄▅▆▇█"
ZERO_SPARK = "·"  # a day without any: visibly nothing, the same width in monospace


def history_view(
    *,
    groups: Sequence[Mapping[str, Any]],
    history: Mapping[str, Any] | None,
    history_problem: str | None = None,
    trend: Mapping[str, Any] | None = None,
    trend_problem: str | None = None,
) -> dict[str, Any]:
    """The context keys the history adds: `failure_groups` (ordered, badged, the
    acknowledged ones left out), `acknowledged`, `not_seen_today`, `changes` (counts of
    each state, None without history), `history_notes` and `trend`."""
    if history is None:
        return {
            "failure_groups": [{**group, **_badge(None)} for group in groups],
            "acknowledged": _cut([]),
            "not_seen_today": _cut([]),
            "changes": None,
            "history_notes": [f"History could not be read: {history_problem}"]
            if history_problem
            else [],
            "trend": _trend_view(trend, trend_problem),
        }
    states = history.get("signatures", {})
    main, acknowledged = [], []
    for group in groups:
        state = states.get(group["id"])
        shown = {**group, **_badge(state)}
        ack = (state or {}).get("acknowledged")
        if ack and not ack.get("expired") and not ack.get("returned"):
            acknowledged.append({**shown, **_acknowledgement(ack)})
        else:
            main.append(shown)
    main.sort(key=lambda g: (STATE_ORDER.get(g["state"], 3), -g["count"], g["signature"]))
    return {
        "failure_groups": main,
        "acknowledged": _cut(acknowledged),
        "not_seen_today": _cut([_not_seen(entry) for entry in history.get("not_seen_today", [])]),
        "changes": dict(history.get("counts", {})),
        "history_notes": _history_notes(history),
        "trend": _trend_view(trend, trend_problem),
    }


def headline(counts: Mapping[str, int], changes: Mapping[str, int] | None) -> list[str]:
    """The parts the subject and the first line lead with, once the history is known:
    what failed and what changed, e.g. `6 failed`, `2 new errors`, `1 back` ("no new
    errors" only when today's errors are known and all seen before). Empty when nothing
    failed or without a history (the counts then keep their usual order)."""
    if not counts.get("failed") or changes is None:
        return []
    parts = [f"{counts['failed']} failed"]
    new, back = changes.get("new", 0), changes.get("back", 0)
    if new:
        parts.append(f"{new} new error{'s' if new != 1 else ''}")
    if back:
        parts.append(f"{back} back")
    if not new and not back and (changes.get("ongoing") or changes.get("acknowledged")):
        parts.append("no new errors")
    return parts


def _badge(state: Mapping[str, Any] | None) -> dict[str, Any]:
    """The group's state, its badge and the line that says since when."""
    if not state:
        return {"state": None, "badge": None, "since_text": None, "ack_text": None}
    kind = state["state"]
    seen = f"seen on {state['days_seen']} of the last {state['horizon']} days"
    if kind == "ongoing":
        since = f"{ordinal(state['streak'])} day in a row, since {state['since']} · {seen}"
    elif kind == "back":
        since = f"back after {_days(state['away_days'])}; last seen {state['last_seen']} · {seen}"
    else:
        since = f"first time in the last {state['horizon']} days"
    return {
        "state": kind,
        "badge": BADGES.get(kind, kind.upper()),
        "since_text": since,
        "ack_text": _ack_warning(state.get("acknowledged")),
    }


def _ack_warning(ack: Mapping[str, Any] | None) -> str | None:
    """Why an acknowledged signature is back in the main list."""
    if not ack:
        return None
    if ack.get("returned"):
        why = "acknowledged, but back after being resolved"
    elif ack.get("expired"):
        why = f"acknowledgement expired on {ack.get('until')}"
    else:
        return None
    return f"{why}: {ack.get('note', '')}".rstrip(": ")


def _acknowledgement(ack: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "note": ack.get("note") or "",
        "ticket": ack.get("ticket"),
        "ticket_link": safe_url(ack.get("ticket")),
        "until": ack.get("until"),
    }


def _not_seen(entry: Mapping[str, Any]) -> dict[str, Any]:
    streak = entry.get("streak") or 0
    return {
        **entry,
        "clients": list(entry.get("clients") or []),
        "streak_text": f"{_days(streak)} in a row" if streak > 1 else None,
    }


def _history_notes(history: Mapping[str, Any]) -> list[str]:
    """First run, and the days without an archived report (as ranges), said as such."""
    if history.get("first_run"):
        return ["History starts today: no earlier report is archived in the horizon."]
    gaps = day_ranges(history.get("gaps") or [])
    return [f"No report archived for {', '.join(gaps)}."] if gaps else []


def day_ranges(days: Sequence[str]) -> list[str]:
    """ISO days as runs of consecutive days: `2026-11-20 to 2026-11-22`, `2026-11-24`."""
    ordered = sorted(date.fromisoformat(d) for d in days)
    runs: list[list[date]] = []
    for day in ordered:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return [
        run[0].isoformat() if len(run) == 1 else f"{run[0].isoformat()} to {run[-1].isoformat()}"
        for run in runs
    ]


def _trend_view(trend: Mapping[str, Any] | None, problem: str | None) -> dict[str, Any] | None:
    """The 7 days, one row each with its counts and a bar for the failed count, the
    measures' sparklines, and the clients that failed, worst first, with their streaks."""
    if trend is None:
        return {"note": f"No 7-day trend in this report: {problem}"} if problem else None
    days = list(trend["days"])
    overall = trend["overall"]
    widest = max(overall["failed"], default=0) or 1
    rows = [
        {
            "day": day,
            "label": date.fromisoformat(day).strftime("%a %d"),
            "finished": overall["finished"][i],
            "failed": overall["failed"][i],
            "running": overall["running"][i],
            "bar_px": max(2, round(BAR_MAX_PX * overall["failed"][i] / widest))
            if overall["failed"][i]
            else 0,
        }
        for i, day in enumerate(days)
    ]
    clients = [
        {
            "client": c["client"],
            "failed": list(c["failed"]),
            "total": sum(c["failed"]),
            "spark": sparkline(c["failed"]),
            "streak": c.get("streak", 0),
            "streak_text": f"failing {c['streak']} days in a row"
            if c.get("streak", 0) > 1
            else None,
        }
        for c in trend.get("clients", [])
    ]
    shown = clients[:TREND_CLIENTS_SHOWN]
    return {
        "note": None,
        "first": days[0],
        "last": days[-1],
        "rows": rows,
        "sparks": {key: sparkline(overall[key]) for key in ("finished", "failed", "running")},
        "totals": {key: list(overall[key]) for key in ("finished", "failed", "running")},
        "clients": shown,
        "clients_hidden": len(clients) - len(shown) + int(trend.get("more_clients", 0)),
    }


def sparkline(values: Sequence[int]) -> str:
    """One character per value, its height relative to the largest: `·▂▅█`; zero is a
    dot, so a day without any is not mistaken for a low one."""
    top = max(values, default=0)
    return "".join(
        ZERO_SPARK if not v else SPARKS[max(0, round(v / top * len(SPARKS)) - 1)] for v in values
    )


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _days(n: int | None) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _cut(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "shown": rows[:LIST_SHOWN],
        "hidden": max(0, len(rows) - LIST_SHOWN),
        "total": len(rows),
    }
