"""Secrets out of log text before it leaves the task: known values and secret shapes.

Log extracts travel into the email and the archive, so anything that looks like a
credential is replaced first (and escaped for HTML later, never the other way round).
Works on bytes because log text arrives as bytes and ASCII lower-casing keeps offsets.

The shapes are matched by regular expressions, but those run only on lines that contain
one of a few trigger words (found by one Aho-Corasick pass), so clean text costs a single
scan: the extracts of a bad day are tens of megabytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick_rs

MARK = b"[REDACTED]"
_MIN_KNOWN_LENGTH = 6  # shorter "secrets" would redact ordinary words

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?(?:-----END \1-----|\Z)", re.S)
_LINE_RULES: list[tuple[re.Pattern[bytes], bytes]] = [
    # user:password@ in any URL
    (re.compile(rb"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(@)"), rb"\1" + MARK + rb"\2"),
    # Authorization headers, whatever the scheme
    (re.compile(rb"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n]+"), rb"\1" + MARK),
    # bearer tokens outside headers
    (re.compile(rb"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"), rb"\1" + MARK),
    # key=value and "key": "value" forms
    (
        re.compile(
            rb"(?i)((?:\b|_)(?:password|passwd|pwd|secret|token|api[_-]?key)[\"']?\s*[:=]\s*"
            rb"[\"']?)[^\s\"'&,;]+"
        ),
        rb"\1" + MARK,
    ),
    # JSON Web Tokens
    (re.compile(rb"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MARK),
    # AWS access key ids
    (re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MARK),
]
_TRIGGERS = [
    b"://",
    b"authorization",
    b"bearer",
    b"password",
    b"passwd",
    b"pwd",
    b"secret",
    b"token",
    b"api_key",
    b"api-key",
    b"apikey",
    b"eyj",
    b"akia",
    b"asia",
]


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
        self._triggers = ahocorasick_rs.BytesAhoCorasick(_TRIGGERS)

    def redact(self, data: bytes) -> bytes:
        if self._known is not None:
            data = _replace_spans(
                data, [(s, e) for _, s, e in self._known.find_matches_as_indexes(data)]
            )
        if b"-----BEGIN " in data:
            data = _PEM.sub(b"[REDACTED PEM BLOCK]", data)
        lower = data.lower()
        hits = self._triggers.find_matches_as_indexes(lower)
        if not hits:
            return data
        return _redact_lines(data, sorted({_line_span(data, start) for _, start, _ in hits}))

    def redact_text(self, text: str) -> str:
        return self.redact(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")


def _line_span(data: bytes, position: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    return start, len(data) if end < 0 else end


def _redact_lines(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    pieces, cursor = [], 0
    for start, end in spans:
        line = data[start:end]
        for pattern, replacement in _LINE_RULES:
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
