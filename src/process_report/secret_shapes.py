"""Secret shapes by notation, for `redact`: key names and the values beside them, a
URL's user info, the token formats of the big providers, and what a rule's match makes
of them. Pure patterns (bytes); `redact` runs them where its one pass finds their
trigger words. Why each shape is written so is said beside it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

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
        # "v", escapes honoured, to its quote; not `""v` (a value that starts with quotes)
        # and not `"v":x`, where the quotes are part of a longer value (taken bare)
        rb"(?:\"(?P<%sdq>(?:[^\"\\\r\n]|\\.){0,4096}+)(?!\"[^\s,;)\]}&>/])"
        rb"|'(?P<%ssq>(?:[^'\\\r\n]|\\.){0,4096}+)(?!'[^\s,;)\]}&>/])"  # 'v'
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
# `host:port/…@…` is no userinfo when the part before ':' is a host (a dot in it, or
# localhost): `https://127.0.0.1:8443/x@y` stays as written, while `admin:00000?00@…`
# (a user, no dot) keeps its digit-led password secret.
_HOST_PORT = rb"(?:[^\s/?#@:\"'<>]*\.[^\s/?#@:\"'<>]*|localhost):\d{1,5}[/?#]"
_USERINFO = (
    rb"(?:(?!" + _HOST_PORT + rb")[^\s/?#@:\"'<>]*:(?P<pw>[^\s\"<>]{0,1024})@"
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
