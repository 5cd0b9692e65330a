"""An owner's digest inputs: the team report's cut to the owner's clients, with the
lifecycle's counts recomputed so "new errors" are theirs, and the subject naming them."""

from __future__ import annotations

from process_report.logs.signatures import signature_id
from process_report.owners.config import Owner
from process_report.owners.digest import digest_inputs, digest_subject
from process_report.owners.routing import OwnerDigest

MINE = {"uuid": "m1", "client": "Acme", "client_id": 1, "category": "failed", "hung": False}
ALSO_MINE = {"uuid": "m2", "client": "Acme", "client_id": 1, "category": "finished", "hung": False}
FAILURES = [
    {"uuid": "m1", "found": True, "signature": "ValueError: <n>", "key_error": "ValueError: 3"},
    {"uuid": "t1", "found": True, "signature": "KeyError: <s>", "key_error": "KeyError: 'x'"},
]
MINE_ID, THEIRS_ID = signature_id("ValueError: <n>"), signature_id("KeyError: <s>")
HISTORY = {
    "first_run": False,
    "gaps": [],
    "signatures": {
        MINE_ID: {"state": "new", "acknowledged": None},
        THEIRS_ID: {"state": "back", "acknowledged": None},
    },
    "not_seen_today": [
        {"signature": "x1", "clients": ["Acme"], "key_error": "E1"},
        {"signature": "x2", "clients": ["Zeta"], "key_error": "E2"},
    ],
    "counts": {"new": 1, "back": 1, "ongoing": 0, "acknowledged": 0, "not_seen_today": 2},
}


def digest():
    return OwnerDigest(Owner("Alice", "alice@example.com", ("Acme",)), [MINE, ALSO_MINE], ["Acme"])


def test_the_digest_holds_only_the_owners_processes_failures_and_errors():
    cut = digest_inputs(digest(), failures=FAILURES, history=HISTORY, trend=None)
    assert [p["uuid"] for p in cut["process_data"]["processes"]] == ["m1", "m2"]
    assert cut["process_data"]["counts"]["failed"] == 1
    assert cut["process_data"]["counts"]["total"] == 2
    assert [f["uuid"] for f in cut["failures"]] == ["m1"]
    assert set(cut["history"]["signatures"]) == {MINE_ID}
    assert [e["key_error"] for e in cut["history"]["not_seen_today"]] == ["E1"]
    assert cut["history"]["counts"] == {
        "new": 1,
        "back": 0,
        "ongoing": 0,
        "acknowledged": 0,
        "not_seen_today": 1,
    }
    assert cut["previous_counts"] is None  # the owner's previous window is not known
    assert cut["digest"] == {"owner": "Alice", "clients": ["Acme"]}


def test_without_history_or_summaries_the_digest_says_so_rather_than_guess():
    cut = digest_inputs(digest(), failures=None, history=None, trend=None)
    assert cut["failures"] is None
    assert cut["history"] is None


def test_the_trend_keeps_only_the_owners_clients():
    trend = {"days": [], "overall": {}, "clients": [{"client": "Acme"}, {"client": "Zeta"}]}
    cut = digest_inputs(digest(), failures=FAILURES, history=HISTORY, trend=trend)
    assert cut["trend"]["clients"] == [{"client": "Acme"}]


def test_the_subject_names_the_day_the_counts_and_a_few_clients():
    assert digest_subject("2026-11-26", "1 failed · 1 new error", ["Acme"]) == (
        "Your clients 2026-11-26: 1 failed · 1 new error (Acme)"
    )
    many = digest_subject("2026-11-26", "0 failed", ["A", "B", "C", "D", "E"])
    assert many.endswith("(A, B, C and 2 more)")
