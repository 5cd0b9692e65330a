"""What went wrong, in a few lines: the summary of one failed process's log extract.

The key error is the final exception line of the last traceback, else the last ERROR or
CRITICAL line, else the last lines of the extract. The summary also keeps the latest
error lines with their timestamps and the key error's signature, and never exceeds
8 KB, because it travels through XCom for every failed process.

The extract comes as blocks of whole lines (`extracts.extract_blocks`: at most a few
hundred KiB each), and each block is searched with C-speed string and regex searches
(`rfind` of the last traceback and of the last error words, `find` of the first) that
stop as soon as they have what the summary needs, instead of Python work for every
line: the big day's 15,000 extracts are 637 MB. A line counts exactly as it did when
the extract was read line by line: a line is what ends in "\\n", with its trailing
"\\r" ignored; blank lines and `==> file <==` headers are skipped.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from process_report.logs.format import RECORD_START
from process_report.logs.signatures import signature

SUMMARY_MAX_BYTES = 8 * 1024
ERROR_LINES_KEPT = 10
LINE_CHARS = 400
_ERROR = re.compile(r"\b(?:ERROR|CRITICAL|FATAL)\b")
_ERROR_WORDS = ("ERROR", "CRITICAL", "FATAL")  # a line _ERROR matches holds one of them
_LONGEST_WORD = max(map(len, _ERROR_WORDS))
_TIMESTAMP = re.compile("^" + RECORD_START)
_TRACEBACK = "Traceback (most recent call last):"
_UNINDENTED = re.compile(r"\n\S")  # the start of a line that is not a frame (\s: isspace)


def summarize(uuid: str, blocks: Iterable[str] | None, extract_path: str | None) -> dict[str, Any]:
    """The summary of an extract given as `blocks` of whole lines (None when no log
    mentioned the process)."""
    reading = _Reading()
    for text in blocks or ():
        reading.add(text)
    if not reading.found:
        return {
            "uuid": uuid,
            "found": False,
            "key_error": None,
            "signature": None,
            "error_lines": [],
            "first_error_at": None,
            "last_error_at": None,
            "extract": None,
            "note": "no log records found for this process",
        }
    key_error = reading.key_error()
    summary = {
        "uuid": uuid,
        "found": True,
        "key_error": key_error,
        "signature": signature(key_error),
        "error_lines": [{"at": at, "line": line} for at, line in reading.errors],
        "first_error_at": reading.first_error_at,
        "last_error_at": reading.last_error_at,
        "extract": extract_path,
        "note": None,
    }
    return _within_budget(summary)


class _Reading:
    """What the summary needs, gathered block by block."""

    def __init__(self) -> None:
        self.found = False
        self.errors: deque[tuple[str | None, str]] = deque(maxlen=ERROR_LINES_KEPT)
        self.first_error_at: str | None = None
        self.last_error_at: str | None = None
        self.last_lines: deque[str] = deque(maxlen=3)
        self.in_traceback = False  # after the last traceback, before its exception line
        self.exception: str | None = None  # the last traceback's exception line

    def add(self, text: str) -> None:
        """One block: whole lines, each ending in "\\n" but the extract's last."""
        if not text or text.isspace():  # only blank lines
            return
        self.found = True
        self._add_errors(text)
        self._add_traceback(text)
        self._add_last_lines(text)

    def _add_errors(self, text: str) -> None:
        """The block's last error lines, searched from its end; its first and last
        timestamps only when it has any."""
        latest: list[tuple[str | None, str]] = []
        last_at = None
        for line in _error_lines(text, backward=True):
            at = _timestamp(line)
            if len(latest) < ERROR_LINES_KEPT:
                latest.append((at, _clip(line)))
            last_at = last_at or at
            if last_at and len(latest) == ERROR_LINES_KEPT:
                break
        if not latest:
            return
        self.errors.extend(reversed(latest))
        self.last_error_at = last_at or self.last_error_at
        if self.first_error_at is None and last_at:
            self.first_error_at = next(
                at for line in _error_lines(text) if (at := _timestamp(line))
            )

    def _add_traceback(self, text: str) -> None:
        """The block's last traceback line, and its exception line: the first later
        line that is not indented (frames are)."""
        end, after = len(text), None
        while (found := text.rfind(_TRACEBACK, 0, end)) >= 0:
            start, stop, line = _line_around(text, found)
            if not _is_header(line):
                after = stop
                break
            end = start
        if after is not None:
            self.in_traceback, self.exception = True, None
        elif self.in_traceback:
            after = -1  # the previous block ended inside a traceback
        else:
            return
        for line in _unindented_lines(text, after):
            if not _is_header(line):
                self.in_traceback, self.exception = False, _clip(line.strip())
                return

    def _add_last_lines(self, text: str) -> None:
        """The block's last three lines that are neither blank nor headers."""
        latest: list[str] = []
        end = len(text)
        while end > 0 and len(latest) < 3:
            start = text.rfind("\n", 0, end - 1) + 1
            line = text[start:end].rstrip("\r\n")
            if line.strip() and not _is_header(line):
                latest.append(line)
            end = start
        self.last_lines.extend(reversed(latest))

    def key_error(self) -> str:
        if self.exception:
            return self.exception
        if self.errors:
            return self.errors[-1][1]
        return _clip(" | ".join(line.strip() for line in self.last_lines))


