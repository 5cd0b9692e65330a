"""Logs read as UTF-8 text without NULs: UTF-16 transcoded, NULs out before the search
and the redaction, and only files with control bytes at their start called binary."""

from __future__ import annotations

import gzip
import io

import pytest

from process_report.logs.decode import BinaryLogError, text_stream
from process_report.redact import Redactor
from tests.support.failure_logs import A, failed, notes, run

LINE = f"2026-11-26 09:00:00 ERROR {A} upload failed: password=hunter2 café\n"


def read_all(data: bytes, room: int = 7) -> bytes:
    """Everything `text_stream` gives, read into a small buffer as the scan reads."""
    stream, buffer, out = text_stream(io.BytesIO(data)), bytearray(room), bytearray()
    while size := stream.readinto(buffer):
        out += buffer[:size]
    return bytes(out)


@pytest.mark.parametrize(
    "encoded",
    [
        ("\ufeff" + LINE * 3).encode("utf-16-le"),  # PowerShell's default: BOM, LE
        ("\ufeff" + LINE * 3).encode("utf-16-be"),
        (LINE * 3).encode("utf-16-le"),  # no BOM: the alternating-NUL pattern
        (LINE * 3).encode("utf-16-be"),
    ],
    ids=["le-bom", "be-bom", "le-no-bom", "be-no-bom"],
)
def test_utf16_logs_are_transcoded_to_utf8(encoded):
    assert read_all(encoded) == (LINE * 3).encode()


def test_nul_bytes_are_removed_wherever_they_fall():
    data = b"\0" * 20_000 + b"pass\0word=x\n" + b"\0" * 10 + b"tail\n"
    assert read_all(data) == b"password=x\ntail\n"
    assert read_all(data, room=1 << 16) == b"password=x\ntail\n"


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 8, b"\x00\x01\x02binary\x00", b"\x7fELF\x02\x01\x01" + b"\x03\x00" * 50],
    ids=["all-bytes", "short", "elf"],
)
def test_control_bytes_at_the_start_make_a_file_binary(data):
    with pytest.raises(BinaryLogError):
        text_stream(io.BytesIO(data))


def test_coloured_and_crlf_logs_are_text():
    data = b"\x1b[31mERROR\x1b[0m failed\r\n\tframe\x0c\n" * 100
    assert read_all(data) == data


def test_a_utf16_per_process_log_gets_its_error_and_is_redacted(tmp_path):
    (tmp_path / f"encode_{A}.log").write_bytes(("\ufeff" + LINE).encode("utf-16"))
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "upload failed" in texts[A]
    assert "café" in texts[A]
    assert "hunter2" not in texts[A]
    assert not [n for n in notes(result["problems"]) if "binary" in n]


def test_a_utf16_shared_log_is_searched_for_the_uuid(tmp_path):
    other = LINE.replace(A, "2d9ebf30-4b5c-4d6e-af80-91a2b3c4d5e6").replace("upload", "other")
    with gzip.open(tmp_path / "app_2026-11-26.log.1.gz", "wb") as handle:
        handle.write((other + LINE).encode("utf-16-le"))
    _, texts, _ = run(tmp_path, [failed(A)])
    assert "upload failed" in texts[A]
    assert "other failed" not in texts[A]


def test_a_nul_inside_a_key_name_or_a_known_key_cannot_hide_it_from_redaction(tmp_path):
    (tmp_path / f"encode_{A}.log").write_bytes(
        f"2026-11-26 09:00:00 ERROR {A} pass\0word=hunter2 key=ck_live_01234\056789\n".encode()
    )
    _, texts, _ = run(tmp_path, [failed(A)], redactor=Redactor(["ck_live_0123456789"]))
    assert "hunter2" not in texts[A]
    assert "0123456789" not in texts[A]
    assert "\0" not in texts[A]


def test_a_log_padded_with_nuls_after_a_crash_is_read_not_skipped(tmp_path):
    (tmp_path / "app_2026-11-26.log").write_bytes(b"\0" * 65_536 + LINE.encode())
    result, texts, _ = run(tmp_path, [failed(A)])
    assert "upload failed" in texts[A]
    assert not [n for n in notes(result["problems"]) if "binary" in n]
