"""Secret shapes by notation (process_report.secret_shapes): what a key name is, where
a URL's password ends, and what a value runs to."""

from __future__ import annotations

import re

import pytest

from process_report.secret_shapes import _KEY_VALUE, _URL_USERINFO, _part_name

KEY = re.compile(_part_name("key"))


@pytest.mark.parametrize("text", [b"key", b"ssh_key", b"AccountKey", b"KEY", b"keyId"])
def test_a_short_name_counts_as_a_whole_part_of_a_key(text):
    assert KEY.search(text)


@pytest.mark.parametrize("text", [b"monkey", b"keyboard", b"MONKEY", b"second pass"])
def test_a_short_name_inside_a_word_is_no_key(text):
    assert not KEY.search(text)
    assert not re.compile(_part_name("pass")).search(b"second pass")


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (b"rtsp://admin:it's-Pw@cam/x", b"it's-Pw"),
        (b"rtsp://admin:Pa@ss@cam/x", b"Pa@ss"),
        (b"https://127.0.0.1:8443/x@y", None),  # a port and a path
    ],
)
def test_a_urls_password_runs_to_its_last_at_but_a_port_is_no_password(url, secret):
    match = _URL_USERINFO.search(url)
    assert (match["pw"] if match else None) == secret


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b'Token := "Go5"', b"Go5"),
        (b'$apiToken .= "Php5"', b"Php5"),
        (b'API_TOKEN ?= "Make5"', b"Make5"),
        (b'var xToken string = "GoVar5"', b"GoVar5"),
        (b'"X_TOKEN", "Java5"', b"Java5"),
        (b"password\tTab5", b"Tab5"),
    ],
)
def test_separators_of_every_language_the_issue_lists(text, value):
    start = text.lower().index(b"token" if b"oken" in text.lower() else b"password")
    name = b"token" if b"oken" in text.lower() else b"password"
    match = re.compile(_KEY_VALUE).match(text, start + len(name))
    assert match is not None
    assert match[match.lastgroup] == value


def test_code_in_a_tracebacks_source_line_is_no_value():
    text = b"token = cache.get_token(scope)"
    match = re.compile(_KEY_VALUE).match(text, len(b"token"))
    # (at most a command-line flag's reading, which the redactor drops: no `-` before it)
    assert match is None or b"cache" not in match[match.lastgroup or 0]


@pytest.mark.parametrize(
    ("text", "value"),
    [(b'password==""00000 x', b'""00000'), (b'password="ab"cd e', b'"ab"cd')],
)
def test_a_value_that_only_starts_with_a_quoted_part_is_taken_whole(text, value):
    """Found by the property test: `""00000` read as an empty quoted value leaked."""
    match = re.compile(_KEY_VALUE).match(text, len(b"password"))
    assert match[match.lastgroup] == value
