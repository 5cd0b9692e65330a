from __future__ import annotations

from datetime import date

from process_report.history.known_issues import EXAMPLE, acknowledgement, parse_known_issues

DAY = date(2026, 11, 26)


def test_the_documented_example_is_valid():
    entries, errors = parse_known_issues([EXAMPLE])
    assert errors == []
    assert entries[0]["signature"] == EXAMPLE["signature"]


def test_not_a_list_is_refused_with_an_example():
    entries, errors = parse_known_issues({"signature": "a1d3883b77f1"})
    assert entries == ()
    assert errors[0].startswith("known_issues: expected a list")


def test_unknown_keys_and_an_overlong_pattern_are_named():
    _, errors = parse_known_issues([{"pattern": "x" * 501, "note": "n", "owner": "me"}])
    assert errors == [
        "known_issues[0]: unknown key(s) ['owner']; known keys are "
        "['note', 'pattern', 'signature', 'ticket', 'until']",
        "known_issues[0].pattern: expected a regular expression of 1 to 500 characters",
    ]


def test_an_entry_matches_by_id_or_by_pattern_and_expires_after_until():
    known = [{"signature": "000000000001", "note": "by id", "until": "2026-11-26"},
             {"pattern": r"Errno \d+", "note": "by pattern", "ticket": "https://t/1"}]  # fmt: skip
    assert acknowledgement("000000000001", "x", known, DAY)["expired"] is False
    assert acknowledgement("000000000001", "x", known, date(2026, 11, 27))["expired"] is True
    assert acknowledgement("ffffffffffff", "OSError: [Errno 28]", known, DAY) == {
        "note": "by pattern", "ticket": "https://t/1", "until": None, "expired": False,
    }  # fmt: skip
    assert acknowledgement("ffffffffffff", "KeyError: x", known, DAY) is None


def test_a_pattern_with_nested_repetition_is_refused_before_it_can_hang_a_run():
    for pattern in [r"(a+)+$", r"(\w*x)*y", r"(?:ab|a\d+){2,}"]:
        _, errors = parse_known_issues([{"pattern": pattern, "note": "n"}])
        assert errors, pattern
        assert "can take forever to match" in errors[0]
    for pattern in [r"No space left", r"(timeout|refused) after \d+", r"Errno (28|13)"]:
        assert parse_known_issues([{"pattern": pattern, "note": "n"}])[1] == [], pattern
