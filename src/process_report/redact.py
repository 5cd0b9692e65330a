"""Secrets out of text before it leaves a task: known values and secret shapes.

Log extracts travel into the email, XCom, task logs and the archive, so anything that
looks like a credential is replaced first (and escaped for HTML later, never the other
way round). Works on bytes because log text arrives as bytes and ASCII lower-casing
keeps offsets.

What counts as a secret:

- known values (the clients' API keys), anywhere;
- the value of any key whose name contains a sensitive word, in every notation a log
  line uses: `key=v`, `key: v`, `"key": "v"` (to the closing quote, escapes honoured),
  `\\"key\\": \\"v\\"`, URL-encoded (`key%3Dv`, `%22key%22%3A%22v%22`), camelCase
  (`clientSecret`), command-line flags (`--password v`, `-pV`), a value on the line
  after its key (`password:` then the value), headers (`Cookie:`, `Authorization:` to
  the end of the line). The words are Airflow's DEFAULT_SENSITIVE_FIELDS (its secrets
  masker), Sentry's DEFAULT_DENYLIST and detect-secrets' KeywordDetector DENYLIST;
  short ones (`key`, `auth`, `pass`, `sig`, `sid`) count only as a whole part of the
  key (`AccountKey`, `x-auth`, `sig`), not inside `monkey` or `author`;
- `user:password@` in URLs (also URL-encoded);
- the well-known token formats of the big providers, with no key name beside them,
  ported from gitleaks' rules (config/gitleaks.toml; the rule ids are noted beside each)
  and detect-secrets' detectors; private-key blocks.

Speed: one Aho-Corasick pass over the lower-cased text finds the trigger words (the
sensitive words, the token prefixes, `://`...), and only the rules a trigger calls for
are tried, anchored where it was found. Clean text costs a single scan; the extracts
of a bad day are a hundred megabytes. The detect-secrets package itself runs every
detector's regular expressions on every line, far too slow for that.

The shapes live in `secret_shapes` (by notation) and `secret_context` (those that need
their context: `sshpass -p x`, `.pgpass` lines); gitleaks' catalogue in
`secret_catalogue`, its keywords joining the same pass.

Redaction finds spans of the original text and replaces each with MARK, so the rules
never see each other's output, and a stream can be redacted in pieces that give the
same text as redacting it whole (`redact_stream`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from urllib.parse import quote

import ahocorasick_rs

from process_report import secret_catalogue
from process_report.secret_context import _CONTEXT_RULES, _password_flag
from process_report.secret_shapes import (
    _BARE_URL_USERINFO,
    _ENCODED_USERINFO,
    _HEADER_NAMES,
    _KEY_VALUE,
    _NAMES,
    _PART_FOLLOWERS,
    _PART_NAMES,
    _TOKENS,
    _URL_USERINFO,
    _USERINFO,
    _part_name,
    _Rule,
    _secret,
)

MARK = b"[REDACTED]"
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_MIN_KNOWN_LENGTH = 6  # shorter "secrets" would redact ordinary words
STREAM_LINE_MAX = 1 << 20  # redact_stream holds at most about this much of one line
# redact_stream works in pieces of about _ROUND bytes (small enough to stay in cache),
# each cut at a line end with _LOOKAHEAD bytes after it in view and _CONTEXT before it.
# No match spans more than ~12 KB (values 4 KB, a JWT 12 KB, private keys 8 KB), so every
# match that starts before a cut, and any it overlaps, is seen whole; the context serves
# look-behinds.
_ROUND = 256 << 10
_LOOKAHEAD = 48 << 10
_CONTEXT = 1 << 10
# Each piece looks for matches that start up to _CHAIN bytes past its cut (a secret that
# starts before the cut and those it overlaps), not in all of its look-ahead, which the
# next piece reads again; _REACH covers a trigger found after the start of its match
# (at most 86 bytes) and the length of a known value.
_CHAIN = 16 << 10
_REACH = 4 << 10


def _rule_table() -> dict[bytes, list[_Rule]]:
    """Trigger word (lower case) -> the rules it calls for."""
    table: dict[bytes, list[_Rule]] = defaultdict(list)
    key_value = _Rule(re.compile(_KEY_VALUE).match, after=True, flag=True)
    for name in _NAMES:
        for spelling in {name, name.replace("_", "-"), name.replace("_", "")}:
            table[spelling.encode()].append(key_value)
    for name in _PART_NAMES:
        rule = _Rule(re.compile(_part_name(name) + _KEY_VALUE).match, flag=True)
        for follower in _PART_FOLLOWERS:  # `key=`, `key"`, `key_`: not `keyboard`, `key frame`
            table[name.encode() + follower].append(rule)
        for space in (b" ", b"\t"):  # a flag and its value: `--key v`, `--account-key v`
            table[b"-" + name.encode() + space].append(rule._replace(at=1))
    header = re.compile(rb"[\w-]{0,16}[ \t]*:[ \t]*(?P<bare>[^\r\n]{1,4096})").match
    for name in _HEADER_NAMES:
        table[name.encode()].append(_Rule(header, after=True))
    bearer = re.compile(rb"[ \t]+(?P<bare>[\w\-.~+/]{1,4096}=*)").match
    table[b"bearer"].append(_Rule(bearer, after=True))
    table[b"://"].append(_Rule(re.compile(_USERINFO).match, after=True))
    table[b"%3a%2f%2f"].append(_Rule(re.compile(_ENCODED_USERINFO).match, after=True))
    table[b"-p"].append(_Rule(_password_flag))
    for trigger, rule in _CONTEXT_RULES.items():
        table[trigger].append(rule)
    for triggers, pattern, at in _TOKENS:
        rule = _Rule(re.compile(pattern).match, at=at)
        for trigger in triggers:
            table[trigger.encode()].append(rule)
    return table


_RULES = _rule_table()
# gitleaks' catalogue: each rule is searched for in the line of one of its keywords (and
# the next line, where a value may continue), once per line however many keywords it has.
_CATALOGUE = secret_catalogue.load()
_CATALOGUE_RULES: dict[bytes, list[int]] = defaultdict(list)
for _index, _rule in enumerate(_CATALOGUE):
    for _keyword in _rule.triggers:
        _CATALOGUE_RULES[_keyword.encode()].append(_index)
_CATALOGUE_BEFORE = 256  # a catalogue match starts at most this far before its keyword
_CATALOGUE_AFTER = 4 << 10  # ...and ends at most this far after it
_TRIGGER_WORDS = list(_RULES.keys() | _CATALOGUE_RULES.keys())
_RULES_BY_TRIGGER = [tuple(_RULES.get(word, ())) for word in _TRIGGER_WORDS]
_CATALOGUE_BY_TRIGGER = [tuple(_CATALOGUE_RULES.get(word, ())) for word in _TRIGGER_WORDS]
# A DFA: with this many patterns it finds them twice as fast as the default automaton.
_TRIGGERS = ahocorasick_rs.BytesAhoCorasick(
    _TRIGGER_WORDS, implementation=ahocorasick_rs.Implementation.DFA
)


class Redactor:
    """Replaces known secret values (e.g. the clients' API keys) and secret shapes."""

    def __init__(self, known_values: Iterable[str] = ()) -> None:
        # found in any case and URL-encoded too (`%2B`, `%2b`): matched on lower-case text
        values = [v for v in known_values if v and len(v) >= _MIN_KNOWN_LENGTH]
        known = sorted(
            {f.encode().translate(_ASCII_LOWER) for v in values for f in (v, quote(v, safe=""))},
            key=len,
            reverse=True,
        )
        # A DFA, as _TRIGGERS: the same matches, 2.0 instead of 3.1 ns a byte with the big
        # day's 300 keys (or 3,000), and every extract's text goes through it
        self._known = (
            ahocorasick_rs.BytesAhoCorasick(
                known,
                matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST,
                implementation=ahocorasick_rs.Implementation.DFA,
            )
            if known
            else None
        )

    def redact(self, data: bytes) -> bytes:
        """`data` with every secret replaced by MARK. Log text comes here decoded, its
        NUL bytes removed (logs/: and the cap's gap lines, which start with one, pass
        through); other text goes through `redact_text`."""
        return self._redact_from(data, 0)

    def redact_stream(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """Redact a stream of bytes cut anywhere, in bounded memory, into the same text as
        redacting it whole: pieces end at a line end (inside a line only when it is
        longer than STREAM_LINE_MAX), a key at the end of one piece is redacted with its
        value in the next, and the text just before a cut is kept for look-behinds."""
        pending, start = bytearray(), 0
        for block in blocks:
            pending += block
            while (piece := self._next_piece(pending, start)) is not None:
                done, keep, start = piece
                del pending[:keep]
                yield done
        if len(pending) > start:
            yield self._redact_from(bytes(pending), start)

    def redact_text(self, text: str) -> str:
        """`text` redacted, without its NUL bytes: one would hide a key name
        (`pass\\0word=`) or a known value from the rules."""
        data = text.replace("\0", "").encode("utf-8", "surrogatepass")
        return self.redact(data).decode("utf-8", "replace")

    def _redact_from(self, data: bytes, start: int) -> bytes:
        """data[start:] redacted; data[:start] is context already redacted and emitted."""
        spans = [(s - start, e - start) for _, s, e in self._matches(data, start, len(data))]
        return _replace_spans(data[start:], spans)

    def _next_piece(self, pending: bytearray, start: int) -> tuple[bytes, int, int] | None:
        """The next piece of a stream, redacted: its new text (from `start`) runs to the
        last line end within _ROUND bytes, or within STREAM_LINE_MAX bytes when no line
        ends sooner, or to STREAM_LINE_MAX inside a longer line. None until that much
        and _LOOKAHEAD more have arrived."""
        for size in (_ROUND, STREAM_LINE_MAX):
            end = start + size
            if len(pending) < end + _LOOKAHEAD:
                return None
            cut = pending.rfind(b"\n", start, end) + 1
            if cut > start:
                break
        else:
            cut = end
        return self._redact_to_cut(bytes(memoryview(pending)[: end + _LOOKAHEAD]), start, cut)

    def _redact_to_cut(self, data: bytes, start: int, cut: int) -> tuple[bytes, int, int]:
        """data[start:] redacted up to `cut`, pushed past every match that starts before
        it. Returns the redacted text, where the rest (with _CONTEXT bytes of context)
        begins in data, and where its new text starts."""
        stop = min(len(data), cut + _CHAIN)
        spans, end = _spans_before(self._matches(data, start, stop), start, cut)
        if end > stop:  # a chain of secrets ran past what was searched: search it all
            spans, end = _spans_before(self._matches(data, start, len(data)), start, cut)
        keep = max(0, end - _CONTEXT)
        return _replace_spans(data[start:end], spans), keep, end - keep

    def _matches(self, data: bytes, start: int, stop: int) -> list[tuple[int, int, int]]:
        """Every secret in data whose match starts in [start, stop), as (match start,
        secret start, secret end), in order. The secret itself may run past `stop`."""
        searched = data[: stop + _REACH]
        found = []
        lower = searched.translate(_ASCII_LOWER)  # twice as fast as bytes.lower()
        if self._known is not None:
            found += [
                (s, s, e)
                for _, s, e in self._known.find_matches_as_indexes(lower)
                if start <= s < stop
            ]
        windows: dict[int, int] = {}  # catalogue rule -> the window it was last searched in
        for trigger, hit_start, hit_end in _TRIGGERS.find_matches_as_indexes(
            lower, overlapping=True
        ):
            for match_at, at, after, flag in _RULES_BY_TRIGGER[trigger]:
                position = (hit_end if after else hit_start) + at
                match = match_at(data, position) if position >= 0 else None
                secret = match and _secret(match, data, hit_start, flag)
                if secret and start <= secret[0] < stop:
                    found.append(secret)
            if _CATALOGUE_BY_TRIGGER[trigger]:
                found += _catalogue_matches(
                    data, hit_start, hit_end, _CATALOGUE_BY_TRIGGER[trigger], windows, start, stop
                )
        found.sort()
        return found


def _catalogue_matches(
    data: bytes,
    hit_start: int,
    hit_end: int,
    rules: tuple[int, ...],
    windows: dict[int, int],
    start: int,
    stop: int,
) -> list[tuple[int, int, int]]:
    """The secrets of the catalogue's `rules` for a keyword found at [hit_start,
    hit_end): a rule whose match starts at its keyword is tried there; the others are
    searched for in the keyword's line and the next (where a value may continue), once
    per line, or around it for a rule that spans many lines."""
    found = []
    window = None
    for index in rules:
        rule = _CATALOGUE[index]
        if rule.anchored:
            match = rule.pattern.match(data, hit_start, hit_end + _CATALOGUE_AFTER)
            matches: Iterable[re.Match[bytes]] = (match,) if match else ()
        else:
            if rule.multiline:
                span = (max(0, hit_start - _CATALOGUE_BEFORE), hit_end + _CATALOGUE_AFTER)
            else:
                span = window = window or _keyword_lines(data, hit_start, hit_end)
            if windows.get(index) == span[0]:
                continue
            windows[index] = span[0]
            matches = rule.pattern.finditer(data, *span)
        for match in matches:
            if start <= match.start() < stop and (secret := rule.secret(match)):
                found.append((match.start(), *secret))
    return found


def _keyword_lines(data: bytes, hit_start: int, hit_end: int) -> tuple[int, int]:
    """The line of a keyword found at [hit_start, hit_end) and the next, within
    _CATALOGUE_BEFORE bytes before it and _CATALOGUE_AFTER after."""
    low = max(data.rfind(b"\n", 0, hit_start) + 1, hit_start - _CATALOGUE_BEFORE)
    line_end = data.find(b"\n", hit_end)
    next_end = data.find(b"\n", line_end + 1) if line_end >= 0 else -1
    return low, min(len(data) if next_end < 0 else next_end, hit_end + _CATALOGUE_AFTER)


def scrub_field(text: str) -> str:
    """A database field fit to be shown (a source URI, its alias, any free text): a URL's
    `user:password@` dropped (also after leading spaces, or in a URL without its scheme),
    then every secret shape redacted as in a log line (`?pw=`, `token=`, `(admin:pw@host)`,
    provider tokens)."""
    data = text.replace("\0", "").encode("utf-8", "surrogatepass")
    data = _BARE_URL_USERINFO.sub(rb"\1", _URL_USERINFO.sub(b"", data))
    return _SHAPES.redact(data).decode("utf-8", "replace")


def _spans_before(
    matches: list[tuple[int, int, int]], start: int, cut: int
) -> tuple[list[tuple[int, int]], int]:
    """The secrets (relative to `start`) of the matches that start before `cut`, the cut
    pushed past each of them, and where it ends up."""
    spans = []
    for match_start, secret_start, secret_end in matches:
        if match_start >= cut:
            break
        spans.append((secret_start - start, secret_end - start))
        cut = max(cut, secret_end)
    return spans, cut


def _replace_spans(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    """Each span replaced by MARK; overlapping spans become one, adjacent ones stay two
    (as they would across two pieces of a stream)."""
    if not spans:
        return data
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            cursor = max(cursor, end)
            continue
        pieces += [data[cursor:start], MARK]
        cursor = end
    pieces.append(data[cursor:])
    return b"".join(pieces)


_SHAPES = Redactor()
