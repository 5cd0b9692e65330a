"""Each error signature's state on the report day D, from the records of the days before.

- new: on no earlier report day in the horizon;
- ongoing: also on the previous report day, with its streak (report days in a row,
  today included) and the day the streak began;
- back: seen earlier in the horizon, not on the previous report day (after N days,
  last seen ...);
- not seen today: on the previous report day, absent today ("fixed?").

A day with no archived report is a gap, never "not seen": the previous report day is the
latest day with a record, a streak runs across a gap (the gap neither breaks nor extends
it) and the gaps are listed so the report can say so. Days before the oldest record of
the horizon are not gaps: history had not begun. An acknowledged signature (known_issues)
is counted apart, not as new, unless its acknowledgement expired or it came back after
being resolved (state back): then it stays in the main list, saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from process_report.history.known_issues import acknowledgement

NEW, ONGOING, BACK = "new", "ongoing", "back"


def compare(
    today: Mapping[str, Any],
    past: Mapping[str, Any],
    known_issues: Sequence[Mapping[str, Any]],
    report_day: date,
) -> dict[str, Any]:
    """The lifecycle of `today`'s signatures (a record, history/record.py) against
    `past` (history/archive.py read_past for the same day)."""
    days = past["days"]
    horizon = len(days)
    # (day, signatures) of the days with a record, newest first
    seen = [(d["day"], d["record"]["signatures"]) for d in days if d["record"] is not None]
    oldest = seen[-1][0] if seen else None
    recent = {d["day"] for d in days[: max(horizon - 1, 0)]}  # the horizon, without today
    signatures: dict[str, dict[str, Any]] = {}
    counts = {NEW: 0, BACK: 0, ONGOING: 0, "acknowledged": 0, "not_seen_today": 0}
    for sig, entry in today["signatures"].items():
        state = _state(sig, seen, report_day)
        state["days_seen"] = 1 + sum(1 for day, sigs in seen if day in recent and sig in sigs)
        state["horizon"] = horizon
        ack = acknowledgement(sig, entry["key_error"], known_issues, report_day)
        if ack is not None:
            ack["returned"] = state["state"] == BACK
        state["acknowledged"] = ack
        if ack is not None and not (ack["expired"] or ack["returned"]):
            counts["acknowledged"] += 1
        else:
            counts[state["state"]] += 1
        signatures[sig] = state
    not_seen = _not_seen_today(today["signatures"], seen)
    counts["not_seen_today"] = len(not_seen)
    return {
        "first_run": not seen,
        "gaps": sorted(
            d["day"] for d in days if d["record"] is None and oldest and d["day"] > oldest
        ),
        "compared_with": seen[0][0] if seen else None,
        "signatures": signatures,
        "not_seen_today": not_seen,
        "counts": counts,
    }


def _state(sig: str, seen: list[tuple[str, Mapping[str, Any]]], report_day: date) -> dict[str, Any]:
    today = report_day.isoformat()
    if seen and sig in seen[0][1]:
        streak, since = _streak(sig, seen)
        return {
            "state": ONGOING,
            "streak": streak + 1,
            "since": since,
            "last_seen": seen[0][0],
            "away_days": None,
        }
    last_seen = next((day for day, sigs in seen if sig in sigs), None)
    if last_seen is None:
        return {"state": NEW, "streak": 1, "since": today, "last_seen": None, "away_days": None}
    away = (report_day - date.fromisoformat(last_seen)).days
    return {"state": BACK, "streak": 1, "since": today, "last_seen": last_seen, "away_days": away}


def _streak(sig: str, seen: list[tuple[str, Mapping[str, Any]]]) -> tuple[int, str]:
    """How many report days in a row, newest first, had `sig`, and the first of them."""
    streak, since = 0, ""
    for day, sigs in seen:
        if sig not in sigs:
            break
        streak, since = streak + 1, day
    return streak, since


def _not_seen_today(
    today: Mapping[str, Any], seen: list[tuple[str, Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """The previous report day's signatures that are absent today, most failures first."""
    if not seen:
        return []
    day, previous = seen[0]
    gone = [
        {
            "signature": sig,
            "key_error": entry["key_error"],
            "last_seen": day,
            "streak": _streak(sig, seen)[0],
            "clients": entry["clients"],
            "count": entry["count"],
        }
        for sig, entry in previous.items()
        if sig not in today
    ]
    return sorted(gone, key=lambda g: (-g["count"], g["signature"]))
