"""A maintained catalogue of secret shapes: gitleaks' rules, pinned, read for Python.

Our own rules in `redact` know the notations of a log line; gitleaks (MIT licence, its
text beside the copy) keeps the shapes of some two hundred providers' tokens up to date
(Notion `ntn_`, Sourcegraph `sgp_`, Sentry `sntrys_`, Bedrock `ABSK`, ...), each with the
keywords that must appear for it to apply, an entropy floor and allowlists. The copy is
`catalogue_data/gitleaks.toml`, pinned at `UPSTREAM`; nothing is fetched at run time.

Go's regular expressions (RE2) differ a little from Python's; `translate` bridges what
the catalogue uses: `\\z`, POSIX classes (`[[:alnum:]]`), and global flags in the middle
of a pattern (`...(?i)...`, which Python refuses), scoped to the end of their group.

How to update: take `config/gitleaks.toml` and `LICENSE` of a newer gitleaks commit into
`catalogue_data/`, set `UPSTREAM` to that commit, regenerate the true-positive examples
(`python -m dev.gitleaks_tps <gitleaks checkout>`, from `cmd/generate/config/rules`) and
run tests/process_report/test_secret_catalogue.py and test_redact.py: the catch rates
and the benign corpus say whether the new rules may ship.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from importlib import resources
from typing import Any, NamedTuple

import ahocorasick_rs

UPSTREAM = {
    "repository": "https://github.com/gitleaks/gitleaks",
    "path": "config/gitleaks.toml",
    "commit": "b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b",
    "version": "v8.30.0-27-gb58d3f10",
}
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_GLOBAL_FLAGS = re.compile(r"\(\?([a-zA-Z]+)\)")
_POSIX = re.compile(r"\[:(\w+):\]")


def translate(pattern: str) -> str:
    """A Go (RE2) pattern as an equivalent Python one."""
    out: list[str] = []
    # per open group: the flags set in its middle, each scoped by a group of its own that
    # closes at the group's end, and again at each `|` (Go keeps them for later branches)
    flag_groups: list[list[str]] = [[]]
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            pair = pattern[i : i + 2]
            out.append("\\Z" if pair == "\\z" else pair)
            i += 2
            continue
        if in_class:
            posix = _POSIX.match(pattern, i)
            if posix:
                out.append(_POSIX_CLASSES[posix[1]])
                i = posix.end()
                continue
            if char == "]" and not out[-1].endswith("["):
                in_class = False
            elif char == "[" or (char in "&~|-" and pattern[i - 1] == char):
                char = "\\" + char  # Python reads `[[` and `--` as future set syntax
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char + "^" if pattern.startswith("[^", i) else char)
            i += 2 if pattern.startswith("[^", i) else 1
            if pattern.startswith("]", i):  # a leading `]` is a literal
                out.append("\\]")
                i += 1
            continue
        elif flags := _GLOBAL_FLAGS.match(pattern, i):
            if i == 0:
                out.append(flags[0])
            else:  # Python: global flags only at the start; scope them to their group
                out.append(f"(?{flags[1]}:")
                flag_groups[-1].append(flags[1])
            i = flags.end()
            continue
        elif char == "(":
            flag_groups.append([])
            out.append(char)
        elif char == ")":
            out.append(")" * len(flag_groups.pop()) + char)
        elif char == "|" and flag_groups[-1]:
            scoped = flag_groups[-1]
            out.append(")" * len(scoped) + "|" + "".join(f"(?{f}:" for f in scoped))
        else:
            out.append(char)
        i += 1
    out.append(")" * len(flag_groups.pop()))
    return "".join(out)


def _compile(pattern: str) -> re.Pattern[bytes]:
    return re.compile(translate(pattern).encode())


class Allowlist(NamedTuple):
    """What a rule (or the whole catalogue) lets through: a secret, its whole match or
    its line matching one of `regexes`, or a secret holding one of `stopwords`; with
    `require_all`, both kinds must agree (gitleaks' condition AND)."""

    target: str  # "secret", "match" or "line"
    regexes: tuple[re.Pattern[bytes], ...]
    stopwords: ahocorasick_rs.BytesAhoCorasick | None
    require_all: bool

    def allows(self, secret: bytes, match: bytes, line: bytes) -> bool:
        subject = {"match": match, "line": line}.get(self.target, secret)
        checks = []
        if self.regexes:
            checks.append(any(regex.search(subject) for regex in self.regexes))
        if self.stopwords is not None:
            checks.append(bool(self.stopwords.find_matches_as_indexes(secret.lower())))
        if not checks:
            return False
        return all(checks) if self.require_all else any(checks)


class CatalogueRule(NamedTuple):
    """One of the catalogue's rules, compiled for bytes."""

    id: str
    keywords: tuple[str, ...]  # lower case; the rule applies only where one appears
    pattern: re.Pattern[bytes]
    secret_group: int  # 0: the first group that matched, or the whole match
    entropy: float  # a secret below this Shannon entropy (bits per byte) is not one
    allowlists: tuple[Allowlist, ...]
    multiline: bool  # its match may span many lines (a YAML document), not one or two

    def secret(self, match: re.Match[bytes], line: bytes) -> tuple[int, int] | None:
        """The span of the secret in this match, unless the rule lets it through."""
        group = self.secret_group
        if not group:  # gitleaks: the first non-empty group, else the whole match
            group = next((g for g in range(1, (match.re.groups or 0) + 1) if match[g]), 0)
        start, end = match.span(group)
        secret = match[group] or b""
        if not secret or (self.entropy and shannon_entropy(secret) < self.entropy):
            return None
        whole = match[0]
        if any(allow.allows(secret, whole, line) for allow in self.allowlists):
            return None
        return start, end


def shannon_entropy(data: bytes) -> float:
    """Bits per byte, as gitleaks computes a secret's entropy."""
    counts = Counter(data)
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())


def _allowlist(spec: dict[str, Any]) -> Allowlist | None:
    """An allowlist of the catalogue; None for one that only names file paths (there
    are no paths in a log line, so it never applies)."""
    words = [w.lower().encode() for w in spec.get("stopwords", ())]
    regexes = tuple(_compile(r) for r in spec.get("regexes", ()))
    require_all = spec.get("condition", "OR").upper() == "AND"
    if (not regexes and not words) or (require_all and spec.get("paths")):
        return None
    return Allowlist(
        spec.get("regexTarget", "secret"),
        regexes,
        ahocorasick_rs.BytesAhoCorasick(words) if words else None,
        require_all,
    )


def load(text: str | None = None) -> list[CatalogueRule]:
    """The catalogue's rules (the pinned copy unless `text` is given), each with the
    global allowlist after its own. Rules without a pattern (file names only) and
    without keywords (they would run on every byte) are left out."""
    if text is None:
        text = resources.files(__package__).joinpath("catalogue_data/gitleaks.toml").read_text()
    config = tomllib.loads(text)
    global_allow = _allowlist(config.get("allowlist", {}))
    rules = []
    for spec in config["rules"]:
        if not spec.get("regex") or not spec.get("keywords"):
            continue
        allows = [_allowlist(a) for a in spec.get("allowlists", ())] + [global_allow]
        rules.append(
            CatalogueRule(
                spec["id"],
                tuple(k.lower() for k in spec["keywords"]),
                _compile(spec["regex"]),
                spec.get("secretGroup", 0),
                float(spec.get("entropy", 0.0)),
                tuple(a for a in allows if a is not None),
                "(?s" in spec["regex"] or "[\\s\\S" in spec["regex"],
            )
        )
    return rules
