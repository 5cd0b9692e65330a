"""`dev.compare_email`: two emails of the same day, sent at different moments, are the
same; any change of content (a body line, a header, a zipped attachment's member) is
found and the first one named. The emails are the project's own MIME
(`process_report.mail.build_message`) with a zipped attachment."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from dev.compare_email import DifferentError, compare, compare_eml, main, without_moment
from process_report.mail import build_message
from process_report.report import RenderedReport
from process_report.report_attachments import Attachment

HTML = (
    "<html><body><p class='meta'>Window 2026-11-26 08:00 CET → 2026-11-27 08:00 CET · "
    "generated {at}</p><p>3 failed</p><a href='http://127.0.0.1:{port}/dags/"
    "client_process_daily_report/runs/manual__2026-11-27T{run}%2B00%3A00'>run</a>"
    "</body></html>"
)
TEXT = "Daily process report\nGenerated {at}\n3 failed\nRun manual__2026-11-27T{run}+00:00\n"


def zipped(name: str, data: bytes, date_time: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=date_time), data)
    return buffer.getvalue()


def email_bytes(
    *,
    at: str = "2026-11-27 08:01 CET",
    run: str = "07:01:02.123456",
    port: int = 38423,
    date: str = "Fri, 27 Nov 2026 07:01:00 +0000",
    message_id: str = "<report-1@contoso.example>",
    subject: str = "Daily process report 2026-11-26: 3 failed",
    failed_line: str = "3 failed",
    csv: bytes = b"uuid,status\n1,failed\n",
    zip_date: tuple[int, ...] = (2026, 11, 27, 8, 1, 0),
) -> bytes:
    report = RenderedReport(
        subject,
        HTML.format(at=at, run=run.replace(":", "%3A"), port=port).replace("3 failed", failed_line),
        TEXT.format(at=at, run=run).replace("3 failed", failed_line),
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
    run="08:14:40.654321",  # `airflow dags test` names its run after the moment
    port=46215,  # the benchmark's API server, on a free port each run
    date="Fri, 27 Nov 2026 08:14:00 +0000",
    message_id="<report-2@contoso.example>",
    zip_date=(2026, 11, 27, 9, 14, 2),
)


def test_a_later_send_of_the_same_email_differs_only_in_timestamps_and_is_the_same():
    # boundaries, Date, Message-ID, generated-at, run id, loopback port, zip dates
    assert BASE != LATER
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


def test_only_the_moment_is_replaced_in_run_links_not_the_path_or_another_host():
    link = (
        "http://127.0.0.1:38423/process-report/dags/client_process_daily_report/runs/"
        "manual__2026-12-06T23%3A15%3A05.186483%2B00%3A00/extracts/18ecde2b.log"
    )
    assert without_moment(link) == (
        "http://127.0.0.1:<port>/process-report/dags/client_process_daily_report/runs/"
        "manual__<time>/extracts/18ecde2b.log"
    )
    assert without_moment("run manual__2026-12-06T23:15:05+00:00 done") == (
        "run manual__<time> done"
    )
    assert without_moment("https://airflow.contoso.example:8443/dags") == (
        "https://airflow.contoso.example:8443/dags"
    )


def saved(folder: Path, eml: bytes, html: str) -> Path:
    folder.mkdir()
    (folder / "sent-1.eml").write_bytes(eml)
    (folder / "report.html").write_text(html)
    return folder


def test_saved_folders_compare_every_file_and_the_cli_says_same_or_the_difference(tmp_path, capsys):
    a = saved(tmp_path / "a", BASE, HTML.format(at="2026-11-27 08:01 CET", run="07", port=1))
    b = saved(tmp_path / "b", LATER, HTML.format(at="2026-11-27 09:14 CET", run="08", port=2))
    assert "sent-1.eml: 6 MIME parts, 1 zip members" in compare(a, b)
    assert main([str(a), str(b)]) == 0
    assert capsys.readouterr().out.startswith("same except timestamps")
    changed = HTML.format(at="2026-11-27 09:14 CET", run="08", port=2).replace("3 f", "4 f")
    (b / "report.html").write_text(changed)
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
