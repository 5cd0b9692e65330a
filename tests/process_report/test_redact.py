from __future__ import annotations

import pytest

from process_report.redact import Redactor

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq3x\nc2VjcmV0\n-----END RSA PRIVATE KEY-----"
)


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
