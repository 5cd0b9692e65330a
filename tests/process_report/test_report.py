"""The report email: what each section shows, escaping, the size budget, attachments,
and what Chromium shows at desktop and phone widths."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from html.parser import HTMLParser

import pytest
from PIL import Image

from process_report.mail import GRAPH_REQUEST_LIMIT, build_message
from process_report.processes import categorize
from process_report.report import (
    BODY_BUDGET_BYTES,
    render_report,
    report_email,
    safe_url,
    subject_line,
)
from process_report.window import resolve_window
from tests.support.browser import overflow_px, screenshot
from tests.support.report_days import report_inputs

WINDOW = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00")
END = WINDOW.end
GENERATED = datetime(2026, 11, 27, 7, 0, 12, tzinfo=UTC)


def process_row(uuid, status, client="Acme", hours=2.0, stop_hours=3.0, ping=None, **extra):
    start = END - timedelta(hours=24 - hours)
    return {
        "process_uuid": uuid,
        "client_id": 1,
        "client_name": client,
        "api_key": "k",
        "status_name": status,
        "status_id": 1,
        "start_time": start,
        "ping_time": ping,
        "stop_time": (None if status == "Running" else END - timedelta(hours=24 - stop_hours)),
        "source_uri": "https://cams.example.net/1",
        "source_alias": "north gate",
        "source_uuid": "s-1",
        **extra,
    }


def render(rows, previous=None, notes=()):
    data = categorize(rows, window_end=END, hung_after_minutes=60).to_dict()
    return render_report(
        window=WINDOW,
        process_data=data,
        previous_counts=previous or {},
        generated_at=GENERATED,
        notes=list(notes),
    )


class _Collector(HTMLParser):
    """Collects visible text per <h2> section and every href, for structural checks."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, str] = {}
        self.current = "head"
        self.in_h2 = False
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_h2, self.current = True, ""
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
            self.sections[self.current] = ""

    def handle_data(self, data):
        if self.in_h2:
            self.current += data
        else:
            self.sections[self.current] = self.sections.get(self.current, "") + data


def parse(html):
    collector = _Collector()
    collector.feed(html)
    return collector


def test_subject_carries_day_counts_and_hung():
    counts = {"finished": 120, "failed": 4, "running": 3, "hung": 1, "other": 0, "total": 127}
    assert subject_line(WINDOW, counts) == (
        "Daily process report 2026-11-26: 120 finished · 4 failed · 3 running (1 hung)"
    )


def test_each_category_gets_its_section_with_its_processes():
    report = render(
        [
            process_row("f-1", "Failed", client="Zeta"),
            process_row("d-1", "Finished"),
            process_row("r-1", "Running", ping=END - timedelta(hours=5)),
            process_row("q-1", "Queued"),
        ],
        previous={"finished": 3, "failed": 0},
    )
    sections = parse(report.html).sections
    assert "f-1" in sections["Failed (1)"]
    assert "Zeta" in sections["Failed (1)"]
    assert "d-1" in sections["Finished (1)"]
    assert "r-1" in sections["Running (1)"]
    assert "HUNG" in sections["Running (1)"]
    assert "Queued" in sections["Other statuses (1)"]
    summary = sections["Summary"]
    assert "Finished1" in summary.replace("\n", "")
    assert "-2" in summary
    for uuid in ("f-1", "d-1", "r-1", "q-1"):
        assert uuid in report.text


def test_header_names_window_ends_with_timezone_and_generation_time():
    text = render([]).text
    assert "Window 2026-11-26 08:00 CET -> 2026-11-27 08:00 CET (Europe/Paris" in text
    assert "Generated 2026-11-27 08:00 CET" in text


def test_empty_day_still_renders_a_short_report_that_says_so():
    report = render([])
    assert "No client process ran in this window." in report.html
    assert "No client process ran in this window." in report.text
    assert "Failed (" not in report.html


def test_run_notes_and_data_quality_lines_reach_both_bodies():
    report = render(
        [process_row("x", "Finished", client_name=None)], notes=["Schedule timezone differs"]
    )
    for body in (report.html, report.text):
        assert "Schedule timezone differs" in body
        assert "client has no name" in body


@pytest.mark.parametrize(
    ("field", "status"),
    [("client_name", "Failed"), ("source_alias", "Finished"), ("status_name", None)],
)
def test_markup_in_data_is_escaped_not_rendered(field, status):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    report = render([process_row("u", status, **{field: payload})])
    assert "<script>" not in report.html
    assert "<img" not in report.html
    assert "&lt;script&gt;" in report.html


def test_only_http_urls_become_links():
    report = render(
        [
            process_row("u1", "Finished", source_uri="javascript:alert(1)"),
            process_row("u2", "Finished", source_uri="https://ok.example/v"),
        ]
    )
    hrefs = parse(report.html).hrefs
    assert hrefs == ["https://ok.example/v"]
    assert safe_url("data:text/html,x") is None
    assert safe_url(" HTTP://a.b ") == " HTTP://a.b "


def test_message_is_multipart_alternative_with_text_first():
    report = render([process_row("u", "Finished")])
    raw = build_message(report, ["a@example.com", "b@example.com"]).as_bytes()
    message = message_from_bytes(raw, policy=default)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["To"] == "a@example.com, b@example.com"
    assert message["Subject"] == report.subject
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html.rstrip("\n") == report.html.rstrip("\n")


def test_plain_text_shows_data_as_written_not_as_html_entities():
    report = render([process_row("u", "Failed", client_name="O'Brien & Sons <Ltd>")])
    assert "O'Brien & Sons <Ltd>" in report.text
    assert "O'Brien &amp; Sons &lt;Ltd&gt;" in report.html


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
def test_chromium_screenshot_shows_the_styled_report_at_each_width(rendered_days, tmp_path, width):
    png = screenshot(rendered_days["small"], width, tmp_path / f"r{width}.png", height=1200)
    with Image.open(png) as image:
        assert image.size == (width, 1200)
        colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    # the table headers' background and the failures' red: the template's styles rendered
    assert (0xEE, 0xF1, 0xF5) in colours
    assert (0xB0, 0x00, 0x20) in colours
