"""What the Teams card says of a report day, from what the run left: the counts, the
day's record (`history.json`: signatures with their key error, count and clients), the
lifecycle of those signatures against the days before, and the 7-day trend. Pure.

Acknowledged signatures (known_issues) are left out of the new and back lists, as in the
email, unless their acknowledgement expired or they came back after being resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STREAK_FROM = 2  # days in a row with a failure before a client is called out


def card_summary(
    *,
    report_day: str,
    timezone: str,
    counts: Mapping[str, int],
    record: Mapping[str, Any] | None,
    lifecycle: Mapping[str, Any] | None,
    trend: Mapping[str, Any] | None,
    links: Mapping[str, str | None],
) -> dict[str, Any]:
    """The summary `teams.card.summary_card` draws."""
    return {
        "report_day": report_day,
        "timezone": timezone,
        "counts": dict(counts),
        "new_errors": _errors(record, lifecycle, "new"),
        "back_errors": _errors(record, lifecycle, "back"),
        "streak_clients": [
            {"client": c["client"], "streak": c["streak"]}
            for c in (trend or {}).get("clients", [])
            if c.get("streak", 0) >= STREAK_FROM
        ],
        "links": dict(links),
        "history_note": _note(record, lifecycle),
    }


def _errors(
    record: Mapping[str, Any] | None, lifecycle: Mapping[str, Any] | None, state: str
) -> list[dict[str, Any]]:
    if not record or not lifecycle:
        return []
    states = lifecycle.get("signatures", {})
    found = []
    for sig, entry in record.get("signatures", {}).items():
        life = states.get(sig) or {}
        ack = life.get("acknowledged")
        if life.get("state") != state or (ack and not ack["expired"] and not ack["returned"]):
            continue
        found.append(
            {
                "key_error": entry["key_error"],
                "count": entry.get("count", 1),
                "clients": list(entry.get("clients", [])),
                "away_days": life.get("away_days"),
            }
        )
    return sorted(found, key=lambda e: (-e["count"], e["key_error"]))


def _note(record: Mapping[str, Any] | None, lifecycle: Mapping[str, Any] | None) -> str | None:
    if record is None or lifecycle is None:
        return "What is new could not be told today: see the report."
    if lifecycle.get("first_run"):
        return "History starts today: every error is new."
    return None
