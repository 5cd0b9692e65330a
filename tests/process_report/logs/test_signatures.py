from __future__ import annotations

import pytest

from process_report.logs.signatures import signature


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
