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

Redaction finds spans of the original text and replaces each with MARK, so the rules
never see each other's output, and a stream can be redacted in pieces that give the
same text as redacting it whole (`redact_stream`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple
from urllib.parse import quote

import ahocorasick_rs

from process_report import secret_catalogue

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

# --- Key names ------------------------------------------------------------------------
# A value follows one of these anywhere inside a key's name (`clientSecret`,
# `aws_secret_access_key`, `dbPassword`), each also with `-` or nothing for `_`
# (`api-key`, `apikey`). Airflow's DEFAULT_SENSITIVE_FIELDS, Sentry's DEFAULT_DENYLIST
# (sentry_sdk/scrubber.py) and detect-secrets' KeywordDetector DENYLIST.
_NAMES = (
    "password", "passwd", "passphrase", "passcode", "pwd", "contrase", "secret", "token",
    "api_key", "access_key", "private_key", "priv_key", "credential", "authorization",
    "bearer", "connection_string", "dsn", "keyfile", "service_account", "service_key",
    "webhook", "proxy", "proxies", "session", "sessid", "cookie", "csrf", "xsrf",
    "signature", "symfony", "ip_address", "remote_addr", "x_forwarded_for", "x_real_ip",
)  # fmt: skip
# Too short to count inside another word: only as a whole part of the key's name
# (`key`, `AccountKey`, `ssh_key`, `x-auth`, `db_pass`, `sig`, `connect.sid`).
_PART_NAMES = ("key", "auth", "pass", "sig", "sid")
# What may follow such a name: its separator, its closing quote, or the rest of a longer
# name (`key_id`; `keyId` is lower-cased to `keyid` and left out). A space only before a
# separator (`key = v`): `key frame` is common in an encoder's log.
_PART_FOLLOWERS = [bytes([c]) for c in b"=:\"'`%\\[>_-.0123456789"] + [
    b" =",
    b" :",
    b"\t=",
    b"\t:",
]
# Header values run to the end of the line: `Cookie: a=1; b=2`, `Authorization: Digest ...`.
_HEADER_NAMES = ("cookie", "authorization")


def _value(name: bytes = b"") -> bytes:
    """A value, its groups' names prefixed with `name` (a pattern may hold two)."""
    return (
        rb"(?:\"(?P<%sdq>(?:[^\"\\\r\n]|\\.){0,4096})"  # "v", escapes honoured, to its quote
        rb"|'(?P<%ssq>(?:[^'\\\r\n]|\\.){0,4096})"  # 'v'
        # \"v\": JSON inside a JSON string, to the \" that is not an escaped \\\"
        rb"|\\\"(?P<%seq>(?:[^\"\\\r\n]|\\\\(?:\\\"|\\\\|[^\"\\\r\n])|\\[^\"\\\r\n]){0,4096})"
        rb"|&quot;(?P<%shq>(?:(?!&quot;)[^\r\n]){0,4096})"  # HTML-escaped quotes
        rb"|(?P<%sscheme>(?i:basic|bearer|digest|negotiate|ntlm|token|bot|sharedkey|sso-key"
        rb"|hmac)[ \t]+[^\s&]{1,4096})"  # an auth scheme and its credential
        # to the next space or '&', whatever it holds: quotes too, so `%22v%22` (a URL-encoded
        # JSON value) is taken whole, whatever quotes it holds
        # not code in a traceback's source line: `token = cache.get_token(scope)`
        rb"|(?![A-Za-z_][\w.]{0,64}\([\w.,'\" ]{0,64}\)(?![^\s&]))"
        rb"(?P<%sbare>[^\s&]{1,4096}))"
    ) % ((name,) * 6)


# the name's end: `Secret`, `_key[]`; not an exception's name (`NoCredentialsError: Unable`)
_KEY_REST = (
    rb"[\w.\-]{0,64}(?:\[[^\]\s]{0,32}\])?"
    rb"(?<!Error)(?<!Exception)(?<!Warning)(?<!Expired)(?<!Invalid)(?<!Missing)"
)
_KEY_CLOSE = rb"(?:\\?[\"'`]|%22|%2522|&quot;)?"
_SEPARATOR = (  # `=`, `:`, `=>`, `:=`, `==`, URL-encoded; the value may start a new line
    rb"(?:(?:[ \t]+(?:string|\[\]byte))?"  # Go: `var xToken string = "v"`
    rb"[ \t]*(?:=>|:{1,3}=|==|!=|\.=|\?=|\+=|[:=>]|%3[ADad]|%253[ADad])[ \t]*(?:\r?\n[ \t]*)?"
    rb"|[ \t]+(?=\\?[\"'])"  # `private_key "v"`
    rb"|(?<=[\"'])[ \t]*,[ \t]*(?=\\?[\"'])"  # `setProperty("X_TOKEN", "v")`
    rb"|\t+)"  # `password<TAB>v`
)
# `key=v` and the other notations, or a command-line flag and its value (`--password v`,
# group `flag`: the key must then start with '-', which the rule checks).
_KEY_VALUE = (
    _KEY_REST
    + rb"(?:"
    + _KEY_CLOSE
    + _SEPARATOR
    + _value()
    + rb"|(?P<flag>[ \t]+)(?![-\s])"
    + _value(b"flag_")
    + rb")"
)
_FLAG_START = re.compile(rb"(?<![\w.-])-[\w.-]*\Z")  # the key is a command-line flag


def _part_name(word: str) -> bytes:
    """`key` as a whole part of a name: `key`, `ssh_key`, `AccountKey`, `KEY`, `keyId`,
    not `monkey`, `keyboard` or `MONKEY`."""
    low, cap, up = word.encode(), word.capitalize().encode(), word.upper().encode()
    # ffmpeg's `Starting second pass: moving the moov atom` is not a `pass: value`
    return (
        rb"(?<!first )(?<!second )(?<!third )"
        rb"(?:(?<![A-Za-z])%s(?![a-z])|%s(?![a-z])|(?<![A-Z])%s(?![A-Za-z]))"
        % (
            low,
            cap,
            up,
        )
    )


# --- URLs -------------------------------------------------------------------------------
# After `scheme://`: `user:password@`, the password running to the last '@' of the URL
# (passwords hold '@', '/', '?' and ':' that no parser would read as theirs, but people
# write them; an '@' later in the URL costs some of the URL, never the secret), or
# `token@` (a token as the user name).
_USERINFO = (
    rb"(?:[^\s/?#@:\"'<>]*:(?!\d{1,5}[/?#])(?P<pw>[^\s\"<>]{0,1024})@"
    rb"|(?P<user>[^\s/?#@:\"'<>]{1,1024})@)"
)
_ENCODED_USERINFO = (  # the same inside a URL-encoded URL: https%3A%2F%2Fuser%3Apw%40host
    rb"(?i)(?:(?:[^\s&\"'<>%]|%(?!3a|40|2f)[0-9a-f]{2}){0,256}%3a"
    rb"(?P<pw>(?:[^\s&\"'<>%]|%(?!40)[0-9a-f]{2}){1,1024})%40"
    rb"|(?P<user>(?:[^\s&\"'<>%]|%(?!3a|40|2f)[0-9a-f]{2}){1,1024})%40)"
)
# A whole field that is a URL without its scheme: `admin:pw@192.168.1.10:554/stream1`.
_BARE_URL_USERINFO = re.compile(
    rb"\A(\s*)[^\s/?#@:\"'<>]+:(?!//|\d{1,5}[/?#])[^\s\"<>]*@(?=[\w.\[\]:-]+(?:[/?#]\S*)?\s*\Z)"
)
_URL_USERINFO = re.compile(rb"(?<=://)" + _USERINFO)

# --- Token formats ----------------------------------------------------------------------
_B = rb"(?<![A-Za-z0-9])"  # a token starts at a word boundary
# (trigger words, pattern, where to try it relative to the trigger's start)
_TOKENS: list[tuple[tuple[str, ...], bytes, int]] = [
    # gitleaks github-pat, github-oauth, github-app-token, github-refresh-token
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), _B + rb"gh[pousr]_[0-9A-Za-z]{36,251}", 0),
    (("github_pat_",), _B + rb"github_pat_\w{22,255}", 0),  # github-fine-grained-pat
    (  # gitlab-pat, -deploy-token, -runner-authentication-token, -ptt, -cicd-job-token...
        ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glimt-", "glsoat-", "glft-"),
        _B + rb"gl[a-z]{1,6}-[\w-]{20,255}(?:\.[\w-]{1,16}){0,2}",  # routable: `.01.xyz` too
        0,
    ),
    (("xox",), _B + rb"xox[abeoprs][.-][\w-]{10,255}", 0),  # slack-bot/user/legacy-token
    (("xapp-",), _B + rb"xapp-\d-[\w-]{10,255}", 0),  # slack-app-token
    (  # slack-webhook-url
        ("hooks.slack.com/",),
        rb"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,120}",
        0,
    ),
    (  # stripe-access-token, and webhook signing secrets
        ("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_", "whsec_"),
        _B + rb"(?:[sr]k_(?:live|test|prod)|whsec)_[0-9A-Za-z]{10,255}",
        0,
    ),
    (("aiza",), _B + rb"AIza[\w-]{35}", 0),  # gcp-api-key
    (("gocspx-",), _B + rb"GOCSPX-[\w-]{28}", 0),  # Google OAuth client secret
    (("ya29.",), _B + rb"ya29\.[\w-]{20,2048}", 0),  # Google OAuth access token
    (  # aws-access-token (detect-secrets AWSKeyDetector)
        ("akia", "asia", "abia", "acca", "a3t"),
        rb"(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
        0,
    ),
    (  # azure-ad-client-secret: xxxNQ~ and 31-34 more
        ("q~",),
        rb"(?<![A-Za-z0-9_~.])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}",
        -4,
    ),
    (  # Azure storage account key (detect-secrets AzureStorageKeyDetector): 64 bytes base64
        ("==",),
        rb"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==",
        -86,
    ),
    (("npm_",), _B + rb"npm_[A-Za-z0-9]{36}", 0),  # npm-access-token
    # gitleaks asks a key name beside these; their prefixes are distinctive enough alone
    (("dnkey-",), rb"(?i)" + _B + rb"dnkey-[\w=-]{26}-[\w=-]{52}", 0),  # defined-networking
    (  # new-relic-user-api-key, -browser-api-token, -insert-key
        ("nrak-", "nrjs-", "nrii-"),
        rb"(?i)" + _B + rb"NR(?:AK-[a-z0-9]{27}|JS-[a-f0-9]{19}|II-[a-z0-9-]{32})",
        0,
    ),
    (("tfp_",), rb"(?i)" + _B + rb"tfp_[\w.=-]{59}", 0),  # typeform-api-token
    (  # lob-api-key, lob-pub-api-key, gocardless-api-token (with a digit)
        ("live_", "test_"),
        rb"(?i)" + _B + rb"(?:(?:live|test)_(?:pub_[a-f0-9]{31}|[a-f0-9]{35})"
        rb"|live_(?=[\w=-]{0,39}\d)[\w=-]{40})(?![\w=-])",
        0,
    ),
    (  # webhook URLs: Discord, Telegram bots, Teams (Office 365 connectors)
        ("discord.com/api/webhooks/", "discordapp.com/api/webhooks/"),
        rb"(?i)discord(?:app)?\.com/api/webhooks/(?P<bare>\d{1,32}/[\w-]{1,256})",
        0,
    ),
    (("api.telegram.org/bot",), rb"(?i)api\.telegram\.org/bot(?P<bare>\d{1,16}:[\w-]{1,256})", 0),
    (
        ("webhook.office.com/webhookb2/",),
        rb"(?i)webhook\.office\.com/webhookb2/(?P<bare>[^\s\"'<>]{1,1024})",
        0,
    ),
    (("sg.",), _B + rb"SG\.[\w-]{22}\.[\w-]{43}", 0),  # sendgrid-api-token
    (  # twilio-api-key; triggered by `sk` and a hex digit, as `task` and `disk` are common
        tuple(f"sk{digit}" for digit in "0123456789abcdef"),
        _B + rb"SK[0-9a-fA-F]{32}(?![0-9a-fA-F])",
        0,
    ),
    (("sk-",), rb"(?<![\w-])sk-(?:[a-z]{2,10}-)?[\w-]{20,255}", 0),  # openai, anthropic
    (("hf_",), _B + rb"hf_[A-Za-z]{34}", 0),  # huggingface-access-token
    (("pypi-ageichlwas5vcmc",), rb"pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}", 0),  # pypi-upload
    (("shpat_", "shpca_", "shppa_", "shpss_"), _B + rb"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", 0),
    (("dop_v1_", "doo_v1_", "dor_v1_"), _B + rb"do[opr]_v1_[a-f0-9]{64}", 0),  # digitalocean
    (("dckr_pat_",), _B + rb"dckr_pat_[\w-]{27,255}", 0),  # dockerhub-pat
    (("hvs.", "hvb."), _B + rb"hv[sb]\.[\w-]{20,255}", 0),  # vault-service/batch-token
    (("atlasv1",), rb"(?<![A-Za-z0-9])[A-Za-z0-9]{14}\.atlasv1\.[\w=-]{60,70}", -15),
    (("dapi",), _B + rb"dapi[a-f0-9]{32}", 0),  # databricks-api-token
    (("key-",), _B + rb"key-[0-9a-f]{32}", 0),  # mailgun-private-api-token
    (  # age-secret-key
        ("age-secret-key-1",),
        rb"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        0,
    ),
    (("atatt3",), _B + rb"ATATT3[\w=-]{150,255}", 0),  # atlassian-api-token
    (("sq0csp-", "sq0atp-"), _B + rb"sq0(?:csp|atp)-[\w-]{22,60}", 0),  # square
    (("eyj",), _B + rb"eyJ[\w-]{5,4096}\.eyJ[\w-]{5,4096}\.[\w-]{0,4096}", 0),  # jwt
    (  # private-key: any PEM block, to its END line (or 8 KB when it has none)
        ("-----begin",),
        rb"(?s)-----BEGIN[ A-Z0-9_-]{0,100}-----"
        rb"(?:.{0,8192}?-----END[ A-Z0-9_-]{0,100}-----|.{0,8192})",
        0,
    ),
    (  # PuTTY private key: the lines after `Private-Lines: N`
        ("private-lines:",),
        rb"(?i)Private-Lines:[ \t]*\d{1,3}[ \t]*\r?\n"
        rb"(?P<body>(?:[A-Za-z0-9+/=]{1,128}\r?\n?){1,128})",
        0,
    ),
]


