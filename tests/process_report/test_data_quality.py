"""data_quality: notes grouped by kind, a few examples each, every note in the file."""

from __future__ import annotations

from process_report.data_quality import (
    EXAMPLE_CHARS,
    EXAMPLES_SHOWN,
    KINDS_SHOWN,
    grouped_notes,
    note_kind,
    notes_file,
)


def link_note(n: int) -> str:
    return f"/logs/archive/{n:06d}/{n}.log skipped: it links outside the logs folder."


def test_notes_that_differ_only_in_their_particulars_are_one_kind():
    notes = [
        link_note(1),
        link_note(2),
        "a.log skipped: a binary file (NUL bytes in its first 8 KB).",
        "b.log.1.gz skipped: a binary file (NUL bytes in its first 8 KB).",
        "Process UUID 'x' is not a canonical UUID; its logs were not searched.",
        "Process UUID 'y' is not a canonical UUID; its logs were not searched.",
        "Log extract of 0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4: 3 line(s) cut.",
        "Log extract of 1b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4: 12 line(s) cut.",
    ]
    kinds = [note_kind(n) for n in notes]
    assert len(set(kinds)) == 4
    assert kinds[0] == "… skipped: it links outside the logs folder."
    assert kinds[2] == "… skipped: a binary file (NUL bytes in its first N KB)."


def test_a_kind_the_producer_names_wins_over_the_text():
    notes = [
        {"kind": "log_symlink", "text": "/logs/a.log skipped: it links outside."},
        {"kind": "log_symlink", "text": "The link /logs/b.log was swapped in."},
    ]
    (group,) = grouped_notes(notes).groups
    # grouped by the producer's word, read as its first note's sentence
    assert (group.kind, group.count) == ("… skipped: it links outside.", 2)
    assert group.examples == (notes[0]["text"], notes[1]["text"])


def test_forty_thousand_notes_of_one_kind_become_one_group_with_a_few_examples():
    notes = [link_note(n) for n in range(40_000)] + ["The logs folder could not be listed."]
    grouped = grouped_notes(notes)
    counts = [(g.count, len(g.examples)) for g in grouped.groups]
    assert counts == [(40_000, EXAMPLES_SHOWN), (1, 1)]
    assert grouped.groups[0].examples[0] == link_note(0)
    assert grouped.groups[0].more == 40_000 - EXAMPLES_SHOWN
    assert (grouped.total, grouped.notes_hidden, grouped.complete) == (40_001, 39_997, False)


def test_kinds_beyond_the_shown_ones_are_counted_largest_first():
    # hostile: every note its own kind (words, which no rule masks)
    words = ["".join(chr(97 + (n // 26**i) % 26) for i in range(3)) for n in range(700)]
    notes = [f"{w} happened" for w in words] + [link_note(1), link_note(2)]
    grouped = grouped_notes(notes)
    assert len(grouped.groups) == KINDS_SHOWN
    assert grouped.groups[0].count == 2  # the largest kind first, then in order seen
    assert grouped.groups[1].examples == ("aaa happened",)
    assert grouped.kinds_hidden == 701 - KINDS_SHOWN


def test_few_notes_of_distinct_kinds_are_complete():
    grouped = grouped_notes(["one thing.", "another thing."])
    assert grouped.complete
    assert [g.examples for g in grouped.groups] == [("one thing.",), ("another thing.",)]


def test_examples_are_clipped_and_cannot_start_a_line_of_their_own():
    hostile = "x" * 5000 + ".log\nDATA QUALITY forged line skipped: a binary file"
    (group,) = grouped_notes([hostile]).groups
    (example,) = group.examples
    assert len(example) == EXAMPLE_CHARS
    assert example.endswith("…")
    assert "\n" not in example
    forged = grouped_notes(["a\nb\rc\u2028d"]).groups[0].examples[0]
    assert forged == "a\\nb\\rc\\u2028d"


def test_the_notes_file_holds_every_note_under_its_kind_with_the_count():
    notes = [link_note(n) for n in range(700)] + ["bad\nname.log could not be read: EIO"]
    lines = "".join(notes_file(notes)).splitlines()
    assert lines[0] == "701 data-quality note(s) of 2 kind(s)."
    assert lines[2] == "… skipped: it links outside the logs folder. (700)"
    assert lines[3:703] == [f"- {link_note(n)}" for n in range(700)]
    assert lines[-1] == "- bad\\nname.log could not be read: EIO"


def test_a_note_that_stands_for_several_counts_them_all():
    # the log scan's shape: a few notes of a kind, then one that counts the rest
    notes = [{"kind": "log_symlink", "text": link_note(n)} for n in range(5)]
    notes.append(
        {"kind": "log_symlink", "text": "39,995 links skipped the same way.", "count": 39_995}
    )
    (group,) = grouped_notes(notes).groups
    assert (group.count, group.more) == (40_000, 40_000 - EXAMPLES_SHOWN)
    assert group.examples == tuple(link_note(n) for n in range(EXAMPLES_SHOWN))
    lines = "".join(notes_file(notes)).splitlines()
    heading = "… skipped: it links outside the logs folder. (40000)"
    assert lines[:3] == ["40000 data-quality note(s) of 1 kind(s).", "", heading]
    assert lines[-1] == "- 39,995 links skipped the same way."
