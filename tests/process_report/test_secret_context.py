"""Shapes that need their context (process_report.secret_context), rule by rule: each
matches its secret where its context is, and nothing where it is not. The whole
redactor on the issue's shapes and the benign corpus: test_redact_corpora.py."""

from __future__ import annotations

import pytest

from process_report.secret_context import _CONTEXT_RULES, _password_flag


def secret_at(trigger: bytes, line: bytes) -> bytes | None:
    """What the rule for `trigger` takes as the secret in `line`, tried where the
    trigger is found, as the redactor tries it."""
    rule = _CONTEXT_RULES[trigger]
    found = line.lower().find(trigger)
    position = found + len(trigger) if rule.after else found
    match = rule.match(line, position)
    return match[match.lastgroup or 0] if match else None


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (b"mysql -uroot -pR00tPw jobs", b"R00tPw"),
        (b"mysqldump -p'R00t Pw' jobs", b"R00t Pw"),
        (b"sshpass -p Ssh9pw ssh host", b"Ssh9pw"),
        (b"smbclient //nas/share -p Smb9pw", b"Smb9pw"),
    ],
)
def test_dash_p_is_a_password_after_a_command_that_takes_one(line, secret):
    match = _password_flag(line, line.index(b"-p"))
    assert match is not None
    assert match[match.lastgroup] == secret


@pytest.mark.parametrize(
    "line",
    [
        b"ffmpeg -i in.mov -preset slow -pix_fmt yuv420p -profile:v high out.mp4",
        b"ffmpeg -i in.mp4 -pass 2 -passlogfile /tmp/x out.mp4",
        b"ffprobe -print_format json in.mp4",
        b"mysql -uroot -p jobs",  # mysql prompts: `jobs` is the database
        b"ssh -p 2222 deploy@10.0.0.5",
        b"mkdir -p /scratch/job_12",
    ],
)
def test_dash_p_elsewhere_is_an_option_not_a_password(line):
    assert _password_flag(line, line.index(b"-p")) is None


@pytest.mark.parametrize(
    ("trigger", "line", "secret"),
    [
        (b"-u ", b"curl -u admin:Cu7l https://h/", b"Cu7l"),
        (b"identified by", b"IDENTIFIED BY 'Sq1pw'", b"Sq1pw"),
        (b"machine", b"machine h login u password Netrc9", b"Netrc9"),
        (b":5432:", b"db.internal:5432:jobs:enc:Pg9pw", b"Pg9pw"),
        (b"@", b"lobby (admin:Lobby9@10.0.0.5)", b"Lobby9"),
        (b"<add key=", b'<add key="DbPassword" value="Net9pw"/>', b"Net9pw"),
        (b"\\u00", b'{"pass\\u0077ord": "Json9pw"}', b"Json9pw"),
    ],
)
def test_each_context_rule_takes_its_secret(trigger, line, secret):
    assert secret_at(trigger, line) == secret


@pytest.mark.parametrize(
    ("trigger", "line"),
    [
        (b"-u ", b"ps -u www-data"),  # no password after a colon
        (b"@", b"mail ops@contoso.example now"),
        (b"@", b"see mailto:ops@contoso.example"),
        (b"<add key=", b'<add key="Theme" value="dark"/>'),  # not a sensitive key
        (b"\\u00", b'{"caf\\u00e9": "cr\\u00e8me"}'),
    ],
)
def test_context_rules_leave_what_is_not_their_secret(trigger, line):
    assert secret_at(trigger, line) is None
