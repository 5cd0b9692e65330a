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
from process_report.report import render_report, report_email
from process_report.report_attachments import EXTRACTS_ZIP, EXTRACTS_ZIP_MAX_BYTES
from process_report.report_budget import BODY_BUDGET_BYTES
from process_report.window import resolve_window
from tests.support.browser import overflow_px, screenshot
from tests.support.email_checks import check_email_html, without_ignored_css
from tests.support.report_days import LINKS, api_key, extract_text, report_inputs

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
    """Collects visible text per <h2> section, every href with its link text, and the
    attributes of every <th>, for structural checks."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, str] = {}
        self.current = "head"
        self.in_h2 = False
        self.hrefs: list[str] = []
        self.link_texts: list[str] = []
        self.in_link = False
        self.headers: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_h2, self.current = True, ""
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))
            self.link_texts.append("")
            self.in_link = True
        if tag == "th":
            self.headers.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
            self.sections[self.current] = ""
        if tag == "a":
            self.in_link = False

    def handle_data(self, data):
        if self.in_link:
            self.link_texts[-1] += data
        if self.in_h2:
            self.current += data
        else:
            self.sections[self.current] = self.sections.get(self.current, "") + data


def parse(html):
    collector = _Collector()
    collector.feed(html)
    return collector


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
    assert (
        "Window 2026-11-26 08:00 CET -> 2026-11-27 08:00 CET (window chosen by hand); "
        "all times Europe/Paris"
    ) in text
    assert "Generated 2026-11-27 08:00 CET" in text


def test_email_names_its_time_zone_and_no_airflow_term():
    report = render([])
    assert "all times Europe/Paris" in report.html
    for body in (report.html, report.text):
        for term in ("window_end", "data_interval", "run_after", " param", "from data"):
            assert term not in body


def test_a_process_running_for_days_shows_days_and_hours():
    hours_before_window = 8 * 24 + 23 + 55 / 60 - 24  # started 8 d 23 h 55 min before END
    report = render(
        [process_row("r-9", "Running", hours=-hours_before_window, ping=END - timedelta(minutes=1))]
    )
    for body in (report.html, report.text):
        assert "running 8 d 23 h" in body
        assert "215 h" not in body


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
    return report_email(**report_inputs(20_000), read_extract=extract_text)


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
    assert set(attachments) == {"processes.csv.zip", "full-report.html.zip", EXTRACTS_ZIP}
    rows = list(csv.DictReader(io.StringIO(unzip(attachments["processes.csv.zip"]))))
    assert len(rows) == 20_000
    full = unzip(attachments["full-report.html.zip"]).replace("<wbr>", "")
    assert rows[-1]["uuid"] in full
    assert rows[0]["uuid"] in full


def test_big_day_message_stays_within_graphs_request_limit(big_day):
    message = build_message(big_day.body, ["ops@example.com"], big_day.attachments)
    import base64

    assert len(base64.b64encode(message.as_bytes())) < GRAPH_REQUEST_LIMIT
    names = [p.get_filename() for p in message.iter_attachments()]
    assert sorted(names) == [EXTRACTS_ZIP, "full-report.html.zip", "processes.csv.zip"]
    assert "Not attached" not in message.get_body(("plain",)).get_content()


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
    unlinked = folder / "unlinked.html"
    unlinked_inputs = {**report_inputs(20), "links": None}
    unlinked.write_text(report_email(**unlinked_inputs).body.html, encoding="utf-8")
    days["unlinked"] = unlinked
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


def visible(html):
    """The text a reader sees, whitespace collapsed (<wbr> adds no character)."""
    return " ".join("".join(parse(html).sections.values()).split())


def failed_section(email, total):
    html = parse(email.body.html).sections[f"Failed ({total})"]
    text = email.body.text.split(f"FAILED ({total})")[1].split("FINISHED (")[0]
    return html, text


def test_each_failure_shows_its_key_error_and_latest_error_lines_with_their_times():
    inputs = report_inputs(20)
    email = report_email(**inputs)
    failure = inputs["failures"][0]
    for section in failed_section(email, 2):
        assert failure["key_error"] in section
        for shown in failure["error_lines"][-3:]:
            message = shown["line"].removeprefix(shown["at"]).strip()
            assert f"{shown['at'][11:]} {message}" in " ".join(section.split())
        oldest = failure["error_lines"][0]["line"].removeprefix(failure["error_lines"][0]["at"])
        assert oldest.strip() not in section  # only the last few lines; the rest is linked


def test_each_failure_links_its_full_extract_in_the_viewer_not_a_worker_file():
    inputs = report_inputs(20)
    email = report_email(**inputs)
    for failure in inputs["failures"]:
        url = LINKS.extract(f"{failure['uuid']}.log")
        assert url in parse(email.body.html).hrefs
        assert url in email.body.text
    for body in (email.body.html, email.body.text):
        assert "file://" not in body
        assert "/opt/airflow" not in body


def test_email_links_the_run_in_the_airflow_ui_and_its_report_viewer():
    email = report_email(**report_inputs(20))
    run = "https://airflow.example.net/dags/client_process_daily_report/runs/scheduled__2026-11-26T07%3A00%3A00%2B00%3A00"
    assert LINKS.run == run
    hrefs = parse(email.body.html).hrefs
    assert run in hrefs
    assert LINKS.viewer in hrefs
    assert run in email.body.text
    assert LINKS.viewer in email.body.text


def test_without_airflows_base_url_no_link_points_nowhere_and_extracts_are_named():
    inputs = {**report_inputs(20), "links": None}
    email = report_email(**inputs, read_extract=extract_text)
    assert all(href.startswith("https://contoso.example/") for href in parse(email.body.html).hrefs)
    for failure in inputs["failures"]:
        for body in (visible(email.body.html), email.body.text):
            assert f"{failure['uuid']}.log in {EXTRACTS_ZIP}" in " ".join(body.split())


def unzipped(attachment):
    with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_failure_extracts_are_attached_in_one_zip_as_the_viewer_serves_them():
    inputs = report_inputs(20)
    email = report_email(**inputs, read_extract=extract_text)
    (bundle,) = [a for a in email.attachments if a.name == EXTRACTS_ZIP]
    assert bundle.mime == "application/zip"
    files = unzipped(bundle)
    assert files == {f"{f['uuid']}.log": extract_text(f["extract"]) for f in inputs["failures"]}
    assert f"Failure logs attached: {EXTRACTS_ZIP} (2 of 2)" in email.body.text


def incompressible_extract(url: str) -> str:
    """A 200 KB extract that does not compress, as base64 of random bytes."""
    import base64
    import os

    return base64.b64encode(os.urandom(150_000)).decode() + "\n"


def test_extracts_beyond_the_zip_cap_are_left_out_and_the_email_links_them():
    inputs = report_inputs(200)  # 20 failures of 200 KB each: 4 MB, over the cap
    email = report_email(**inputs, read_extract=incompressible_extract)
    (bundle,) = [a for a in email.attachments if a.name == EXTRACTS_ZIP]
    attached = unzipped(bundle)
    assert len(bundle.data) <= EXTRACTS_ZIP_MAX_BYTES
    assert 0 < len(attached) < 20
    for body in (visible(email.body.html), email.body.text):
        flat = " ".join(body.split())
        assert f"Failure logs attached: {EXTRACTS_ZIP} ({len(attached)} of 20" in flat
    left_out = [f for f in inputs["failures"] if f"{f['uuid']}.log" not in attached]
    assert LINKS.extract(f"{left_out[0]['uuid']}.log") in parse(email.body.html).hrefs


def test_a_huge_extract_is_attached_by_its_last_lines_saying_what_was_left_out():
    def huge(url):
        return "".join(f"2026-11-26 09:00:00 INFO line {n}\n" for n in range(100_000)) + (
            "2026-11-26 10:30:00 ERROR the end\n"
        )

    inputs = report_inputs(20)
    email = report_email(**inputs, read_extract=huge)
    (bundle,) = [a for a in email.attachments if a.name == EXTRACTS_ZIP]
    text = unzipped(bundle)[f"{inputs['failures'][0]['uuid']}.log"]
    assert text.endswith("2026-11-26 10:30:00 ERROR the end\n")
    assert text.startswith("[The first ")
    assert "line 0\n" not in text
    assert len(text.encode()) < 300_000


def test_video_and_source_texts_show_no_api_key_folder_or_credentials():
    inputs = report_inputs(40)
    rows = inputs["process_data"]["processes"]
    rows[0]["source_uri"] = "rtsp://admin:Cam-Pa55@cam0.example.net/live"
    rows[0]["source_alias"] = None
    email = report_email(**inputs)
    html = parse(email.body.html)
    for client in range(40):
        assert api_key(client) not in email.body.text
        assert not any(api_key(client) in text for text in html.link_texts)
    assert any(api_key(1) in href for href in html.hrefs)  # the link itself still works
    assert "Cam-Pa55" not in email.body.html
    for body in (email.body.text, visible(email.body.html)):
        assert "Cam-Pa55" not in body
        assert "cam0.example.net/live" in body


def test_every_table_header_says_whether_it_heads_a_column_or_a_row():
    headers = parse(report_email(**report_inputs(20)).body.html).headers
    assert headers
    assert all(h.get("scope") in ("col", "row") for h in headers)


@pytest.mark.parametrize("day", ["small", "big", "long", "unlinked"])
def test_nothing_scrolls_sideways_at_phone_width_when_outlook_and_gmail_ignore_css(
    rendered_days, day, tmp_path
):
    stripped = tmp_path / f"{day}-stripped.html"
    stripped.write_text(without_ignored_css(rendered_days[day].read_text()), encoding="utf-8")
    assert "overflow-wrap" not in stripped.read_text()
    assert overflow_px(stripped, 375) == 0


def test_the_stripping_takes_away_the_css_those_clients_ignore():
    html = (
        "<style>td { overflow-wrap: anywhere; color: red; }"
        "@media (max-width: 600px) { td { padding: 1px; } }</style>"
        '<table style="table-layout:fixed;width:100%"><tr><td style="overflow-wrap:anywhere">x'
    )
    assert without_ignored_css(html) == (
        '<style>td {  color: red; }</style><table style="width:100%"><tr><td style="">x'
    )


# caniemail gaps the email accepts, each harmless by design:
ACCEPTED_GAPS = {
    # Outlook's and Yahoo's apps replace <body> with a <div>: everything sits in the
    # page table inside it, the body carries only its background colour.
    "`<body> element`",
    # Windows Mail ignores role="presentation"; the layout tables still lay out.
    "`role attribute`",
    # Outlook for Windows, Windows Mail and the Gmail iOS app ignore <wbr>: they lose
    # break opportunities inside long words only (paths, URLs; a UUID fits a phone's
    # width whole), and the first two are desktop apps. <wbr> adds no character to
    # copied text, which a zero-width space would.
    "`<wbr> element`",
}


def test_email_html_uses_only_what_caniemail_says_the_clients_support(rendered_days):
    found = check_email_html(list(rendered_days.values()))
    for path, problems in found.items():
        gaps = {p.split(" is ")[0] for p in problems["caniemail"]} - ACCEPTED_GAPS
        assert not gaps, (path, sorted(problems["caniemail"]))


def test_email_html_is_valid_html(rendered_days):
    for path, problems in check_email_html(list(rendered_days.values())).items():
        assert problems["htmlValidate"] == [], path
