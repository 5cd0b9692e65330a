"""The two shapes every log reader shares: a process UUID and a record's start."""

from __future__ import annotations

import re

import pytest

from process_report.logs.format import RECORD_START, UUID_PATTERN

UUID = re.compile(rf"^{UUID_PATTERN}$")
START = re.compile("^" + RECORD_START)


@pytest.mark.parametrize(
    "value",
    ["0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4", "0B7C9D1E-2F3A-4B5C-8D6E-7F8091A2B3C4"],
)
def test_uuid_pattern_matches_canonical_uuids_in_any_case(value):
    assert UUID.match(value)


@pytest.mark.parametrize(
    "value",
    ["0b7c9d1e2f3a4b5c8d6e7f8091a2b3c4", "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c", "../../etc"],
)
def test_uuid_pattern_refuses_other_shapes(value):
    assert not UUID.match(value)


@pytest.mark.parametrize(
    ("line", "stamp"),
    [
        ("2026-11-26 09:00:01 ERROR x", "2026-11-26 09:00:01"),
        ("[2026-11-26T09:00:01] ERROR x", "2026-11-26T09:00:01"),
    ],
)
def test_record_start_is_a_leading_timestamp_with_or_without_bracket(line, stamp):
    assert START.match(line)[1] == stamp


@pytest.mark.parametrize("line", ["  File 'x.py', line 1", "ValueError: 2026-11-26 09:00:01"])
def test_lines_without_a_leading_timestamp_continue_the_record_before(line):
    assert not START.match(line)
