from __future__ import annotations

import gzip
import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from process_report.redact import (
    _ROUND,
    MARK,
    STREAM_LINE_MAX,
    Redactor,
    scrub_field,
)

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq3x\nc2VjcmV0\n-----END RSA PRIVATE KEY-----"
)
# Airflow's secrets masker hides the value of any name containing one of these
# (DEFAULT_SENSITIVE_FIELDS in airflow/_shared/secrets_masker/secrets_masker.py, 3.3).
AIRFLOW_SENSITIVE_FIELDS = [
    "access_key",
    "access_token",
    "api_key",
    "apikey",
    "auth_header",
    "authorization",
    "bearer",
    "connection_string",
    "dsn",
    "keyfile_dict",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "proxies",
    "proxy",
    "proxy_password",
    "secret",
    "service_account",
    "service_key",
    "token",
    "webhook_url",
]
# Sentry's default denylist (DEFAULT_DENYLIST in sentry_sdk/scrubber.py, from Relay).
SENTRY_DENYLIST = [
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "ip_address",
    "session",
    "csrftoken",
    "sessionid",
    "remote_addr",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "x_api_key",
    "x_real_ip",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "PHPSESSID",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "XSRF-TOKEN",
]
# Well-known token formats, each shaped like the real thing (fake values).
PROVIDER_TOKENS = {
    "github classic": "ghp_" + "aB3dE5" * 6,
    "github oauth": "gho_" + "Zq8Wm2" * 6,
    "github fine-grained": "github_pat_11ABCDEFG0" + "aB3dE5fG7h" * 7 + "x9",
    "gitlab": "glpat-" + "aB3dEfGh1JkLmN0pQr2s",
    "slack bot": "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "stripe": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "google api key": "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "google oauth secret": "GOCSPX-" + "aB3dEfGh1JkLmN0pQr2sTuVwXyZ1",
    "google access token": "ya29.a0AfH6SMBx" + "aB3dEfGh1JkLmN0pQr2s" * 2,
    "aws key id": "AKIAIOSFODNN7EXAMPLE",
    "azure storage key": (
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    ),
    "azure ad client secret": "Xyz1Q~" + "aB3dE_f.G~h-iJ4kLmN5oPqR6sT7uVwX8y",
    "npm": "npm_" + "aB3dE5fG7h" * 3 + "aB3dE5",
    "sendgrid": "SG." + "aB3dE5fG7h" * 2 + "aB." + "aB3dE5fG7h" * 4 + "aB3",
    "twilio": "SK" + "0123456789abcdef" * 2,
    "openai": "sk-proj-" + "aB3dE5fG7h" * 5,
    "hugging face": "hf_" + "aBcDeFgHiJ" * 3 + "kLmN",
    "databricks": "dapi" + "0123456789abcdef" * 2,
    "vault": "hvs." + "aB3dE5fG7h" * 9,
    "shopify": "shpat_" + "0123456789abcdef" * 2,
    "digitalocean": "dop_v1_" + "0123456789abcdef" * 4,
    "pypi": "pypi-AgEIcHlwaS5vcmc" + "aB3dE5fG7h" * 6,
    "docker hub": "dckr_pat_" + "aB3dE5fG7h" * 2 + "aB3dE5f",
    "mailgun": "key-" + "0123456789abcdef" * 2,
    "age": "AGE-SECRET-KEY-1" + "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L" + "QPZRY9X8GF2TVDW0S3JN54KHCE",
    "jwt": JWT,
}


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("connect postgresql://svc:hunter22@db.internal:5432/app failed", "hunter22"),
        ("retry https://user:p%40ss@example.com/x", "p%40ss"),
        ("login password=Sup3rS3cret! rejected", "Sup3rS3cret!"),
        ('config {"secret": "abc123def", "x": 1}', "abc123def"),
        ("url ?token=tok_9f8e7d6c&page=2", "tok_9f8e7d6c"),
        ("api_key: AK-77aa-99bb", "AK-77aa-99bb"),
        ("header Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("sent Bearer abc.def-ghi_jkl~ now", "abc.def-ghi_jkl~"),
        (f"jwt {JWT} expired", JWT),
        ("aws AKIAIOSFODNN7EXAMPLE denied", "AKIAIOSFODNN7EXAMPLE"),
        (f"key follows\n{PEM}\nend", "c2VjcmV0"),
    ],
)
def test_every_secret_shape_is_redacted(line, secret):
    redacted = Redactor().redact_text(line)
    assert secret not in redacted
    assert "[REDACTED" in redacted


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('POST /token {"clientSecret": "Cl13nt-S3cr3t"}', "Cl13nt-S3cr3t"),
        ("refreshToken=0.AXoA-r3fr3sh-t0k3n", "0.AXoA-r3fr3sh-t0k3n"),
        ("connecting with dbPassword=Db-Pa55word", "Db-Pa55word"),
        ("grant_type=client_credentials&client_secret=Ab%2Bc%2Fd%3D", "Ab%2Bc%2Fd%3D"),
        ("redirect=%2Fcb%3Fpassword%3DUrl-Enc0ded%26x%3D1", "Url-Enc0ded"),
        ("body %22password%22%3A%22Enc0ded-Js0n%22", "Enc0ded-Js0n"),
        (
            "DefaultEndpointsProtocol=https;AccountName=vid;AccountKey=S70r4g3K3y+/abc==;",
            "S70r4g3K3y+/abc==",
        ),
        ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=Sb-K3y/Abc=", "Sb-K3y/Abc="),
        (
            "blob https://acct.blob.core.windows.net/c/v.mp4?sv=2022&sig=Sas%2BS1g%3D",
            "Sas%2BS1g%3D",
        ),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ("private_key=Pr1v4te-K3y-Value", "Pr1v4te-K3y-Value"),
        ("unlock passphrase=Pa55phra5e!", "Pa55phra5e!"),
        ("credentials=Cr3d-Value-9", "Cr3d-Value-9"),
        ("> Cookie: session=S3ss10n1d; theme=dark; remember=R3m3mb3r", "R3m3mb3r"),
        ("< Set-Cookie: sid=S3tC00k13; Path=/; HttpOnly", "S3tC00k13"),
        ("exec pg_dump --password Cl1-Pa55 --host db", "Cl1-Pa55"),
        ("exec mysql -uroot -pMyR00tPw jobs", "MyR00tPw"),
        ("exec tool --api-key Ap1-K3y-Value run", "Ap1-K3y-Value"),
        ('config {"password":\n    "N3xt-L1ne-Pw"}', "N3xt-L1ne-Pw"),
        ("database:\n  password:\n    Yaml-N3xt-L1ne\n  host: db", "Yaml-N3xt-L1ne"),
        ('login {"password": "with/slash@and at sign"}', "with/slash@and at sign"),
        ('login {"password": "has \\"quotes\\" inside"} next', 'has \\"quotes\\" inside'),
        ("login password='single quoted secret'", "single quoted secret"),
        ('payload "{\\"password\\": \\"Esc4ped-Js0n\\"}"', "Esc4ped-Js0n"),
        ("source rtsp://admin:Pa/ss@word@cam.example/live", "Pa/ss@word"),
        ("clone https://ghp_Us3rn4meT0ken@github.com/org/repo", "ghp_Us3rn4meT0ken"),
        ("callback https%3A%2F%2Fsvc%3AEnc0dedUrlPw%40host%2Fx", "Enc0dedUrlPw"),
        ("X-Api-Key: Xap1-K3y-Value", "Xap1-K3y-Value"),
        ("export PGPASSWORD=Pg-Env-Pa55", "Pg-Env-Pa55"),
    ],
)
def test_key_value_shapes_the_review_found_are_redacted(line, secret):
    redacted = Redactor().redact_text(line)
    assert secret not in redacted, redacted
    assert "[REDACTED]" in redacted


