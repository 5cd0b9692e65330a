"""Data-quality notes grouped by kind, so a day with 40,000 of them still has a short
report: the body shows each kind once, with its count and a few examples, and every
note goes into `data-quality.txt` (attached, archived, listed by the report viewer).

A note is either text or a mapping `{"kind": ..., "text": ..., "count": ...}`: a
producer that knows what it found (the log scan: a link outside the logs folder, a
binary file) names the kind, and a note that stands for several (the scan keeps a few
per kind and counts the rest in one) says how many (`count`, else 1). For plain text
the kind is the text with its particulars (paths, file names, UUIDs, quoted values,
numbers) replaced by `…` or `N`, so "a.log skipped: a binary file" and "b.log skipped:
a binary file" are one kind. Pure: plain values in and out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Note = str | Mapping[str, Any]

EXAMPLES_SHOWN = 3  # per kind, in the body
KINDS_SHOWN = 10  # in the body; the rest are counted
EXAMPLE_CHARS = 300  # a note can carry a hostile file name of any length
NOTES_FILE = "data-quality.txt"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PARTICULARS = (
    (re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b"), "…"),
    (re.compile(r"'[^']*'|\"[^\"]*\""), "…"),
    # paths and file names: a word with a slash, or a name with an extension
    (re.compile(r"(?<!\S)(?:\S*[/\\]\S*|[^\s/\\]+\.[A-Za-z][\w.]*[A-Za-z0-9])"), "…"),
    (re.compile(r"\d+(?:[.,]\d+)*"), "N"),
)


@dataclass(frozen=True)
class NoteGroup:
    """One kind of note: how it reads (`note_label` of its first note), how many there
    are and the first few, as the body shows them."""

    kind: str
    count: int
    examples: tuple[str, ...]

    @property
    def more(self) -> int:
        """Notes of this kind the body does not show."""
        return self.count - len(self.examples)


@dataclass(frozen=True)
class GroupedNotes:
    """What the body shows of the notes; `complete` when it shows every one of them."""

    groups: tuple[NoteGroup, ...]
    kinds_hidden: int
    notes_hidden: int
    total: int

    @property
    def complete(self) -> bool:
        return self.kinds_hidden == 0 and all(g.more == 0 for g in self.groups)


def note_text(note: Note) -> str:
    """The note as one line of text (control characters shown as escapes, so a file
    name cannot start a line of its own in the text part or the notes file)."""
    text = str(note.get("text", "")) if isinstance(note, Mapping) else str(note)
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def note_count(note: Note) -> int:
    """How many notes this one stands for."""
    count = note.get("count", 1) if isinstance(note, Mapping) else 1
    return count if isinstance(count, int) and count > 0 else 1


def note_kind(note: Note) -> str:
    """What the note is grouped by: the producer's kind, else `note_label`."""
    if isinstance(note, Mapping) and note.get("kind"):
        return note_text({"text": note["kind"]})
    return note_label(note)


def note_label(note: Note) -> str:
    """The note's text without its particulars: how a kind reads in the report (a
    producer's kind is a stable word, e.g. `log_symlink`, not a sentence)."""
    text = note_text(note)
    for pattern, placeholder in _PARTICULARS:
        text = pattern.sub(placeholder, text)
    return _clipped(text)


def grouped_notes(
    notes: Sequence[Note], *, kinds_shown: int = KINDS_SHOWN, examples: int = EXAMPLES_SHOWN
) -> GroupedNotes:
    """The notes by kind, the largest kinds first (ties in order of first appearance),
    at most `kinds_shown` kinds with at most `examples` notes each, clipped."""
    by_kind: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for position, note in enumerate(notes):
        kind = note_kind(note)
        by_kind.setdefault(kind, []).append(position)
        counts[kind] = counts.get(kind, 0) + note_count(note)
    ordered = sorted(by_kind.items(), key=lambda item: -counts[item[0]])  # ties: first seen
    groups = tuple(
        NoteGroup(
            note_label(notes[positions[0]]),
            counts[kind],
            tuple(_clipped(note_text(notes[p])) for p in positions[:examples]),
        )
        for kind, positions in ordered[:kinds_shown]
    )
    total = sum(counts.values())
    hidden = total - sum(len(g.examples) for g in groups)
    return GroupedNotes(groups, max(len(ordered) - kinds_shown, 0), hidden, total)


def notes_file(notes: Sequence[Note]) -> Iterable[str]:
    """The lines of `data-quality.txt`: every note, under its kind with the count."""
    by_kind: dict[str, list[Note]] = {}
    counts: dict[str, int] = {}
    for note in notes:
        kind = note_kind(note)
        by_kind.setdefault(kind, []).append(note)
        counts[kind] = counts.get(kind, 0) + note_count(note)
    yield f"{sum(counts.values())} data-quality note(s) of {len(by_kind)} kind(s).\n"
    for kind, kept in sorted(by_kind.items(), key=lambda item: -counts[item[0]]):
        yield f"\n{note_label(kept[0])} ({counts[kind]})\n"
        yield from (f"- {note_text(note)}\n" for note in kept)


def _clipped(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
