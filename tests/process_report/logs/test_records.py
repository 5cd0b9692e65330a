from __future__ import annotations

import re
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from process_report.logs import records as log_records
from process_report.logs.records import RecordFinder, Records

A = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
B = "1c8dae2f-3a4b-4c5d-9e7f-8091a2b3c4d5"
# Same first 8 characters as A (and so the same hash bucket), but not searched.
A_TWIN = "0b7c9d1e-ffff-4b5c-8d6e-7f8091a2b3c4"
OTHER = "2d9ebf30-4b5c-4d6e-af80-91a2b3c4d5e6"
STAMP = re.compile(rb"\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def as_dict(records: Records | None, uuids: list[str]) -> dict[str, tuple[int, bytes]]:
    """{uuid: (offset of its first record, its records)} out of the runs."""
    if records is None:
        return {}
    ends = records.lengths.cumsum()
    data = b"".join(records.blocks())
    return {
        uuids[number]: (offset, data[end - length : end])
        for number, offset, length, end in zip(
            records.numbers.tolist(),
            records.offsets.tolist(),
            records.lengths.tolist(),
            ends.tolist(),
            strict=True,
        )
    }


def reference(data: bytes, uuids: list[str]) -> dict[str, tuple[int, bytes]]:
    """The definition, line by line: a record starts at a timestamped line (or the
    buffer's first line) and takes the lines after it that are not timestamped."""
    records, offset = [], 0
    for line in re.findall(rb"[^\n]*\n|[^\n]+\Z", data):
        if not records or STAMP.match(line):
            records.append((offset, b""))
        start, text = records[-1]
        records[-1] = (start, text + line)
        offset += len(line)
    found: dict[str, tuple[int, bytes]] = {}
    for uuid in uuids:
        mine = [(start, text) for start, text in records if uuid.encode() in text]
        if mine:
            found[uuid] = (mine[0][0], b"".join(text for _, text in mine))
    return found


def test_records_by_uuid_with_their_traceback_lines():
    data = (
        f"2026-11-26 09:00:01 INFO {A} started\n"
        f"2026-11-26 09:00:02 INFO {OTHER} started\n"
        f"[2026-11-26T09:10:00] ERROR {A} crashed\n"
        "Traceback (most recent call last):\n"
        "ValueError: corrupt frame\n"
        f"2026-11-26 09:10:01 WARN {B} and {A} share this line\n"
    ).encode()
    found = as_dict(RecordFinder([A, B]).records(data, 1000), [A, B])
    assert found[A][1] == b"".join(
        line + b"\n" for line in data.split(b"\n") if line and OTHER.encode() not in line
    )
    assert found[A][0] == 1000
    assert found[B][1].startswith(b"2026-11-26 09:10:01 WARN")


def test_a_uuid_sharing_a_prefix_with_a_searched_one_is_not_taken():
    data = f"2026-11-26 09:00:01 INFO {A_TWIN} is someone else\n".encode()
    assert RecordFinder([A]).records(data, 0) is None


def test_the_first_line_starts_a_record_even_without_a_timestamp():
    data = f"  continued from the last chunk {A}\n2026-11-26 09:00:01 INFO next\n".encode()
    assert as_dict(RecordFinder([A]).records(data, 0), [A])[A] == (
        0,
        f"  continued from the last chunk {A}\n".encode(),
    )


def test_nothing_to_search_and_tiny_buffers_find_nothing():
    assert RecordFinder([]).records(f"2026-11-26 09:00:01 {A}\n".encode(), 0) is None
    assert RecordFinder([A]).records(b"", 0) is None
    assert RecordFinder([A]).records(A[:-1].encode(), 0) is None
    assert as_dict(RecordFinder([A]).records(A.encode(), 0), [A]) == {A: (0, A.encode())}


def test_merge_keeps_one_run_per_uuid_in_part_order():
    finder = RecordFinder([A, B])
    first = finder.records(f"2026-11-26 09:00:01 {A} one\n2026-11-26 09:00:02 {B}\n".encode(), 0)
    second = finder.records(f"2026-11-26 09:00:03 {A} two\n".encode(), 100)
    merged = as_dict(Records.merge([first, second]), [A, B])
    assert merged[A] == (0, f"2026-11-26 09:00:01 {A} one\n2026-11-26 09:00:03 {A} two\n".encode())
    assert merged[B][0] == len(f"2026-11-26 09:00:01 {A} one\n")


LINES = st.one_of(
    st.builds(
        "{}{} {} {} msg-{}\n".format,
        st.sampled_from(["", "["]),
        st.sampled_from(["2026-11-26 09:00:01", "2026-11-26T09:00:01", "2026-11-2 09:00:01"]),
        st.sampled_from(["INFO", "ERROR", "x-y-z-w"]),
        st.sampled_from([A, B, A_TWIN, OTHER, A.upper(), "no uuid here"]),
        st.integers(0, 99),
    ),
    st.sampled_from(
        [
            "Traceback (most recent call last):\n",
            f'  File "/srv/{A}/x.py", line 3\n',
            "----------------------------------------\n",
            "\n",
            "2026-11-26 09:00:0",  # a cut timestamp, without its newline
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=40))
def test_array_search_equals_the_line_by_line_definition(lines):
    data = "".join(lines).encode()
    assert as_dict(RecordFinder([A, B]).records(data, 0), [A, B]) == reference(data, [A, B])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=40), st.integers(1, 80))
def test_search_in_blocks_finds_what_a_whole_buffer_search_finds(lines, block_bytes):
    """Blocks smaller than a UUID or a line: every UUID and line start across a block
    edge is found exactly once."""
    data = "".join(lines).encode()
    with mock.patch.object(log_records, "BLOCK_BYTES", block_bytes):
        found = as_dict(RecordFinder([A, B]).records(data, 0), [A, B])
    assert found == reference(data, [A, B])


def test_merged_runs_written_a_few_at_a_time_keep_their_order():
    finder = RecordFinder([A, B])
    parts = [
        finder.records(
            f"2026-11-26 09:00:0{i} {A} a{i}\n2026-11-26 09:00:0{i} {B} b{i}\n".encode(), 0
        )
        for i in range(3)
    ]
    with mock.patch.object(log_records, "GATHER_RUNS", 1):
        blocks = list(Records.merge(parts).blocks())
    assert len(blocks) == 6
    assert (
        b"".join(blocks)
        == "".join(
            [f"2026-11-26 09:00:0{i} {A} a{i}\n" for i in range(3)]
            + [f"2026-11-26 09:00:0{i} {B} b{i}\n" for i in range(3)]
        ).encode()
    )


def test_merged_runs_are_joined_in_batches_of_about_gather_bytes():
    finder = RecordFinder([A, B])
    parts = [
        finder.records(f"2026-11-26 09:00:0{i} {A} {'a' * 50}\n{'b' * 100}\n".encode(), 0)
        for i in range(6)
    ]
    run_bytes = len(parts[0].data)
    with mock.patch.object(log_records, "GATHER_BYTES", 2 * run_bytes):
        blocks = list(Records.merge(parts).blocks())
    assert [len(block) for block in blocks] == [2 * run_bytes] * 3
    assert b"".join(blocks) == b"".join(part.data for part in parts)