@pytest.mark.parametrize(("name", "token"), PROVIDER_TOKENS.items(), ids=list(PROVIDER_TOKENS))
def test_provider_token_is_redacted_with_no_key_name_beside_it(name, token):
    for text in (f"ERROR upload failed for {token} (401)", f'{{"value": "{token}"}}'):
        redacted = Redactor().redact_text(text)
        assert token not in redacted, redacted


def pem_block(label: str, body: str) -> str:
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


@pytest.mark.parametrize(
    "pem",
    [
        pem_block("RSA PRIVATE KEY", "MIIEowIBb3BlbnNz\nc2VjcmV0"),
        pem_block("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjE="),
        pem_block("EC PRIVATE KEY", "MHcCAQEEIBb3BlbnNzaC1="),
        pem_block("PGP PRIVATE KEY BLOCK", "\nlQOYBF0b3BlbnNz="),
        '"private_key": "'
        + pem_block("PRIVATE KEY", "MIIEvQIBb3BlbnNz").replace("\n", "\\n")
        + '"',
        "PuTTY-User-Key-File-3: ssh-rsa\nPrivate-Lines: 2\nAAAAb3BlbnNzaC1\nAAAAQQDb3BlbnNz\n",
    ],
    ids=["rsa", "openssh", "ec", "pgp", "json-escaped", "putty"],
)
def test_private_key_blocks_are_redacted(pem):
    body = [line for line in pem.replace("\\n", "\n").splitlines() if "b3BlbnNz" in line]
    redacted = Redactor().redact_text(f"loaded key\n{pem}\ndone")
    assert body
    assert not [line for line in body if line.strip('"') in redacted], redacted
    assert redacted.endswith("done")


