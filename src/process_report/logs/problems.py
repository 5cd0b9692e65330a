"""What the log scan could not do, as data-quality notes the report can group by kind.

Each note is `{"kind": KIND, "text": sentence}` (plus `"count"` for a note that stands
for several): the kind is a stable word the report groups and counts by, the text is
what an operator reads. A bad day can hold 40,000 links or 100,000 unreadable files,
so each kind keeps at most EXAMPLES notes of its own and then one note that counts the
rest: the notes stay a few per kind whatever the logs folder holds.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

EXAMPLES = 5

# The kinds of log-scan notes (the report groups by these).
LOGS_FOLDER = "logs_folder"  # the logs folder itself cannot be read
PATTERN = "log_pattern"  # a log pattern refused
FOLDER = "log_folder_unreadable"  # a folder inside it cannot be listed
SYMLINK = "log_symlink"  # a link skipped: outside the folder, broken, or swapped in
UUID = "process_uuid"  # a process UUID that is not canonical
BINARY = "log_binary"  # a file skipped as binary
UNREADABLE = "log_unreadable"  # a file that could not be read
DISK_FULL = "disk_full"  # the spool or the extracts' disk filled up
RECORD_CUT = "log_record_cut"  # a record longer than two chunks cut at a line end
EXTRACT_CUT = "log_extract_cut"  # an extract over its cap kept its head and tail

_MORE = {
    SYMLINK: "link(s) in the logs folder skipped the same way",
    FOLDER: "folder(s) in the logs folder could not be listed",
    BINARY: "more file(s) skipped as binary",
    UNREADABLE: "more log file(s) could not be read",
    DISK_FULL: "more log file(s) or extract(s) not kept because the disk was full",
    RECORD_CUT: "more log file(s) had a record cut the same way",
    EXTRACT_CUT: "more log extract(s) cut the same way (each says where, at its "
    "'… lines cut …' line)",
    UUID: "more process UUID(s) are not canonical; their logs were not searched",
}


class Problems:
    """Notes by kind, at most EXAMPLES of each, the rest counted; safe from threads."""

    def __init__(self) -> None:
        self._notes: list[dict[str, Any]] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, text: str) -> None:
        with self._lock:
            self._seen[kind] += 1
            if self._seen[kind] <= EXAMPLES:
                self._notes.append({"kind": kind, "text": text})

    def extend(self, notes: list[dict[str, Any]]) -> None:
        """Notes made elsewhere (another `Problems`' `notes()`), counted again here."""
        for note in notes:
            if "count" in note:
                self._seen[note["kind"]] += note["count"]
            else:
                self.add(note["kind"], note["text"])

    def count(self, kind: str) -> int:
        return self._seen[kind]

    def notes(self) -> list[dict[str, Any]]:
        """The kept notes, then one note per kind counting those past EXAMPLES."""
        more = [
            {
                "kind": kind,
                "text": f"{seen - EXAMPLES:,} {_MORE.get(kind, 'more of the same kind')}.",
                "count": seen - EXAMPLES,
            }
            for kind, seen in self._seen.items()
            if seen > EXAMPLES
        ]
        return [*self._notes, *more]
