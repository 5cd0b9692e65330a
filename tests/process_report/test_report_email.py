"""The email at any size of day: the size budget, attachments, escaping of every field,
and what a browser shows at desktop and phone widths."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from include.demo.browser import overflow_px, screenshot
from include.demo.report_days import report_inputs
from process_report.mail import GRAPH_REQUEST_LIMIT, build_message
from process_report.report import BODY_BUDGET_BYTES, report_email


@pytest.fixture(scope="module")
def big_day():
    return report_email(**report_inputs(20_000))


def test_small_day_fits_whole_with_the_csv_attached():
    email = report_email(**report_inputs(20))
    assert email.row_limit is None
    assert [a.name for a in email.attachments] == ["processes.csv"]
    assert "and" not in email.body.text.split("DATA QUALITY")[0].split("more")[0][-20:]
    assert "Complete lists attached" not in email.body.html


def test_big_day_body_stays_under_the_clipping_budget(big_day):
    assert len(big_day.body.html.encode()) <= BODY_BUDGET_BYTES
    assert big_day.row_limit is not None


def test_big_day_body_keeps_summary_every_failure_group_and_says_how_many_more(big_day):
    html = big_day.body.html
    assert "Summary" in html
    assert "Failures by error" in html
    assert html.count("ValueError: corrupt frame") >= 1
    assert "more finished processes (see the attachments)" in html
    assert "Complete lists attached: processes.csv.zip, full-report.html.zip." in html
    assert "more finished processes (see the attachments)" in big_day.body.text


def unzip(attachment):
    with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
        return archive.read(attachment.name.removesuffix(".zip")).decode()


def test_big_day_attachments_hold_every_process_zipped(big_day):
    attachments = {a.name: a for a in big_day.attachments}
    assert set(attachments) == {"processes.csv.zip", "full-report.html.zip"}
    rows = list(csv.DictReader(io.StringIO(unzip(attachments["processes.csv.zip"]))))
    assert len(rows) == 20_000
    full = unzip(attachments["full-report.html.zip"])
    assert rows[-1]["uuid"] in full
    assert rows[0]["uuid"] in full


def test_big_day_message_stays_within_graphs_request_limit(big_day):
    message = build_message(big_day.body, ["ops@example.com"], big_day.attachments)
    import base64

    assert len(base64.b64encode(message.as_bytes())) < GRAPH_REQUEST_LIMIT
    names = [p.get_filename() for p in message.iter_attachments()]
    assert sorted(names) == ["full-report.html.zip", "processes.csv.zip"]


PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_every_field_are_escaped_and_never_become_links(payload):
    email = report_email(**report_inputs(40, payload=payload))
    html = email.body.html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html.lower()
    assert "onerror=alert(1)>" not in html.replace("&gt;", "")  # only escaped forms remain


def test_csv_cells_cannot_run_as_formulas():
    inputs = report_inputs(20, payload='=HYPERLINK("http://x")')
    data = report_email(**inputs).attachments[0].data.decode()
    assert ",=HYPERLINK" not in data
    assert "'=HYPERLINK" in data


@pytest.fixture(scope="module")
def rendered_days(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    days = {}
    for name, count in (("small", 20), ("big", 20_000)):
        path = folder / f"{name}.html"
        path.write_text(report_email(**report_inputs(count)).body.html, encoding="utf-8")
        days[name] = path
    long_path = folder / "long.html"
    long_inputs = report_inputs(20, payload="x" * 400)
    long_path.write_text(report_email(**long_inputs).body.html, encoding="utf-8")
    days["long"] = long_path
    return days


@pytest.mark.parametrize("day", ["small", "big", "long"])
def test_nothing_scrolls_sideways_at_phone_width_in_chromium(rendered_days, day):
    assert overflow_px(rendered_days[day], 375) == 0


@pytest.mark.parametrize("width", [1280, 375])
def test_chromium_renders_the_report_to_png(rendered_days, tmp_path, width):
    png = screenshot(rendered_days["small"], width, tmp_path / f"r{width}.png", height=1200)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000  # a rendered page, not a blank one