@pytest.mark.parametrize("name", AIRFLOW_SENSITIVE_FIELDS + SENTRY_DENYLIST)
def test_every_name_airflow_or_sentry_treats_as_sensitive_hides_its_value(name):
    for text in (f"{name}=Zx9-Qv7_Lm3", f'{{"{name}": "Zx9 Qv7 Lm3"}}', f"{name}: Zx9-Qv7_Lm3"):
        redacted = Redactor().redact_text(text)
        assert "Zx9" not in redacted, redacted


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-26 09:00:01,123 INFO key frame 1443 written; task passed; disk 71% used",
        "DEBUG signal SIGCHLD from pid 4242; assigned slot 3; design doc by author Jane",
        "INFO tokens used 5; passes 2; keyboard attached; monkey-patched encoder",
        "ERROR duplicate key value violates unique constraint; Key (id)=(5) already exists",
        "WARN received SIGTERM: shutting down worker-3",
        "INFO mkdir -p /scratch/job_12 done; timezone Asia/Tokyo",
        "INFO fetched https://example.com/users/me@example.com and npm install @scope/pkg",
        'Traceback (most recent call last):\n  File "/srv/enc.py", line 8, in run\n'
        "ValueError: corrupt frame 1443 in /data/src/chunk_12.ts",
    ],
)
def test_ordinary_log_words_that_resemble_secret_names_are_kept(line):
    assert Redactor().redact_text(line) == line


def test_known_values_such_as_client_api_keys_are_redacted_anywhere():
    redactor = Redactor(["c0ffee-client-key-001", "short"])
    text = "folder /videos/c0ffee-client-key-001/x.mp4 short"
    assert redactor.redact_text(text) == "folder /videos/[REDACTED]/x.mp4 short"


def test_longest_known_value_wins_over_its_prefix():
    redactor = Redactor(["abcdef123", "abcdef123456"])
    assert redactor.redact_text("k=abcdef123456!") == "k=[REDACTED]!"


def test_clean_text_is_returned_unchanged():
    text = "2026-11-26 09:00:00 ERROR encoder crashed at frame 1443 in /srv/enc.py\n" * 50
    assert Redactor(["never-appears-here"]).redact_text(text) == text


