"""What the card says of a day: new and back errors from the lifecycle (acknowledged ones
left out unless expired or returned), clients on a failure streak, and a note when the
history is missing or starts today."""

from __future__ import annotations

from process_report.teams.summary import card_summary

RECORD = {
    "signatures": {
        "aaa": {"key_error": "ValueError: bad bitrate", "count": 2, "clients": ["Acme"]},
        "bbb": {"key_error": "TimeoutError: camera", "count": 5, "clients": ["Zeta", "Acme"]},
        "ccc": {"key_error": "KeyError: 'fps'", "count": 1, "clients": ["Zeta"]},
        "ddd": {"key_error": "OSError: disk full", "count": 1, "clients": ["Quiet"]},
        "eee": {"key_error": "RuntimeError: known", "count": 3, "clients": ["Acme"]},
    }
}
ACK = {"note": "ticket open", "ticket": None, "until": None, "expired": False, "returned": False}
LIFECYCLE = {
    "first_run": False,
    "signatures": {
        "aaa": {"state": "new", "acknowledged": None},
        "bbb": {"state": "back", "away_days": 3, "acknowledged": None},
        "ccc": {"state": "ongoing", "streak": 4, "acknowledged": None},
        "ddd": {"state": "new", "acknowledged": ACK},
        "eee": {"state": "back", "away_days": 2, "acknowledged": {**ACK, "returned": True}},
    },
}
TREND = {"clients": [{"client": "Zeta", "streak": 4}, {"client": "Acme", "streak": 1}]}


def summary(record=RECORD, lifecycle=LIFECYCLE, trend=TREND):
    return card_summary(
        report_day="2026-11-26",
        timezone="Europe/Paris",
        counts={"finished": 3, "failed": 12, "running": 0, "hung": 0, "other": 0},
        record=record,
        lifecycle=lifecycle,
        trend=trend,
        links={"viewer": "https://a.example/v", "run": None},
    )


def test_new_and_back_errors_come_from_the_lifecycle_largest_first():
    made = summary()
    assert [e["key_error"] for e in made["new_errors"]] == ["ValueError: bad bitrate"]
    assert [e["key_error"] for e in made["back_errors"]] == [
        "TimeoutError: camera",
        "RuntimeError: known",  # acknowledged, but back after being resolved: shown
    ]
    assert made["back_errors"][0]["away_days"] == 3
    assert made["history_note"] is None


def test_an_acknowledged_new_error_is_not_called_new():
    assert "OSError: disk full" not in [e["key_error"] for e in summary()["new_errors"]]


def test_only_clients_failing_two_days_or_more_are_called_out():
    assert summary()["streak_clients"] == [{"client": "Zeta", "streak": 4}]


def test_without_a_record_or_history_the_card_says_it_cannot_tell_what_is_new():
    made = summary(record=None, lifecycle=None, trend=None)
    assert made["new_errors"] == []
    assert made["streak_clients"] == []
    assert "could not be told" in made["history_note"]


def test_on_the_first_day_the_card_says_history_starts_today():
    assert summary(lifecycle={**LIFECYCLE, "first_run": True})["history_note"].startswith(
        "History starts today"
    )