class _Rule(NamedTuple):
    """A secret shape, tried where one of its trigger words was found."""

    match: Callable[[bytes, int], re.Match[bytes] | None]  # a compiled pattern's match
    at: int = 0  # where to try it, from the trigger's start...
    after: bool = False  # ...or from its end (a key name: the value follows)
    flag: bool = False  # a match of group `flag` counts only after a command-line flag


def _secret(
    match: re.Match[bytes], data: bytes, trigger_start: int, flag: bool
) -> tuple[int, int, int] | None:
    """(where the match starts, the secret's span) of a rule's match, if it is one."""
    if (
        flag
        and match["flag"] is not None
        and not _FLAG_START.search(data, max(0, trigger_start - 64), trigger_start)
    ):
        return None
    secret_start, secret_end = match.span(match.lastgroup or 0)
    if secret_start == secret_end:
        return None
    return min(trigger_start, match.start()), secret_start, secret_end


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
        self._known = (
            ahocorasick_rs.BytesAhoCorasick(
                known, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
            )
            if known
            else None
        )

    def redact(self, data: bytes) -> bytes:
        """`data` with every secret replaced by MARK, and without NUL bytes, which would
        hide a key name (`pass\\0word=`) or a known value from the rules."""
        return self._redact_from(data.replace(b"\0", b""), 0)

    def redact_stream(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """Redact a stream of bytes cut anywhere, in bounded memory, into the same text as
        redacting it whole: pieces end at a line end (inside a line only when it is
        longer than STREAM_LINE_MAX), a key at the end of one piece is redacted with its
        value in the next, and the text just before a cut is kept for look-behinds."""
        pending, start = bytearray(), 0
        for block in blocks:
            pending += block.replace(b"\0", b"")
            while (piece := self._next_piece(pending, start)) is not None:
                done, keep, start = piece
                del pending[:keep]
                yield done
        if len(pending) > start:
            yield self._redact_from(bytes(pending), start)

    def redact_text(self, text: str) -> str:
        return self.redact(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")

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
    data = text.encode("utf-8", "surrogatepass")
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