def test_only_the_secret_is_removed_not_the_context():
    redacted = Redactor().redact_text("2026-11-26 ERROR db postgres://a:b1@h/x down")
    assert redacted == "2026-11-26 ERROR db postgres://a:[REDACTED]@h/x down"


def test_a_line_with_several_shapes_runs_every_rule_it_needs():
    # Each rule runs only on the lines whose trigger words call for it.
    secrets = ["hunter22", "tok_9f8e", JWT, "ASIAKIAIOSFODNN7EXAM", "dXNlcjpwYXNz"]
    text = (
        "db postgresql://svc:hunter22@h/x token=tok_9f8e "
        f"jwt {JWT} keys ASIAKIAIOSFODNN7EXAM\n"
        "clean line in between\n"
        "header Authorization: Basic dXNlcjpwYXNz\n"
    )
    redacted = Redactor().redact_text(text)
    assert [s for s in secrets if s in redacted] == [], redacted
    assert redacted.startswith("db postgresql://svc:[REDACTED]@h/x token=[REDACTED] ")
    assert "\nclean line in between\n" in redacted


def test_stream_cut_anywhere_redacts_like_the_whole_text():
    text = b"".join(
        b"2026-11-26 09:00:%02d INFO password=hunter%02d url=https://u:pw%02d@h/x\n" % (i, i, i)
        for i in range(50)
    )
    redactor = Redactor()
    for size in (1, 7, 64, len(text)):
        blocks = [text[i : i + size] for i in range(0, len(text), size)]
        assert b"".join(redactor.redact_stream(blocks)) == redactor.redact(text)


FILLER = "2026-11-26 09:14:07,512 INFO  [worker-1] process 7 encoded segment 12 fps=30\n"


