"""An error's signature: its key error line with the parts that vary masked.

Two failures with the same cause rarely log the same line (another UUID, file, port or
count), so the report groups failures by signature instead. Masking follows Sentry's
message parameterization: the most specific shapes first, so a URL is not half-eaten by
the path or number rules.
"""

from __future__ import annotations

import re

from process_report.logs.format import UUID_PATTERN

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+"), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (re.compile(rf"\b{UUID_PATTERN}\b"), "<uuid>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b"), "<ip>"),
    (re.compile(r"\"[^\"]*\"|'[^']*'"), "<str>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.@~-]+){2,}[\\/]?"), "<path>"),
    # hex: 0x-prefixed, or 8+ hex digits mixing letters and digits (ids, hashes)
    (
        re.compile(
            r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])"
            r"[0-9a-fA-F]{8,}\b"
        ),
        "<hex>",
    ),
    (re.compile(r"(?<![\w<])[-+]?\d+(?:\.\d+)?(?![\w>])"), "<num>"),
]
_SPACES = re.compile(r"\s+")


def signature(key_error: str) -> str:
    """The masked form of `key_error`, whitespace folded."""
    text = key_error
    for pattern, token in _RULES:
        text = pattern.sub(token, text)
    return _SPACES.sub(" ", text).strip()
