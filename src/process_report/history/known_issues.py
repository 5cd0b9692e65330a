"""Acknowledged issues: the `known_issues` setting, validated, and matched against the
day's signatures.

An entry names a signature by its id (the viewer shows it, with the JSON to paste) or by
a pattern searched in the key error (which survives a change of the signature rules),
with a note saying who owns it, an optional ticket link and an optional `until` date
after which the acknowledgement lapses, so a known issue cannot stay hidden forever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

KEYS = {"signature", "pattern", "note", "ticket", "until"}
MAX_PATTERN_CHARS = 500
_SIGNATURE_ID = re.compile(r"^[0-9a-f]{12}$")
# a repeated group that itself repeats, e.g. (a+)+ or (\w*x)*: such a pattern can take
# exponential time on a key error that almost matches, and would hang the report task
_NESTED_REPETITION = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_TICKET = re.compile(r"^https?://[^\s\"'<>]+$")
EXAMPLE = {
    "signature": "a1d3883b77f1",
    "note": "transcoder upgrade pending (ops)",
    "ticket": "https://tickets.example.com/OPS-12",
    "until": "2026-12-31",
}


def parse_known_issues(value: Any) -> tuple[tuple[dict[str, Any], ...], list[str]]:
    """The entries of `known_issues` and what is wrong with them, each problem naming
    its entry by index (`known_issues[2].until: ...`) so one edit can fix them all."""
    if value is None:
        return (), []
    if not isinstance(value, list):
        return (), [f"known_issues: expected a list of entries such as [{_example()}]"]
    entries, errors = [], []
    for index, entry in enumerate(value):
        where = f"known_issues[{index}]"
        if not isinstance(entry, Mapping):
            errors.append(f"{where}: expected an object such as {_example()}")
            continue
        problems = _problems(entry)
        errors += [f"{where}{problem}" for problem in problems]
        if not problems:
            entries.append({k: entry.get(k) for k in sorted(KEYS)})
    return tuple(entries), errors


def acknowledgement(
    sig: str, key_error: str, known_issues: Sequence[Mapping[str, Any]], report_day: date
) -> dict[str, Any] | None:
    """The first entry acknowledging signature `sig` (by id, or by its pattern found in
    `key_error`), as the report shows it; `expired` once `until` is before the day."""
    for entry in known_issues:
        if entry.get("signature") == sig or (
            entry.get("pattern") and re.search(entry["pattern"], key_error)
        ):
            until = entry.get("until")
            return {
                "note": entry["note"],
                "ticket": entry.get("ticket"),
                "until": until,
                "expired": until is not None and date.fromisoformat(until) < report_day,
            }
    return None


def _problems(entry: Mapping[str, Any]) -> list[str]:
    problems = []
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        problems.append(f": unknown key(s) {unknown}; known keys are {sorted(KEYS)}")
    has_signature, has_pattern = "signature" in entry, "pattern" in entry
    if has_signature == has_pattern:
        problems.append(": expected exactly one of 'signature' (an id) or 'pattern' (a regex)")
    if has_signature and not (
        isinstance(entry["signature"], str) and _SIGNATURE_ID.match(entry["signature"])
    ):
        problems.append(
            ".signature: expected a signature id of 12 hex digits such as 'a1d3883b77f1'"
        )
    if has_pattern:
        problems += _pattern_problems(entry["pattern"])
    note = entry.get("note")
    if not isinstance(note, str) or not note.strip():
        problems.append(".note: required: who owns it or why it is known, as text")
    ticket = entry.get("ticket")
    if ticket is not None and not (isinstance(ticket, str) and _TICKET.match(ticket)):
        problems.append(
            ".ticket: expected an http(s) URL such as 'https://tickets.example.com/OPS-12'"
        )
    until = entry.get("until")
    if until is not None and not _is_day(until):
        problems.append(".until: expected a date YYYY-MM-DD such as '2026-12-31'")
    return problems


def _pattern_problems(pattern: Any) -> list[str]:
    if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN_CHARS:
        return [f".pattern: expected a regular expression of 1 to {MAX_PATTERN_CHARS} characters"]
    try:
        re.compile(pattern)
    except re.error as exc:
        return [f".pattern: not a valid regular expression ({exc})"]
    if _NESTED_REPETITION.search(pattern):
        return [
            ".pattern: a repeated group that repeats inside, such as (a+)+, can take "
            "forever to match; write it without the nesting"
        ]
    return []


def _is_day(value: Any) -> bool:
    try:
        return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _example() -> str:
    return json.dumps(EXAMPLE)
