"""`dev.compare_email`: two emails of the same day, sent at different moments, are the
same; any change of content (a body line, a header, a zipped attachment's member) is
found and the first one named. The emails are the project's own MIME
(`process_report.mail.build_message`) with a zipped attachment."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from dev.compare_email import DifferentError, compare, compare_eml, main
from process_report.mail import build_message
from process_report.report import Attachment, RenderedReport

HTML = (
    "<html><body><p class='meta'>Window 2026-11-26 08:00 CET → 2026-11-27 08:00 CET · "
    "generated {at}</p><p>3 failed</p></body></html>"
)
TEXT = "Daily process report\nGenerated {at}\n3 failed\n"


def zipped(name: str, data: bytes, date_time: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=date_time), data)
    return buffer.getvalue()


def email_bytes(
    *,
    at: str = "2026-11-27 08:01 CET",
    date: str = "Fri, 27 Nov 2026 07:01:00 +0000",
    message_id: str = "<report-1@contoso.example>",
    subject: str = "Daily process report 2026-11-26: 3 failed",
    failed_line: str = "3 failed",
    csv: bytes = b"uuid,status\n1,failed\n",
    zip_date: tuple[int, ...] = (2026, 11, 27, 8, 1, 0),
) -> bytes:
    report = RenderedReport(
        subject,
        HTML.format(at=at).replace("3 failed", failed_line),
        TEXT.format(at=at).replace("3 failed", failed_line),
    )
    attachments = [
        Attachment("processes.csv.zip", zipped("processes.csv", csv, zip_date), "application/zip"),
        Attachment("notes.txt", b"nothing to note\n", "text/plain"),
    ]
    message = build_message(report, ["ops@contoso.example"], attachments, "bot@contoso.example")
    message["Date"] = date
    message["Message-ID"] = message_id
    return message.as_bytes()  # a fresh MIME boundary each time


BASE = email_bytes()
LATER = email_bytes(
    at="2026-11-27 09:14 CET",
    date="Fri, 27 Nov 2026 08:14:00 +0000",
    message_id="<report-2@contoso.example>",
    zip_date=(2026, 11, 27, 9, 14, 2),
)


def test_a_later_send_of_the_same_email_differs_only_in_timestamps_and_is_the_same():
    assert BASE != LATER  # boundaries, Date, Message-ID, generated-at, zip dates
    parts, members = compare_eml("sent.eml", BASE, LATER)
    assert parts == 6  # mixed > (alternative > text, html), csv.zip, notes
    assert members == 1


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"failed_line": "4 failed"}, "part 1.1 (text/plain), line 3"),
        ({"subject": "Daily process report 2026-11-26: 4 failed"}, "part message"),
        ({"csv": b"uuid,status\n1,finished\n"}, "processes.csv, line 2"),
    ],
)
def test_a_change_of_content_is_found_and_its_place_named(change, where):
    with pytest.raises(DifferentError) as found:
        compare_eml("sent.eml", BASE, email_bytes(**change))
    assert where in str(found.value)


def saved(folder: Path, eml: bytes, html: str) -> Path:
    folder.mkdir()
    (folder / "sent-1.eml").write_bytes(eml)
    (folder / "report.html").write_text(html)
    return folder


def test_saved_folders_compare_every_file_and_the_cli_says_same_or_the_difference(tmp_path, capsys):
    a = saved(tmp_path / "a", BASE, HTML.format(at="2026-11-27 08:01 CET"))
    b = saved(tmp_path / "b", LATER, HTML.format(at="2026-11-27 09:14 CET"))
    assert "sent-1.eml: 6 MIME parts, 1 zip members" in compare(a, b)
    assert main([str(a), str(b)]) == 0
    assert capsys.readouterr().out.startswith("same except timestamps")
    (b / "report.html").write_text(HTML.format(at="2026-11-27 09:14 CET").replace("3", "4"))
    assert main([str(a), str(b)]) == 1
    printed = capsys.readouterr().out
    assert printed.startswith("different: report.html, line 1")
    assert "3 failed" in printed
    assert "4 failed" in printed


def test_a_file_missing_from_one_side_is_a_difference(tmp_path):
    a = saved(tmp_path / "a", BASE, "<p>x</p>")
    b = saved(tmp_path / "b", BASE, "<p>x</p>")
    (b / "report.txt").write_text("x\n")
    with pytest.raises(DifferentError, match="files"):
        compare(a, b)
