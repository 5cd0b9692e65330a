"""The email's size budget, with real renders of hostile days: 40,000 data-quality
notes (a logs folder of links into an archive volume), 700 notes, 3,000 distinct
failure signatures, and all of them at once against Graph's request limit."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from process_report.data_quality import EXAMPLES_SHOWN, NOTES_FILE
from process_report.logs.problems import SYMLINK, Problems
from process_report.mail import GRAPH_REQUEST_LIMIT, build_message, graph_request_size
from process_report.report import report_email
from process_report.report_budget import BODY_BUDGET_BYTES, TEXT_BUDGET_BYTES
from tests.support.report_days import LINKS, distinct_errors, extract_text, report_inputs

LINK_NOTE = "/logs/archive/{:06d}/{:06d}.log skipped: it links outside the logs folder."
TIMES = "\N{MULTIPLICATION SIGN}"  # the HTML's count sign
LINK_NOTES = [LINK_NOTE.format(n // 100, n) for n in range(40_000)]


def flat(text: str) -> str:
    """Text without markup and <wbr>, whitespace folded: what a reader sees."""
    return " ".join(re.sub(r"<[^>]+>", "", text.replace("<wbr>", "")).split())


def assert_within_budget(email) -> None:
    assert len(email.body.html.encode()) <= BODY_BUDGET_BYTES
    assert len(email.body.text.encode()) <= TEXT_BUDGET_BYTES


def unzipped(attachment) -> str:
    if not attachment.name.endswith(".zip"):
        return attachment.data.decode()
    with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
        return archive.read(attachment.name.removesuffix(".zip")).decode()


@pytest.fixture(scope="module")
def link_notes_day():
    return report_email(**{**report_inputs(20), "notes": LINK_NOTES})


def test_forty_thousand_link_notes_keep_both_bodies_within_budget(link_notes_day):
    assert_within_budget(link_notes_day)
    assert link_notes_day.row_limit is None  # the notes no longer push the lists out


def test_forty_thousand_link_notes_are_one_kind_with_its_count_and_a_few_examples(
    link_notes_day,
):
    html, text = flat(link_notes_day.body.html), link_notes_day.body.text
    assert f"40,000 {TIMES} … skipped: it links outside the logs folder." in html
    assert "- 40,000 x … skipped: it links outside the logs folder." in text
    for body in (html, text):
        assert sum(note in body for note in LINK_NOTES) == EXAMPLES_SHOWN
        assert f"and {40_000 - EXAMPLES_SHOWN:,} more" in body
    assert f"{NOTES_FILE}.zip (attached, and in the report viewer)" in html
    assert LINKS.viewer in link_notes_day.body.html


def test_every_one_of_forty_thousand_notes_is_in_the_attached_notes_file(link_notes_day):
    (notes,) = [a for a in link_notes_day.attachments if a.name.startswith(NOTES_FILE)]
    lines = set(unzipped(notes).splitlines())
    assert all(f"- {note}" in lines for note in LINK_NOTES)


def test_seven_hundred_notes_leave_every_list_whole_in_the_body():
    binary = "seg_{}.ts skipped: a binary file (NUL bytes in its first 8 KB)."
    long_record = "cam{}.log: a record longer than 16 MiB was cut at a line end."
    notes = [binary.format(n) for n in range(400)] + [long_record.format(n) for n in range(300)]
    email = report_email(**{**report_inputs(20), "notes": notes})
    assert_within_budget(email)
    assert email.row_limit is None
    html = flat(email.body.html)
    assert f"400 {TIMES} … skipped: a binary file (NUL bytes in its first N KB)." in html
    assert f"300 {TIMES} …: a record longer than N MiB was cut at a line end." in html
    assert "and 397 more" in html
    assert "and 297 more" in html


@pytest.fixture(scope="module")
def signatures_day():
    inputs = distinct_errors(report_inputs(3_000, statuses=["Failed"]))
    return inputs, report_email(**inputs)


def test_three_thousand_signatures_keep_both_bodies_within_budget(signatures_day):
    _, email = signatures_day
    assert_within_budget(email)


def test_three_thousand_signatures_show_the_largest_and_say_how_many_more(signatures_day):
    inputs, email = signatures_day
    errors = [f["key_error"] for f in inputs["failures"]]
    groups = flat(email.body.html).split("Failures by error")[1].split("Failed (")[0]
    shown = sum(error in groups for error in errors)
    more = f"and {3_000 - shown:,} more signatures: see the report viewer"
    assert 0 < shown < 3_000
    assert more in flat(email.body.html)
    assert more in email.body.text
    (full,) = [a for a in email.attachments if a.name.startswith("full-report.html")]
    complete = flat(unzipped(full))
    assert all(error in complete for error in errors)  # the complete report


def test_a_group_names_its_first_clients_and_counts_the_rest():
    inputs = report_inputs(40, statuses=["Failed"])  # one failure of each of 40 clients
    for failure in inputs["failures"]:
        failure["key_error"] = "EncoderError: the stream ended"
        failure["signature"] = failure["key_error"]
    email = report_email(**inputs)
    named = ", ".join(f"Client {n:02d} Aerial Surveys" for n in range(8))
    assert f"{named} and 32 more ·" in flat(email.body.html)
    assert f"{named} and 32 more; " in email.body.text


def test_a_day_of_everything_fits_graphs_request_limit_with_every_attachment():
    inputs = distinct_errors(report_inputs(3_000, statuses=["Failed", "Finished"]))
    email = report_email(**{**inputs, "notes": LINK_NOTES}, read_extract=extract_text)
    assert_within_budget(email)
    message = build_message(email.body, ["ops@example.com"], email.attachments)
    assert graph_request_size(message) <= GRAPH_REQUEST_LIMIT
    names = sorted(p.get_filename() for p in message.iter_attachments())
    assert names == sorted(a.name for a in email.attachments)
    assert {name.split(".")[0] for name in names} == {
        "processes",
        "full-report",
        "data-quality",
        "failure-logs",
    }


def test_the_minimal_body_is_the_headline_the_counts_and_the_viewer_link():
    email = report_email(**report_inputs(200))
    minimal = email.minimal
    assert minimal.subject == email.body.subject
    for body in (flat(minimal.html), minimal.text):
        assert email.body.subject in body
        assert "the full one did not fit in one email" in body
        assert "1 distinct error signature(s) · 1 data-quality note(s)" in body
    assert re.search(r"Failed\s+20\s+\(previous 0, \+20\)", minimal.text)
    assert "Failed20" in flat(minimal.html).replace(" ", "")
    assert f'href="{LINKS.viewer}"' in minimal.html
    assert LINKS.viewer in minimal.text
    assert len(minimal.html.encode()) < 10_000


def test_when_even_the_smallest_cut_is_too_big_the_body_is_the_minimal_one():
    # summaries are clipped where they are made; a tampered one is not
    inputs = report_inputs(200)
    for n, failure in enumerate(inputs["failures"]):
        failure["key_error"] = f"Error {n:03d}: " + "stream lost " * 30_000
        failure["signature"] = f"sig-{n}"
    email = report_email(**inputs)
    assert email.body == email.minimal
    assert_within_budget(email)
    assert {a.name.split(".")[0] for a in email.attachments} == {"processes", "full-report"}


def test_the_log_scans_counted_notes_read_as_one_kind_with_the_whole_count():
    problems = Problems()
    for note in LINK_NOTES:  # what the scan notes for 40,000 links: 5, then a count
        problems.add(SYMLINK, note)
    email = report_email(**{**report_inputs(20), "notes": problems.notes()})
    assert_within_budget(email)
    html = flat(email.body.html)
    assert f"40,000 {TIMES} … skipped: it links outside the logs folder." in html
    assert f"and {40_000 - EXAMPLES_SHOWN:,} more" in html
