from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from process_report.history.lifecycle import compare
from tests.process_report.history.days import AUTH, CODEC, DISK, TIMEOUT, day_record, sig

D = date(2026, 11, 26)


def past_of(records: dict[int, list[tuple[str, str]]], days: int = 14) -> dict[str, Any]:
    """What read_past gives for D when the archive holds `records` (days back → failures)."""
    return {
        "days": [
            {
                "day": (D - timedelta(days=back)).isoformat(),
                "record": day_record(D - timedelta(days=back), records[back])
                if back in records
                else None,
            }
            for back in range(1, days + 1)
        ],
        "problems": [],
    }


def test_the_first_run_says_history_starts_today_and_everything_is_new():
    result = compare(day_record(D, [("Acme", DISK)]), past_of({}), [], D)
    assert result["first_run"] is True
    assert result["gaps"] == []
    assert result["compared_with"] is None
    assert result["signatures"][sig(DISK)]["state"] == "new"
    assert result["counts"] == {
        "new": 1, "back": 0, "ongoing": 0, "acknowledged": 0, "not_seen_today": 0,
    }  # fmt: skip


def test_each_state_with_its_streak_since_and_last_seen():
    past = past_of({1: [("Acme", DISK), ("Beta", AUTH)], 2: [("Acme", DISK)], 3: [("Acme", DISK)],
                    5: [("Cine", TIMEOUT)], 9: [("Acme", DISK)]})  # fmt: skip
    today = day_record(D, [("Acme", DISK), ("Beta", DISK), ("Cine", TIMEOUT), ("Dora", CODEC)])
    result = compare(today, past, [], D)
    states = result["signatures"]
    assert result["first_run"] is False
    assert result["compared_with"] == "2026-11-25"
    assert states[sig(DISK)] == {
        "state": "ongoing", "streak": 4, "since": "2026-11-23", "days_seen": 5, "horizon": 14,
        "last_seen": "2026-11-25", "away_days": None, "acknowledged": None,
    }  # fmt: skip
    assert states[sig(TIMEOUT)] | {"acknowledged": None} == {
        "state": "back", "streak": 1, "since": "2026-11-26", "days_seen": 2, "horizon": 14,
        "last_seen": "2026-11-21", "away_days": 5, "acknowledged": None,
    }  # fmt: skip
    assert states[sig(CODEC)]["state"] == "new"
    assert states[sig(CODEC)]["last_seen"] is None
    assert result["not_seen_today"] == [
        {"signature": sig(AUTH), "key_error": AUTH.format(n=26), "last_seen": "2026-11-25",
         "streak": 1, "clients": ["Beta"], "count": 1},
    ]  # fmt: skip
    assert result["counts"] == {
        "new": 1, "back": 1, "ongoing": 1, "acknowledged": 0, "not_seen_today": 1,
    }  # fmt: skip
    assert result["gaps"] == ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-22"]


def test_a_gap_is_said_and_neither_breaks_a_streak_nor_counts_as_not_seen():
    # 11-25 has no archived report; 11-24 and 11-23 do
    past = past_of({2: [("Acme", DISK), ("Beta", AUTH)], 3: [("Acme", DISK)]})
    result = compare(day_record(D, [("Acme", DISK), ("Beta", AUTH)]), past, [], D)
    assert result["gaps"] == ["2026-11-25"]
    assert result["compared_with"] == "2026-11-24"
    disk, auth = result["signatures"][sig(DISK)], result["signatures"][sig(AUTH)]
    assert (disk["state"], disk["streak"], disk["since"]) == ("ongoing", 3, "2026-11-23")
    assert (auth["state"], auth["streak"], auth["last_seen"]) == ("ongoing", 2, "2026-11-24")
    assert result["not_seen_today"] == []


def test_days_before_the_oldest_record_are_not_gaps():
    result = compare(day_record(D, [("Acme", DISK)]), past_of({1: [], 2: []}), [], D)
    assert result["gaps"] == []
    assert result["first_run"] is False


def test_days_seen_counts_the_horizon_including_today_only():
    # seen 13 days back (inside 14 days incl. today) and 14 days back (outside)
    past = past_of({1: [], 13: [("Acme", DISK)], 14: [("Acme", DISK)]})
    state = compare(day_record(D, [("Acme", DISK)]), past, [], D)["signatures"][sig(DISK)]
    assert (state["state"], state["days_seen"], state["away_days"]) == ("back", 2, 13)


def test_an_acknowledged_signature_by_id_is_counted_apart_not_as_new():
    known = [
        {"signature": sig(CODEC), "note": "codec fix in review", "ticket": None, "until": None}
    ]
    result = compare(day_record(D, [("Acme", CODEC), ("Beta", DISK)]), past_of({}), known, D)
    ack = result["signatures"][sig(CODEC)]["acknowledged"]
    assert ack == {"note": "codec fix in review", "ticket": None, "until": None,
                   "expired": False, "returned": False}  # fmt: skip
    assert result["counts"]["new"] == 1
    assert result["counts"]["acknowledged"] == 1


def test_an_acknowledgement_by_pattern_matches_the_key_error():
    known = [{"signature": None, "pattern": r"No space left", "note": "disk order", "until": None}]
    result = compare(day_record(D, [("Acme", DISK)]), past_of({1: [("Acme", DISK)]}), known, D)
    assert result["signatures"][sig(DISK)]["acknowledged"]["note"] == "disk order"
    assert result["counts"]["acknowledged"] == 1
    assert result["counts"]["ongoing"] == 0


def test_an_expired_acknowledgement_returns_to_the_main_list():
    known = [{"pattern": "codec", "note": "vendor fix", "until": "2026-11-25"}]
    result = compare(day_record(D, [("Acme", CODEC)]), past_of({1: [("Acme", CODEC)]}), known, D)
    ack = result["signatures"][sig(CODEC)]["acknowledged"]
    assert ack["expired"] is True
    assert ack["returned"] is False
    assert result["counts"]["ongoing"] == 1
    assert result["counts"]["acknowledged"] == 0
    on_its_last_day = compare(
        day_record(D, [("Acme", CODEC)]), past_of({}), [{**known[0], "until": "2026-11-26"}], D
    )
    assert on_its_last_day["counts"]["acknowledged"] == 1


def test_an_acknowledged_signature_back_after_being_resolved_returns_to_the_main_list():
    known = [{"signature": sig(TIMEOUT), "note": "storage vendor", "until": "2027-01-31"}]
    past = past_of({1: [("Acme", DISK)], 4: [("Acme", TIMEOUT)]})
    result = compare(day_record(D, [("Acme", TIMEOUT)]), past, known, D)
    state = result["signatures"][sig(TIMEOUT)]
    assert state["state"] == "back"
    assert state["away_days"] == 4
    assert state["acknowledged"]["returned"] is True
    assert state["acknowledged"]["expired"] is False
    assert result["counts"]["back"] == 1
    assert result["counts"]["acknowledged"] == 0


def test_the_first_matching_entry_acknowledges():
    known = [
        {"pattern": "Errno 28", "note": "first"},
        {"signature": sig(DISK), "note": "second"},
    ]
    result = compare(day_record(D, [("Acme", DISK)]), past_of({}), known, D)
    assert result["signatures"][sig(DISK)]["acknowledged"]["note"] == "first"