def realistic_log(size: int) -> bytes:
    """Log text of about `size` bytes with a secret of some shape on every fifth line,
    so that wherever the stream is cut, a secret is close by."""
    shapes = [
        b"WARN reconnect postgresql://enc:Pw-%d@db/jobs",
        b'DEBUG body {"clientSecret": "Cs-%d"}',
        b"DEBUG yaml password:\n    Nl-%d",
        b"INFO Authorization: Bearer Bt-%d",
        b"INFO source client-key-%06d opened",
    ]
    lines, total, n = [], 0, 0
    while total < size:
        n += 1
        if n % 5:
            line = b"2026-11-26 09:00:00,000 INFO process %d encoded segment %d\n" % (n, n)
        else:
            line = b"2026-11-26 09:00:00,000 " + shapes[n // 5 % len(shapes)] % n + b"\n"
        lines.append(line)
        total += len(line)
    return b"".join(lines)


@pytest.mark.parametrize("block_size", [4096, 65_536, 1_000_003, 8 << 20])
def test_stream_of_several_megabytes_redacts_like_the_whole_text(block_size):
    text = realistic_log(3 * STREAM_LINE_MAX)
    redactor = Redactor([f"client-key-{n:06d}" for n in range(20, 200_000, 25)])
    blocks = [text[i : i + block_size] for i in range(0, len(text), block_size)]
    streamed = b"".join(redactor.redact_stream(blocks))
    assert streamed == redactor.redact(text)
    assert b"Pw-" not in streamed
    assert b"Nl-" not in streamed
    assert b"client-key-" not in streamed


@pytest.mark.parametrize("split", ["in the key", "after the separator", "in the value"])
def test_key_at_the_end_of_one_block_and_value_in_the_next_is_redacted(split):
    filler = b"2026-11-26 09:00:00,000 INFO process encoded a segment\n" * 40_000
    secret_line = b'DEBUG {"password": "Sp1it-Acr0ss-Blocks"} done\n'
    text = filler + secret_line + filler
    at = len(filler) + {"in the key": 12, "after the separator": 20, "in the value": 27}[split]
    streamed = b"".join(Redactor().redact_stream([text[:at], text[at:]]))
    assert b"Sp1it" not in streamed
    assert b"Acr0ss" not in streamed
    assert streamed.count(b"\n") == text.count(b"\n")


def test_key_at_the_end_of_one_line_and_block_with_its_value_on_the_next():
    filler = b"2026-11-26 09:00:00,000 INFO process encoded a segment\n" * 40_000
    text = filler + b"config password:\n  N3xt-Bl0ck-Pw\n" + filler
    at = len(filler) + len(b"config password:\n")
    streamed = b"".join(Redactor().redact_stream([text[:at], text[at:]]))
    assert b"N3xt-Bl0ck-Pw" not in streamed


def test_a_chain_of_overlapping_secrets_running_far_past_a_cut_is_followed_to_its_end():
    """Each value runs into the next key's value: from a key just before the stream's
    first cut, one secret leads to the next for 40 KB, past what a piece searches by
    default; the piece follows the chain and the stream still equals the whole."""
    chain = "".join(f"password=Link{n:02d}-" + "x" * 3980 for n in range(10))
    head = FILLER * ((_ROUND - 40) // len(FILLER))
    text = (head + "config password:\n" + chain + "\n" + FILLER * 5000).encode()
    redactor = Redactor()
    streamed = b"".join(redactor.redact_stream([text]))
    assert streamed == redactor.redact(text)
    assert b"Link" not in streamed


@pytest.mark.parametrize("offset", [-40, -20, -9, -1, 0, 1, 9, 20])
def test_secret_at_the_line_length_cap_of_a_stream_is_redacted(offset):
    """A line longer than STREAM_LINE_MAX is redacted in pieces; a secret across the
    cut between two pieces is still found whole."""
    secret = b"token=L0ng-L1ne-S3cret"
    head = b"x " * ((STREAM_LINE_MAX + offset) // 2)
    text = head + secret + b" " + b"y " * (STREAM_LINE_MAX // 2) + b"\n"
    streamed = b"".join(
        Redactor().redact_stream([text[i : i + 65_536] for i in range(0, len(text), 65_536)])
    )
    assert b"L0ng" not in streamed
    assert b"S3cret" not in streamed


def test_stream_holds_a_bounded_amount_of_one_endless_line():
    redactor = Redactor()
    stream = redactor.redact_stream(b"ab " * 100_000 for _ in range(100))
    first = next(stream)
    assert 0 < len(first) <= 2 * STREAM_LINE_MAX
    assert sum(len(piece) for piece in stream) + len(first) == 300_000 * 100


def test_stream_of_a_gzip_sized_extract_is_redacted_like_the_whole():
    text = gzip.decompress(gzip.compress(realistic_log(200_000)))
    redactor = Redactor()
    assert b"".join(redactor.redact_stream([text])) == redactor.redact(text)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("rtsp://admin:CamPass123@cam.example/live", "rtsp://cam.example/live"),
        ("rtsp://admin:Pa@ss@cam.example:554/live", "rtsp://cam.example:554/live"),
        ("https://ghp_T0kenAsUser@git.example/x", "https://git.example/x"),
        (
            "https://cams.example/feed?id=7&token=T0k3n&sig=S1g&X-Amz-Signature=abc123",
            "https://cams.example/feed?id=7&token=[REDACTED]&sig=[REDACTED]"
            "&X-Amz-Signature=[REDACTED]",
        ),
        (
            "https://h.example/x?key=K3y&password=P4ss&secret=S3c&access_token=At&apikey=Ak",
            "https://h.example/x?key=[REDACTED]&password=[REDACTED]&secret=[REDACTED]"
            "&access_token=[REDACTED]&apikey=[REDACTED]",
        ),
        ("admin:CamPass123@192.168.1.10:554/stream1", "192.168.1.10:554/stream1"),
        ("cam-1 (rtsp://u:CamPw9@cam.example/a)", "cam-1 (rtsp://cam.example/a)"),
        ("https://cams.example.net/1", "https://cams.example.net/1"),
        ("Acme Corp", "Acme Corp"),
        ("Lobby camera", "Lobby camera"),
        # issue 17: a `'` in the password, ?pw= / ?p= / loginpas=, credentials in an alias,
        # a leading space, a NUL inside a key name
        ("rtsp://admin:it's-S3cret@cam.example/live", "rtsp://cam.example/live"),
        ("https://cam.example/live?pw=Pw55&q=1", "https://cam.example/live?pw=[REDACTED]&q=1"),
        ("https://cam.example/live?u=a&p=Pw55", "https://cam.example/live?u=a&p=[REDACTED]"),
        ("rtsp://cam.example/s?loginpas=Pw55", "rtsp://cam.example/s?loginpas=[REDACTED]"),
        ("lobby (admin:SECRET@10.0.0.5)", "lobby (admin:[REDACTED]@10.0.0.5)"),
        (" rtsp://admin:Lead1ng@cam.example/live", " rtsp://cam.example/live"),
        (" admin:Lead1ng@192.168.1.10:554/s", " 192.168.1.10:554/s"),
        ("note: pass\0word=Nul5ecret", "note: password=[REDACTED]"),
        ("https://127.0.0.1:8443/x@y", "https://127.0.0.1:8443/x@y"),
    ],
)
def test_database_field_loses_credentials_and_secret_parameters(uri, expected):
    assert scrub_field(uri) == expected


# --- Property tests: secrets of every shape inside realistic log lines -------------------

SECRET_NAMES = [
    "password",
    "clientSecret",
    "DB_PASSWORD",
    "refreshToken",
    "api_key",
    "X-Api-Key",
    "AccountKey",
    "aws_secret_access_key",
    "private_key",
    "passphrase",
    "credentials",
    "sig",
    "access_token",
    "connectionString",
]
PRINTABLE = "".join(chr(c) for c in range(33, 127))
# Unquoted values run to the next space or '&' (a query's separator); one that starts
# with a quote is a quoted value.
UNQUOTED = st.text(alphabet=PRINTABLE.replace("&", ""), min_size=8, max_size=40).filter(
    lambda s: not s.startswith(('"', "'", "\\", "&quot;"))
)
QUOTABLE = st.text(alphabet=PRINTABLE + " ", min_size=8, max_size=40)


def kebab(name: str) -> str:
    """A name as a command-line flag writes it: clientSecret -> client-secret."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name).replace("_", "-").lower()


def single_quoted(secret: str) -> str:
    return secret.replace("\\", "\\\\").replace("'", "\\'")


@st.composite
def secret_in_a_line(draw) -> tuple[str, str]:
    """(a log line holding a secret, the secret as it is written in that line)."""
    name = draw(st.sampled_from(SECRET_NAMES))
    shape = draw(st.integers(0, 13))
    if shape in (0, 1, 2):  # key=value, key: value, key = value
        secret = draw(UNQUOTED)
        return f"{name}{['=', ': ', ' = '][shape]}{secret}", secret
    if shape == 3:  # JSON, escapes honoured
        secret = json.dumps(draw(QUOTABLE))[1:-1]
        return json.dumps({"event": "login", name: "x"}).replace('"x"', f'"{secret}"'), secret
    if shape == 4:  # JSON inside a JSON string
        value = draw(QUOTABLE)
        secret = json.dumps(json.dumps(value)[1:-1])[1:-1]
        return "payload " + json.dumps(json.dumps({name: value})), secret
    if shape == 5:  # single quotes, escapes honoured
        secret = single_quoted(draw(QUOTABLE))
        return f"{name}='{secret}'", secret
    if shape == 6:  # URL-encoded value, and a URL-encoded JSON body
        secret = quote(draw(QUOTABLE), safe="")
        return f"grant_type=client_credentials&{name}={secret}&scope=x", secret
    if shape == 7:
        secret = quote(draw(QUOTABLE), safe="")
        return "body " + quote(json.dumps({name: "x"}), safe="").replace("x", secret, 1), secret
    if shape == 8:  # URL userinfo; passwords with '@', '/', ':'
        secret = draw(st.text(alphabet=PRINTABLE.replace('"', "").replace("'", ""), min_size=8))
        secret = secret.replace("<", "").replace(">", "") + "@x"
        return f"connect rtsp://admin:{secret}@cam.example:554/live failed", secret
    if shape == 9:  # command-line flag
        secret = draw(UNQUOTED.filter(lambda s: not s.startswith("-")))
        return f"exec tool --{kebab(name)} {secret} --verbose", secret
    if shape == 10:  # mysql -pSECRET
        secret = draw(UNQUOTED.filter(lambda s: not s.startswith("-")))
        return f"exec mysql -uroot -p{secret} jobs", secret
    if shape == 11:  # headers run to the end of the line
        secret = draw(QUOTABLE)
        return (
            f"> {draw(st.sampled_from(['Cookie', 'Set-Cookie', 'Authorization']))}: {secret}",
            secret,
        )
    if shape == 12:  # JSON key, value on the next line
        secret = json.dumps(draw(QUOTABLE))[1:-1]
        return f'{{"{name}":\n      "{secret}"}}', secret
    secret = draw(UNQUOTED)  # YAML key, value on the next line
    return f"settings:\n  {name}:\n    {secret}\n  host: db", secret


def leaked(secret: str, text: str, redacted: str) -> list[str]:
    """Pieces of four characters of `secret` found in `redacted` though the text around
    the secret does not hold them: what redaction let through."""
    at = text.rfind(secret)  # the value comes after its key, which may spell the same
    around = text[:at] + "\x00" + text[at + len(secret) :] + MARK.decode()
    pieces = {secret[i : i + 4] for i in range(len(secret) - 3)}
    return sorted(p for p in pieces if p in redacted and p not in around)


def log_line(line: str) -> str:
    return f"2026-11-26 09:14:07,512 ERROR [worker-3] process 42 {line} (attempt 2)\n"


@settings(max_examples=400, deadline=None)
@given(secret_in_a_line())
# found by this property in CI runs: a digit-led password taken for a port, and quotes
# that are part of a longer bare value
@example(("connect rtsp://admin:00000?00@x@cam.example:554/live failed", "00000?00@x"))
@example(('password=="00":00', '="00":00'))
def test_property_no_secret_of_any_shape_survives_redaction(case):
    line, secret = case
    text = log_line(line)
    assume(secret in text)
    assert leaked(secret, text, Redactor().redact_text(text)) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret_in_a_line(), st.data())
def test_property_no_secret_survives_a_stream_cut_at_a_piece_or_block_boundary(case, data):
    """The line with the secret straddles the stream's first piece boundary (_ROUND bytes
    in) and the stream's blocks are cut inside it."""
    line, secret = case
    assume(secret in line)
    body = log_line(line)
    shift = data.draw(st.integers(0, len(body)))
    head = FILLER * ((_ROUND - shift) // len(FILLER))
    head += "x" * (_ROUND - shift - len(head) - 1) + "\n"
    text = (head + body + FILLER * 2000).encode()
    split = len(head) + data.draw(st.integers(0, len(body)))
    redactor = Redactor()
    streamed = b"".join(redactor.redact_stream([text[:split], text[split:]])).decode()
    assert leaked(secret, text.decode(), streamed) == []
    assert streamed == redactor.redact(text).decode()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret_in_a_line().filter(lambda case: "\n" not in case[0]), st.data())
def test_property_no_secret_survives_the_line_length_cap_of_a_stream(case, data):
    """The secret sits where a line longer than STREAM_LINE_MAX is cut in two."""
    line, secret = case
    assume(secret in line)
    shift = data.draw(st.integers(0, len(line)))
    text = ("y " * ((STREAM_LINE_MAX - shift) // 2) + " " + line + " z" * 50_000 + "\n").encode()
    streamed = b"".join(Redactor().redact_stream([text])).decode()
    assert leaked(secret, text.decode(), streamed) == []
