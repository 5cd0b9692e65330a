"""An owner's digest as report inputs: the team report's own inputs cut down to the
owner's clients, so the digest is rendered by the same code and templates (badges,
error lines, size budget) and says nothing the team report would not.

What is cut: the processes and their counts; the failure summaries and video lookups
(only those of the owner's processes are looked at anyway); the lifecycle, to the
owner's signatures and not-seen-today errors of their clients, with its counts
recomputed, so "2 new errors" means two of theirs; the trend, to their clients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from process_report.logs.signatures import signature_id
from process_report.owners.routing import OwnerDigest
from process_report.processes import FAILED, count_categories

STATES = ("new", "back", "ongoing")


def digest_inputs(
    digest: OwnerDigest,
    *,
    failures: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None,
    history: Mapping[str, Any] | None,
    trend: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The `report_email` inputs that differ from the team report's: `process_data`,
    `previous_counts` (None: unknown per owner, shown as such), `failures`, `history`,
    `trend` and `digest` (the header)."""
    processes = list(digest.processes)
    uuids = dict.fromkeys(p["uuid"] for p in processes if p["category"] == FAILED)
    mine = None if failures is None else _failures_of(failures, uuids)
    clients = {str(p["client"]) for p in processes}
    return {
        "process_data": {"processes": processes, "counts": count_categories(processes)},
        "previous_counts": None,
        "failures": mine,
        "history": _lifecycle_of(history, mine or [], clients),
        "trend": _trend_of(trend, clients),
        "digest": {"owner": digest.owner.name, "clients": digest.clients},
    }


def _failures_of(
    failures: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    uuids: Mapping[str, None],
) -> list[Mapping[str, Any]]:
    """The summaries of the digest's failures (`failures`: by UUID, or a list)."""
    if isinstance(failures, Mapping):
        return [failures[uuid] for uuid in uuids if uuid in failures]
    return [f for f in failures if f["uuid"] in uuids]


def _lifecycle_of(
    history: Mapping[str, Any] | None, failures: list[Mapping[str, Any]], clients: set[str]
) -> dict[str, Any] | None:
    if history is None:
        return None
    ids = {signature_id(f["signature"]) for f in failures if f.get("found") and f.get("signature")}
    signatures = {s: st for s, st in history.get("signatures", {}).items() if s in ids}
    not_seen = [
        entry
        for entry in history.get("not_seen_today", [])
        if clients & set(entry.get("clients", []))
    ]
    counts = dict.fromkeys(("new", "back", "ongoing", "acknowledged"), 0)
    for state in signatures.values():
        ack = state.get("acknowledged")
        key = "acknowledged" if ack and not (ack["expired"] or ack["returned"]) else state["state"]
        counts[key] += 1
    counts["not_seen_today"] = len(not_seen)
    return {**history, "signatures": signatures, "not_seen_today": not_seen, "counts": counts}


def _trend_of(trend: Mapping[str, Any] | None, clients: set[str]) -> dict[str, Any] | None:
    if trend is None:
        return None
    kept = [c for c in trend.get("clients", []) if c.get("client") in clients]
    return {**trend, "clients": kept, "more_clients": 0}


def digest_subject(report_day: str, counts_line: str, clients: list[str]) -> str:
    """E.g. `Your clients 2026-11-26: 2 failed · 1 new error · … (Acme, Zeta)`. The
    names are the database's and the subject is a header: any run of whitespace in
    one (a line break, U+2028) is a single space, or the message could not be built."""
    shown = ", ".join(" ".join(name.split()) for name in clients[:3])
    if len(clients) > 3:
        shown += f" and {len(clients) - 3} more"
    return f"Your clients {report_day}: {counts_line}" + (f" ({shown})" if shown else "")
