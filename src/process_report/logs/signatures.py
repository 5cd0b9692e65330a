"""An error's signature: its key error line with the parts that vary masked, and the
short id the report's history knows it by.

Two failures with the same cause rarely log the same line (another UUID, file, port,
host, time or count), so the report groups failures by signature instead. Masking
follows Sentry's message parameterization: the most specific shapes first, so a URL is
not half-eaten by the path or number rules.

The history (history/) compares signature ids across days, so a change of these rules
would make yesterday's errors look new today. Any change that can alter a signature
must raise NORMALIZATION: the history then re-keys older days from the key error each
record keeps (history/archive.py) instead of reading their ids.

Normalization 1 masks, in this order: URLs, email addresses, UUIDs, ISO-8601 or
syslog-like timestamps, IPv4 (with port) and IPv6 addresses, quoted strings, paths of
two or more parts, host names (with a port, after `host=`, `localhost`, or ending in a
common public or internal suffix), hex ids (0x…, or 8+ hex digits mixing letters and digits),
numbers (also before a unit such as `300s` or `12MB`).
"""

from __future__ import annotations

import hashlib
import re

from process_report.logs.format import UUID_PATTERN

NORMALIZATION = 1
"""The version of the masking rules below; raise it with any change that can alter a
signature, so that history written under older rules is re-keyed."""

_HOST_SUFFIXES = (
    "com|net|org|io|dev|cloud|edu|gov|int|eu|fr|de|uk|us|local|localdomain|internal|"
    "lan|corp|intra|intranet|home|priv|private|example|test|invalid|svc|cluster"
)
# `name.py:42` is a source line, not a host and port
_SOURCE_FILES = r"(?:py|pyx|js|ts|java|go|c|cc|cpp|h|rb|rs|sh|log|txt|json|ya?ml)\b"
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+"), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (re.compile(rf"\b{UUID_PATTERN}\b"), "<uuid>"),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
        "<ts>",
    ),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b"), "<ip>"),
    (re.compile(r"\"[^\"]*\"|'[^']*'"), "<str>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.@~-]+){2,}[\\/]?"), "<path>"),
    (
        re.compile(
            rf"\b(?:{_HOST_LABEL}\.)+(?:{_HOST_SUFFIXES})\b(?::\d+)?(?![\w-])"
            rf"|\b(?:{_HOST_LABEL}\.)+(?!{_SOURCE_FILES}:){_HOST_LABEL}:\d{{2,5}}\b"
            rf"|(?<=\bhost=)(?:{_HOST_LABEL}\.)*{_HOST_LABEL}\b"
            rf"|\blocalhost\b(?::\d+)?"
        ),
        "<host>",
    ),
    # hex: 0x-prefixed, or 8+ hex digits mixing letters and digits (ids, hashes)
    (
        re.compile(
            r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])"
            r"[0-9a-fA-F]{8,}\b"
        ),
        "<hex>",
    ),
    # a number, alone or before a unit of at most three letters (300s, 12MB, 1080p)
    (re.compile(r"(?<![\w<])[-+]?\d+(?:\.\d+)?(?=[A-Za-z]{1,3}\b|(?![\w>]))"), "<num>"),
]
_SPACES = re.compile(r"\s+")


def signature(key_error: str) -> str:
    """The masked form of `key_error`, whitespace folded."""
    text = key_error
    for pattern, token in _RULES:
        text = pattern.sub(token, text)
    return _SPACES.sub(" ", text).strip()


def signature_id(masked: str) -> str:
    """The short, stable id of a signature (12 hex digits of its SHA-256): what the
    history keys days by, and what `known_issues` entries name."""
    return hashlib.sha256(masked.encode("utf-8")).hexdigest()[:12]


def error_id(key_error: str) -> str:
    """The signature id of a key error under today's rules (NORMALIZATION)."""
    return signature_id(signature(key_error))
