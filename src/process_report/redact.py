"""Secrets out of log text before it leaves the task: known values and secret shapes.

Log extracts travel into the email and the archive, so anything that looks like a
credential is replaced first (and escaped for HTML later, never the other way round).
Works on bytes because log text arrives as bytes and ASCII lower-casing keeps offsets.

The shapes are matched by regular expressions, but those run only on lines that contain
one of a few trigger words (found by one Aho-Corasick pass), and only the rules those
words call for, so clean text costs a single scan: the extracts of a bad day are a
hundred megabytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

import ahocorasick_rs

MARK = b"[REDACTED]"
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_MIN_KNOWN_LENGTH = 6  # shorter "secrets" would redact ordinary words
STREAM_LINE_MAX = 1 << 20  # redact_stream holds at most this much of one line

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?(?:-----END \1-----|\Z)", re.S)
_URL_PASSWORD = re.compile(rb"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(@)")
_AUTHORIZATION = re.compile(rb"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n]+")
_BEARER = re.compile(rb"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*")
_KEY_VALUE = re.compile(
    rb"(?i)((?:\b|_)(?:password|passwd|pwd|secret|token|api[_-]?key)[\"']?\s*[:=]\s*"
    rb"[\"']?)[^\s\"'&,;]+"
)
_JWT = re.compile(rb"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_AWS_KEY_ID = re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# (shape, replacement), in the order they are applied to a line.
_LINE_RULES: list[tuple[re.Pattern[bytes], bytes]] = [
    (_URL_PASSWORD, rb"\1" + MARK + rb"\2"),  # user:password@ in any URL
    (_AUTHORIZATION, rb"\1" + MARK),  # Authorization headers, whatever the scheme
    (_BEARER, rb"\1" + MARK),  # bearer tokens outside headers
    (_KEY_VALUE, rb"\1" + MARK),  # key=value and "key": "value" forms
    (_JWT, MARK),
    (_AWS_KEY_ID, MARK),
]
# Lower-case words without which a rule cannot match, and the rule each one calls for:
# a line runs only the rules its words call for.
_TRIGGERS: dict[bytes, int] = {
    b"://": 0,
    b"authorization": 1,
    b"bearer": 2,
    **dict.fromkeys(
        [b"password", b"passwd", b"pwd", b"secret", b"token", b"api_key", b"api-key", b"apikey"],
        3,
    ),
    b"eyj": 4,
    b"akia": 5,
    b"asia": 5,
}


class Redactor:
    """Replaces known secret values (e.g. the clients' API keys) and secret shapes."""

    def __init__(self, known_values: Iterable[str] = ()) -> None:
        known = sorted(
            {v.encode() for v in known_values if v and len(v) >= _MIN_KNOWN_LENGTH},
            key=len,
            reverse=True,
        )
        self._known = (
            ahocorasick_rs.BytesAhoCorasick(
                known, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
            )
            if known
            else None
        )
        self._triggers = ahocorasick_rs.BytesAhoCorasick(list(_TRIGGERS))
        self._rule_of = list(_TRIGGERS.values())

    def redact(self, data: bytes) -> bytes:
        if self._known is not None:
            data = _replace_spans(
                data, [(s, e) for _, s, e in self._known.find_matches_as_indexes(data)]
            )
        if b"-----BEGIN " in data:
            data = _PEM.sub(b"[REDACTED PEM BLOCK]", data)
        lower = data.translate(_ASCII_LOWER)  # twice as fast as bytes.lower()
        hits = self._triggers.find_matches_as_indexes(lower, overlapping=True)
        if not hits:
            return data
        rules: dict[tuple[int, int], set[int]] = defaultdict(set)
        for trigger, start, _ in hits:
            rules[_line_span(data, start)].add(self._rule_of[trigger])
        return _redact_lines(data, sorted(rules.items()))

    def redact_stream(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """Redact a stream of bytes cut anywhere, in bounded memory: text is redacted in
        whole lines, and a line longer than STREAM_LINE_MAX in pieces of that size."""
        carry = b""
        for block in blocks:
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if not cut and len(data) >= STREAM_LINE_MAX:
                cut = len(data)
            carry = data[cut:]
            if cut:
                yield self.redact(data[:cut])
        if carry:
            yield self.redact(carry)

    def redact_text(self, text: str) -> str:
        return self.redact(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")


def _line_span(data: bytes, position: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    return start, len(data) if end < 0 else end


def _redact_lines(data: bytes, lines: list[tuple[tuple[int, int], set[int]]]) -> bytes:
    """Each (start, end) line with the rules it calls for, lines in order."""
    pieces, cursor = [], 0
    for (start, end), rules in lines:
        line = data[start:end]
        for rule in sorted(rules):
            pattern, replacement = _LINE_RULES[rule]
            line = pattern.sub(replacement, line)
        pieces += [data[cursor:start], line]
        cursor = end
    pieces.append(data[cursor:])
    return b"".join(pieces)


def _replace_spans(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    if not spans:
        return data
    pieces, cursor = [], 0
    for start, end in spans:
        pieces += [data[cursor:start], MARK]
        cursor = end
    pieces.append(data[cursor:])
    return b"".join(pieces)
