"""Secret shapes that need their context, for `redact`: a value with no key name of its
own (`curl -u user:x`, `sshpass -p x`, `.pgpass` lines, `(admin:pw@host)`), or a key
name that must be read first (`<add key="Password" value="x"/>`, JSON `"pass\\u0077ord"`).
Each rule is tried where its context word was found, so `-preset` and `-pix_fmt` in
an ffmpeg line stay as they are."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from process_report.secret_shapes import _Rule, _value

_PASSWORD_COMMAND = re.compile(
    rb"(?i)(?<![\w.-])(?:mysql\w*|mariadb\w*|sshpass|smbclient|ldapsearch)(?:\.exe)?[ \t]"
)
_PASSWORD_FLAG = re.compile(rb"-p(?:(?=[^\s-])|[ \t]+(?=[^\s-]))" + _value())


def _password_flag(data: bytes, position: int) -> re.Match[bytes] | None:
    """`-pX` / `-p X`, a password only after a command that takes one so (`mysql -pX`,
    `sshpass -p X`): ffmpeg's `-preset`, `-pix_fmt`, `-pass` are not."""
    if position > 0 and data[position - 1 : position] not in b" \t\"'":
        return None
    line_start = data.rfind(b"\n", max(0, position - 1024), position) + 1
    command = _PASSWORD_COMMAND.search(data, max(line_start, position - 1024), position)
    if command is None:
        return None
    # mysql reads `-p db` as a prompt and a database; sshpass, smbclient take the password
    separate = data[position + 2 : position + 3] in (b" ", b"\t")
    if separate and not re.match(rb"(?i)sshpass|smbclient", command[0]):
        return None
    return _PASSWORD_FLAG.match(data, position)


def _from_token_start(pattern: bytes) -> Callable[[bytes, int], re.Match[bytes] | None]:
    """A rule whose trigger lies inside its match: the pattern is tried from the start of
    the whitespace-delimited token around the trigger (at most 256 bytes before it)."""
    compiled = re.compile(pattern)

    def match(data: bytes, position: int) -> re.Match[bytes] | None:
        low = max(0, position - 256)
        start = max(data.rfind(c, low, position) for c in (b" ", b"\t", b"\n", b"(", b"=")) + 1
        return compiled.match(data, max(start, low))

    return match


_SENSITIVE_KEY = re.compile(
    rb"(?i)pass|pwd|secret|token|credential|api[_-]?key|private[_-]?key|connectionstring"
)


def _sensitive_key_only(pattern: bytes, group: str = "k") -> Callable[..., re.Match[bytes] | None]:
    """A rule that names its key in group `k`: a match only when that key is sensitive
    (`<add key="Password" value="x"/>`; JSON `"pass\\u0077ord": "x"` decoded first)."""
    compiled = re.compile(pattern)

    def match(data: bytes, position: int) -> re.Match[bytes] | None:
        start = data.rfind(b'"', max(0, position - 128), position) if group == "json" else -1
        found = compiled.match(data, start if start >= 0 else position)
        if found is None:
            return None
        key = found["k"]
        if group == "json":
            try:
                key = json.loads(b'"' + key + b'"').encode("utf-8", "replace")
            except ValueError:
                return None
        return found if _SENSITIVE_KEY.search(key) else None

    return match


# Shapes that carry no key name of their own, tried where their context word is found.
_CONTEXT_RULES = {
    # `curl -u admin:x`, `--user admin:x`: the part after the colon
    b"-u ": _Rule(re.compile(rb"-u[ \t]+[\"']?[^\s:\"']{1,256}:(?P<bare>[^\s\"']{1,1024})").match),
    b"--user ": _Rule(
        re.compile(rb"--user[ \t]+[\"']?[^\s:\"']{1,256}:(?P<bare>[^\s\"']{1,1024})").match
    ),
    # SQL: `IDENTIFIED BY 'x'`, `IDENTIFIED BY PASSWORD 'x'`
    b"identified by": _Rule(
        re.compile(rb"(?i)[ \t]+(?:password[ \t]+)?" + _value()).match, after=True
    ),
    # URL parameters named for a password: `?pw=`, `&p=`, `loginpas=` (an IP camera's)
    **{
        trigger: _Rule(re.compile(rb"(?P<bare>[^\s&#\"'<>]{1,4096})").match, after=True)
        for trigger in (b"pw=", b"pas=", b"?p=", b"&p=", b";p=")
    },
    # `password is x`
    b"password is ": _Rule(re.compile(rb"(?P<bare>[^\s&]{1,4096})").match, after=True),
    # .netrc: `machine h login u password x`
    b"machine": _Rule(
        re.compile(
            rb"machine[ \t]+\S{1,256}(?:[ \t]+(?:login|account)[ \t]+\S{1,256})*"
            rb"[ \t]+password[ \t]+(?P<bare>\S{1,4096})"
        ).match
    ),
    # .pgpass: `host:port:database:user:password`
    **{
        trigger: _Rule(
            _from_token_start(
                rb"[^\s:]{1,253}:(?:\d{1,5}|\*):[^\s:]{1,64}:[^\s:]{1,64}:(?P<bare>\S{1,1024})"
            )
        )
        for trigger in (b":5432:", b":6432:", b":*:")
    },
    # credentials without a scheme: `lobby (admin:SECRET@10.0.0.5)`
    b"@": _Rule(
        _from_token_start(
            rb"(?!mailto:)(?![^\s@]*://)[^\s:@/()\"'<>]{1,64}:(?P<pw>[^\s@()\"'<>]{1,256})"
            rb"@(?=[\w-]{1,63}(?:\.[\w-]{1,63})*|\[)"
        )
    ),
    # .NET config: `<add key="Password" value="x"/>`
    b"<add key=": _Rule(
        _sensitive_key_only(
            rb"(?i)<add[ \t]+key=\"(?P<k>[^\"]{0,64})\"[ \t]+value=\"(?P<dq>[^\"]{0,4096})\""
        )
    ),
    # JSON with escaped letters in a key: `"pass\u0077ord": "x"`
    b"\\u00": _Rule(
        _sensitive_key_only(
            rb'"(?P<k>(?:[^"\\\r\n]|\\.){1,96})"[ \t]*:[ \t]*"(?P<dq>(?:[^"\\\r\n]|\\.){0,4096})"',
            "json",
        )
    ),
}
