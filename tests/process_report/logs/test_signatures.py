from __future__ import annotations

import pytest

from process_report.logs.signatures import NORMALIZATION, error_id, signature, signature_id


@pytest.mark.parametrize(
    ("error", "masked"),
    [
        (
            "TimeoutError: job 0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4 timed out after 300 s",
            "TimeoutError: job <uuid> timed out after <num> s",
        ),
        (
            "OSError: [Errno 28] No space left on device: '/data/out/x.mp4'",
            "OSError: [Errno <num>] No space left on device: <str>",
        ),
        ("FileNotFoundError: /srv/videos/acme/raw.mov", "FileNotFoundError: <path>"),
        ("ConnectionError: 10.0.3.17:5432 refused", "ConnectionError: <ip> refused"),
        ("HTTPError: 503 from https://graph.example.com/v1.0/x?a=1", "HTTPError: <num> from <url>"),
        ("mail to ops@example.com bounced", "mail to <email> bounced"),
        (
            "segfault at 0x7ffd3a2b in libav, hash deadbeef1234",
            "segfault at <hex> in libav, hash <hex>",
        ),
        ('KeyError: "bitrate"', "KeyError: <str>"),
    ],
)
def test_variable_parts_are_masked(error, masked):
    assert signature(error) == masked


def test_the_same_cause_gives_the_same_signature():
    first = signature("ValueError: corrupt frame 1443 in /data/a/in.mp4 (job 7)")
    second = signature("ValueError: corrupt frame 88 in /data/b/other.mp4 (job 12)")
    assert first == second


def test_different_causes_stay_apart():
    assert signature("ValueError: corrupt frame 3") != signature("MemoryError: frame 3")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (  # numbers, durations and sizes
            "TimeoutError: upload of 1443 frames timed out after 300s (12MB left)",
            "TimeoutError: upload of 88 frames timed out after 31s (4096MB left)",
        ),
        (  # paths and quoted file names
            "FileNotFoundError: [Errno 2] No such file: '/srv/a/in.mp4' in /data/acme/raw",
            "FileNotFoundError: [Errno 2] No such file: '/tmp/x.mov' in /data/other/raw",
        ),
        (  # UUIDs and hex ids
            "RuntimeError: job 0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4 hash deadbeef1234",
            "RuntimeError: job 11111111-2222-4333-8444-555555555555 hash 0a1b2c3d4e5f",
        ),
        (  # hosts with ports, IP addresses
            "OperationalError: connection to db-7.prod.internal:5432 (10.0.3.17) refused",
            "OperationalError: connection to pg2.corp:6432 (192.168.1.4) refused",
        ),
        (  # timestamps of another day
            "ValueError: segment starting 2026-11-26T08:00:01.123Z is empty",
            "ValueError: segment starting 2026-11-27 23:59:59 is empty",
        ),
        ("ConnectionRefusedError: localhost:8080", "ConnectionRefusedError: localhost:9090"),
        (
            "psycopg.OperationalError: host=db9 timeout",
            "psycopg.OperationalError: host=db3 timeout",
        ),
    ],
)
def test_the_same_error_with_other_details_keeps_its_id(first, second):
    assert error_id(first) == error_id(second)
    assert error_id(first) == signature_id(signature(first))
    assert len(error_id(first)) == 12


def test_module_names_and_source_lines_are_not_taken_for_hosts():
    assert signature("requests.exceptions.ConnectionError: boom") == (
        "requests.exceptions.ConnectionError: boom"
    )
    assert signature("AssertionError at encode.py:42") == "AssertionError at encode.py:<num>"


def test_other_errors_get_other_ids():
    assert error_id("MemoryError: frame 3") != error_id("ValueError: corrupt frame 3")
    assert error_id("HTTP 503 from server") != error_id("HTTP 503 from proxy")


def test_ids_do_not_change_silently():
    """Ids are what known_issues entries and archived days name: a change of the rules
    that alters them must raise NORMALIZATION (and this pinned id with it)."""
    assert NORMALIZATION == 1
    assert error_id("TimeoutError: job 0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4 after 300 s") == (
        signature_id("TimeoutError: job <uuid> after <num> s")
    )
    assert signature_id("TimeoutError: job <uuid> after <num> s") == "a1d3883b77f1"
