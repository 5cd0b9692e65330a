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
from re import _parser as sre_parse  # type: ignore[attr-defined]
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
    # the pattern began with gitleaks' `[\w.-]{0,50}?` before the key's name, left out
    # here: Python's backtracking would try it at every position, 50 ways; the match is
    # extended over those characters when an allowlist reads the whole match
    prefixed: bool = False
    # every keyword starts one of the key names the pattern begins with: the pattern is
    # tried where a keyword was found instead of searched for in the line
    anchored: bool = False
    # the words that call for it: its keywords, or, for a token with a fixed start, that
    # start and each character that may follow it (`sk0`..`skf`, not the `sk` of `task`)
    triggers: tuple[str, ...] = ()

    def secret(self, match: re.Match[bytes]) -> tuple[int, int] | None:
        """The span of the secret in this match, unless the rule lets it through."""
        group = self.secret_group
        if not group:  # gitleaks: the first non-empty group, else the whole match
            group = next((g for g in range(1, (match.re.groups or 0) + 1) if match[g]), 0)
        start, end = match.span(group)
        secret = match[group] or b""
        if not secret or (self.entropy and shannon_entropy(secret) < self.entropy):
            return None
        whole = match[0]
        if self.prefixed:
            whole = match.string[_prefix_start(match.string, match.start()) : match.end()]
        data = match.string
        line_start = data.rfind(b"\n", 0, match.start()) + 1
        line_end = data.find(b"\n", match.start())
        line = data[line_start : None if line_end < 0 else line_end]
        if any(allow.allows(secret, whole, line) for allow in self.allowlists):
            return None
        return start, end


_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_NAME_PREFIX = re.compile(r"\A(\(\?i\))?\[\\w\.-\]\{0,50\}\?")


def _prefix_start(data: bytes, start: int) -> int:
    """Where `[\\w.-]{0,50}?` before `start` would have begun gitleaks' match."""
    low = start
    while low > max(0, start - 50) and data[low - 1] in _NAME_BYTES:
        low -= 1
    return low


def _names_group(regex: str) -> str | None:
    """The group of key names a pattern starts with (`(?:access|auth|...)`), if any."""
    if not regex.startswith(("(?:", "(?i:", "(?i)(?:")):
        return None
    depth, i = 0, regex.index("(", 1 if regex.startswith("(?i)(") else 0)
    for j in range(i, len(regex)):
        if regex[j] == "\\":
            continue
        if regex[j] == "(" and regex[j - 1] != "\\":
            depth += 1
        elif regex[j] == ")" and regex[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return regex[i : j + 1]
    return None


def _token_triggers(regex: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
    """For a token pattern with a fixed start (`\\b(SK[0-9a-f]{32}`), that start and
    each character that may follow it, lower case; else the keywords. A match always
    holds one of them, so they call for the rule wherever its keywords would, less often."""
    nodes = list(sre_parse.parse(translate(regex)))
    while nodes and str(nodes[0][0]) in ("AT", "SUBPATTERN"):
        nodes = list(nodes[0][1][-1]) + nodes[1:] if str(nodes[0][0]) == "SUBPATTERN" else nodes[1:]
    literal = ""
    while nodes and str(nodes[0][0]) == "LITERAL":
        literal += chr(nodes.pop(0)[1]).lower()
    if not literal or not all(literal.startswith(k.lower()) for k in keywords):
        return keywords
    follow = nodes[0] if nodes else None
    if follow and str(follow[0]) == "MAX_REPEAT" and follow[1][0] >= 1 and len(follow[1][2]) == 1:
        follow = follow[1][2][0]
    chars: set[str] = set()
    if follow and str(follow[0]) == "IN":
        for op, arg in follow[1]:
            if str(op) == "LITERAL":
                chars.add(chr(arg).lower())
            elif str(op) == "RANGE" and arg[1] - arg[0] < 64:
                chars.update(chr(c).lower() for c in range(arg[0], arg[1] + 1))
            else:  # a category or a negation: any character may follow
                return (literal,)
    return tuple(sorted({literal + c for c in chars})) or (literal,)


_TOKEN_HEAD = re.compile(r"\A(?:\(\?i\))?(?:\\b)?\(?(?P<literal>[\w-]+)")


def _anchored(regex: str, keywords: tuple[str, ...], prefixed: bool) -> bool:
    """Whether a match always starts where one of its keywords does: each keyword starts
    one of the key names that begin a pattern (`prefixed`), or the fixed start of a token
    (`\\b(ntn_...`)."""
    if not prefixed:
        head = _TOKEN_HEAD.match(regex)
        literal = head["literal"].lower() if head else ""
        return bool(literal) and all(literal.startswith(k.lower()) for k in keywords)
    names = _names_group(regex)
    if names is None:
        return False
    pattern = re.compile(b"(?i)" + translate(names).encode())
    return all(pattern.match(keyword.encode()) for keyword in keywords)


def _triggers(regex: str, keywords: tuple[str, ...], prefixed: bool) -> tuple[str, ...]:
    lowered = tuple(k.lower() for k in keywords)
    if prefixed or not _anchored(regex, keywords, prefixed):
        return lowered
    return _token_triggers(regex, lowered)


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
        regex = spec["regex"]
        prefix = _NAME_PREFIX.match(regex)
        if prefix:
            regex = (prefix[1] or "") + regex[prefix.end() :]
        rules.append(
            CatalogueRule(
                spec["id"],
                tuple(k.lower() for k in spec["keywords"]),
                _compile(regex),
                spec.get("secretGroup", 0),
                float(spec.get("entropy", 0.0)),
                tuple(a for a in allows if a is not None),
                "(?s" in regex or "[\\s\\S" in regex,
                prefix is not None,
                _anchored(regex, tuple(spec["keywords"]), prefix is not None),
                _triggers(regex, tuple(spec["keywords"]), prefix is not None),
            )
        )
    return rules
