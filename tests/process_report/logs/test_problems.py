"""Scan notes by kind: a few examples each, the rest counted in one note, whatever
the number of files a bad day brings."""

from __future__ import annotations

from process_report.logs.problems import EXAMPLES, SYMLINK, UNREADABLE, Problems


def test_each_kind_keeps_a_few_examples_and_counts_the_rest():
    problems = Problems()
    for n in range(40_000):
        problems.add(SYMLINK, f"link {n} skipped")
    problems.add(UNREADABLE, "one file unreadable")
    notes = problems.notes()
    assert [note["text"] for note in notes[:EXAMPLES]] == [
        f"link {n} skipped" for n in range(EXAMPLES)
    ]
    assert notes[EXAMPLES] == {"kind": UNREADABLE, "text": "one file unreadable"}
    assert notes[-1]["kind"] == SYMLINK
    assert notes[-1]["count"] == 40_000 - EXAMPLES
    assert notes[-1]["text"].startswith(f"{40_000 - EXAMPLES:,} link(s)")
    assert len(notes) == EXAMPLES + 2


def test_notes_merged_from_another_collector_keep_their_count():
    walk, scan = Problems(), Problems()
    for n in range(12):
        walk.add(SYMLINK, f"link {n} skipped")
    scan.add(SYMLINK, "a file became a link after the walk")
    scan.extend(walk.notes())
    assert scan.count(SYMLINK) == 13
    counted = [note for note in scan.notes() if "count" in note]
    assert [note["count"] for note in counted] == [13 - EXAMPLES]