def _error_lines(text: str, *, backward: bool = False) -> Iterator[str]:
    """The lines of `text` with an error word (see _ERROR) that are not headers, first
    first (last first when `backward`). Once one word is found, the others are looked
    for only between it and where the search stands, and a word not found in all that
    is left is not looked for again: a word the text lacks costs one search, and each
    error line a search of the few lines before (after) it, not of the whole text."""
    words, start, end = list(_ERROR_WORDS), 0, len(text)
    while words:
        best = -1
        for word in tuple(words):
            if backward:
                at = text.rfind(word, start if best < 0 else best + 1, end)
            else:
                at = text.find(word, start, end if best < 0 else best + _LONGEST_WORD - 1)
            if at < 0:
                if best < 0:  # looked for in all that is left
                    words.remove(word)
            elif best < 0 or (at > best if backward else at < best):
                best = at
        if best < 0:
            return
        line_start, line_end, line = _line_around(text, best)
        if _ERROR.search(line) and not _is_header(line):
            yield line
        if backward:
            end = line_start
        else:
            start = line_end


def _unindented_lines(text: str, after: int) -> Iterator[str]:
    """The lines that start past `after` (a line end, or -1 for all) with no space."""
    if after < 0 and text[:1] and not text[:1].isspace():
        yield _line_around(text, 0)[2]
    position = max(after, 0)
    while match := _UNINDENTED.search(text, position):
        _, position, line = _line_around(text, match.start() + 1)
        yield line


def _line_around(text: str, position: int) -> tuple[int, int, str]:
    """Where the line holding `position` starts and ends (its "\\n" or the text's
    end), and the line without the "\\r"s it ends in, as a line read alone was
    `rstrip("\\r\\n")`ped."""
    start = text.rfind("\n", 0, position) + 1
    stop = text.find("\n", position)
    stop = len(text) if stop < 0 else stop
    return start, stop, text[start:stop].rstrip("\r")


def _is_header(line: str) -> bool:
    """`==> file <==`: where the extract's next lines come from, not a log line."""
    return line.startswith("==> ") and line.endswith(" <==")


def _timestamp(line: str) -> str | None:
    match = _TIMESTAMP.match(line)
    return match.group(1).replace("T", " ") if match else None


def _clip(line: str) -> str:
    return line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + "…"


def _within_budget(summary: dict[str, Any]) -> dict[str, Any]:
    """Drop the oldest error lines until the JSON fits SUMMARY_MAX_BYTES."""
    while len(json.dumps(summary).encode()) > SUMMARY_MAX_BYTES and summary["error_lines"]:
        summary["error_lines"].pop(0)
    return summary
