"""Issue 17's shapes and corpora through the redactor: every secret shape the review
found (from the database and from logs) is caught, and the benign corpus of what
operators read (ffmpeg/ffprobe lines, tracebacks, URLs with ports, hashes, paths) comes
out byte for byte unchanged."""

from __future__ import annotations

import pytest

from process_report.redact import MARK, Redactor
from tests.support import PROJECT_DIR

BENIGN = [
    line
    for line in (PROJECT_DIR / "tests" / "data" / "benign_log_lines.txt").read_bytes().splitlines()
    if line and not line.startswith(b"# ")
]
GITLAB_ROUTABLE = "glpat-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9" + ".01.171m2v4bd"

# (line, the secret that must not survive)
SHAPES = [
    # logs
    ("curl -u admin:Cu7lSecret https://127.0.0.1:8443/api", "Cu7lSecret"),
    ("curl --user 'admin:Cu7lSecret' https://127.0.0.1/api", "Cu7lSecret"),
    ("sshpass -p Ssh9assword ssh deploy@10.0.0.5", "Ssh9assword"),
    ("sshpass -pSsh9assword ssh deploy@10.0.0.5", "Ssh9assword"),
    ("mysql -uroot -pMy5qlPass jobs", "My5qlPass"),
    ("CREATE USER 'enc'@'%' IDENTIFIED BY 'Sq1Secret!';", "Sq1Secret!"),
    ("ALTER USER enc IDENTIFIED BY PASSWORD 'Sq1Secret2';", "Sq1Secret2"),
    ("the password is Hunter2Hunter", "Hunter2Hunter"),
    ("password\tTab5ecret", "Tab5ecret"),
    ('<add key="Password" value="NetConf1g"/>', "NetConf1g"),
    ('<add key="ClearTextPassword" value="NetConf1g2" />', "NetConf1g2"),
    ('{"pass\\u0077ord": "JsonEsc4ped"}', "JsonEsc4ped"),
    ("machine api.example.com login deploy password Netrc5ecret", "Netrc5ecret"),
    ("db.internal:5432:jobs:encoder:Pgpa55word", "Pgpa55word"),
    ("reading ~/.pgpass: *:*:*:encoder:Pgpa55word2", "Pgpa55word2"),
    (
        "POST https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/"
        "paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sv=1.0&sig=TeamsS1gnatureValue",
        "TeamsS1gnatureValue",
    ),
    (
        "https://contoso.webhook.office.com/webhookb2/1a2b3c@4d5e6f/IncomingWebhook/TeamsHookId9/7a8b",
        "TeamsHookId9",
    ),
    (
        "https://discord.com/api/webhooks/123456789012345678/DiscordHookT0ken-abc_def",
        "DiscordHookT0ken-abc_def",
    ),
    (
        "https://api.telegram.org/bot123456789:AAF-TelegramB0tToken_abcdefghijk/sendMessage",
        "AAF-TelegramB0tToken_abcdefghijk",
    ),
    (f"push with {GITLAB_ROUTABLE} failed", GITLAB_ROUTABLE[-12:]),
    ('var uploadToken string = "GoVar5ecret"', "GoVar5ecret"),
    ('$apiToken .= "PhpC0ncat"', "PhpC0ncat"),
    ('API_TOKEN ::= "MakeSh3ll"', "MakeSh3ll"),
    ('API_TOKEN ?= "MakeC0nd"', "MakeC0nd"),
    ('System.setProperty("X_TOKEN", "JavaPr0p")', "JavaPr0p"),
    ("pass\0word=NulInName1", "NulInName1"),
    # database fields
    ("postgresql://enc:it's-a-S3cret@db.internal/jobs", "it's-a-S3cret"),
    ("https://cams.example/live?pw=QueryPw55", "QueryPw55"),
    ("https://cams.example/live?user=a&p=QueryP55", "QueryP55"),
    ("rtsp://cam.example/stream?loginuse=admin&loginpas=CamPa55", "CamPa55"),
    ("lobby (admin:Lobby5ECRET@10.0.0.5)", "Lobby5ECRET"),
    (" rtsp://admin:Lead1ngSpace@cam.example/live", "Lead1ngSpace"),
]


@pytest.mark.parametrize(("line", "secret"), SHAPES, ids=[s[1] for s in SHAPES])
def test_every_shape_issue_17_lists_is_redacted(line, secret):
    redacted = Redactor().redact_text(line)
    assert secret not in redacted
    assert MARK.decode() in redacted


@pytest.mark.parametrize("line", BENIGN, ids=range(len(BENIGN)))
def test_benign_corpus_line_comes_out_byte_for_byte_unchanged(line):
    assert Redactor().redact(line) == line


def test_benign_corpus_as_one_text_is_unchanged_too():
    text = b"\n".join(BENIGN)
    assert Redactor().redact(text) == text
    assert b"".join(Redactor().redact_stream([text[:1000], text[1000:]])) == text


@pytest.mark.parametrize(
    "shown",
    [
        "CLIENT-KEY-0001-ABCDEF",
        "client-key-0001%2Babc%2fdef",
        "CLIENT-KEY-0001%2BABC%2FDEF",
        "client-key-0001+abc/def",
    ],
)
def test_known_value_is_caught_in_any_case_and_url_encoded(shown):
    redactor = Redactor(["client-key-0001-abcdef", "client-key-0001+abc/def"])
    assert redactor.redact_text(f"GET /videos?key={shown}&x=1 for {shown}").count(shown) == 0


def test_nul_bytes_inside_a_known_value_do_not_hide_it():
    redactor = Redactor(["client-key-0001-abcdef"])
    shown = redactor.redact_text("key client-key-\x000001-abc\x00def seen")
    assert shown == "key [REDACTED] seen"
