"""What the email shows of the history: order and badges, the acknowledged and
not-seen-today sections, the history's notes, the trend, in both parts, within the
budget and laid out for the mail clients that support the least."""

from __future__ import annotations

import pytest

from process_report.logs.signatures import error_id
from process_report.report import report_email
from process_report.report_budget import BODY_BUDGET_BYTES
from process_report.report_history import day_ranges, headline, ordinal, sparkline
from tests.process_report.test_report import parse, visible
from tests.support.browser import overflow_px
from tests.support.email_checks import check_email_html, without_ignored_css
from tests.support.history_fixtures import ERRORS, NOT_SEEN, TICKET, history_inputs
from tests.support.report_days import report_inputs


@pytest.fixture(scope="module")
def email():
    return report_email(**history_inputs())


def _text_section(text: str, title: str) -> str:
    return text.split(title, 1)[1].split("\n\n\n")[0].split("\n\n")[0]


def test_subject_and_first_lines_lead_with_failures_and_what_is_new(email):
    assert email.body.subject.startswith(
        "Daily process report 2026-11-26: 6 failed · 1 new error · 1 back · "
    )
    assert email.body.text.splitlines()[0] == email.body.subject
    second = email.body.text.splitlines()[1]
    assert second == (
        "Since the previous report days: 1 new · 1 back · 2 ongoing · 1 not seen today · "
        "1 acknowledged"
    )
    assert "6 failed · 1 new error · 1 back" in visible(email.body.html)


def test_failures_by_error_list_new_then_back_then_ongoing_with_their_badges(email):
    html = parse(email.body.html).sections["Failures by error"]
    order = [ERRORS["new"], ERRORS["back"], ERRORS["expired"], ERRORS["ongoing"]]
    positions = [html.index(error) for error in order]
    assert positions == sorted(positions)
    text = _text_section(email.body.text, "FAILURES BY ERROR\n")
    assert [text.index(f"{badge}] ") for badge in ("[NEW", "[BACK", "[ONGOING")] == sorted(
        text.index(f"{badge}] ") for badge in ("[NEW", "[BACK", "[ONGOING")
    )
    for body in (" ".join(html.split()), text):
        assert "first time in the last 14 days" in body
        assert "back after 3 days; last seen 2026-11-23 · seen on 3 of the last 14 days" in body
        assert "4th day in a row, since 2026-11-23 · seen on 6 of the last 14 days" in body
        assert "acknowledgement expired on 2026-11-25: vendor fix pending" in body


def test_an_acknowledged_error_moves_to_its_section_with_note_and_ticket_link(email):
    collected = parse(email.body.html)
    assert ERRORS["acknowledged"] not in collected.sections["Failures by error"]
    section = collected.sections["Acknowledged (1)"]
    assert ERRORS["acknowledged"] in section
    assert "disk swap planned" in section
    assert TICKET in collected.hrefs
    text = _text_section(email.body.text, "ACKNOWLEDGED (1)\n")
    assert ERRORS["acknowledged"] in text
    assert f"disk swap planned | {TICKET}" in text
    assert ERRORS["acknowledged"] not in _text_section(email.body.text, "FAILURES BY ERROR\n")


def test_each_error_shows_the_signature_id_known_issues_names(email):
    for kind in ("new", "acknowledged"):
        shown = f"id {error_id(ERRORS[kind])}"
        assert shown in visible(email.body.html)
        assert shown in email.body.text


def test_a_ticket_that_is_not_http_is_never_a_link(email):
    assert not any(href.startswith("javascript:") for href in parse(email.body.html).hrefs)


def test_not_seen_today_lists_the_error_with_its_last_day_and_streak(email):
    html = parse(email.body.html).sections["Not seen today (fixed?)"]
    text = _text_section(email.body.text, "NOT SEEN TODAY (FIXED?)\n")
    for body in (" ".join(html.split()), text):
        assert NOT_SEEN in body
        assert "last seen 2026-11-25 after 2 days in a row" in body
        assert "Client 03 Aerial Surveys" in body


def test_gaps_are_said_as_days_without_an_archived_report(email):
    line = "No report archived for 2026-11-21 to 2026-11-22."
    assert line in email.body.text.splitlines()[:4]
    assert line in visible(email.body.html)


def test_the_trend_draws_seven_days_with_bars_and_sparklines_in_both_parts(email):
    html = email.body.html
    assert html.count('bgcolor="#b00020"') == 6  # one bar per day with failures
    assert 'width="80"' in html  # the worst day's bar is the longest
    section = parse(html).sections["7-day trend"]
    assert "Thu 26" in section
    assert "Fri 20" in section
    text = _text_section(email.body.text, "7-DAY TREND")
    assert "failed    ▃·▁▅█▇█  2 0 1 4 6 5 6" in text
    assert "Client 03 Aerial Surveys: 9 in 7 days (1 0 0 2 3 1 2), failing 4 days in a row" in text
    assert "failing 4 days in a row" in section
    assert "<img" not in html


def test_first_run_says_history_starts_today():
    inputs = history_inputs()
    inputs["history"] = {**inputs["history"], "first_run": True, "gaps": []}
    text = report_email(**inputs).body.text
    assert "History starts today: no earlier report is archived in the horizon." in text


def test_history_or_trend_that_could_not_be_read_is_said_and_groups_keep_no_badges():
    inputs = {
        **history_inputs(),
        "history": None,
        "history_problem": "OSError: archive unreachable",
        "trend": None,
        "trend_problem": "fetch_processes stored no trend for this run.",
    }
    email = report_email(**inputs)
    for body in (email.body.text, visible(email.body.html)):
        assert "History could not be read: OSError: archive unreachable" in body
        assert "No 7-day trend in this report: fetch_processes stored no trend" in body
        assert "[NEW]" not in body
        assert "NEW " not in body
    # without a history the counts keep their usual order
    assert email.body.subject.startswith("Daily process report 2026-11-26: 48 finished · 6 failed")


def test_without_failures_the_subject_keeps_its_counts_first():
    inputs = report_inputs(16)  # only finished processes
    email = report_email(**inputs, history=history_inputs()["history"])
    assert email.body.subject.startswith("Daily process report 2026-11-26: 16 finished · 0 failed")


def test_a_thousand_errors_not_seen_today_keep_the_body_within_budget():
    inputs = history_inputs()
    gone = [
        {
            "signature": error_id(f"KeyError: k{n}x" + "y" * 200),
            "key_error": f"KeyError: k{n}x" + "y" * 200,
            "last_seen": "2026-11-25",
            "streak": 3,
            "clients": [f"Client {n}"] * 5,
        }
        for n in range(1000)
    ]
    inputs["history"] = {**inputs["history"], "not_seen_today": gone}
    email = report_email(**inputs)
    assert len(email.body.html.encode()) <= BODY_BUDGET_BYTES
    assert "… and 980 more not seen today." in email.body.html
    assert "... and 980 more not seen today" in email.body.text


def test_helpers_say_days_in_ranges_ordinals_and_sparklines():
    assert day_ranges(["2026-11-24", "2026-11-20", "2026-11-21", "2026-11-22"]) == [
        "2026-11-20 to 2026-11-22",
        "2026-11-24",
    ]
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
    ]  # fmt: skip
    assert sparkline([0, 1, 2, 4, 8]) == "·▁▂▄█"
    assert sparkline([0, 0]) == "··"
    assert headline({"failed": 0}, {"new": 3}) == []
    assert headline({"failed": 2}, {"new": 0, "back": 0, "ongoing": 1}) == [
        "2 failed",
        "no new errors",
    ]
    assert headline({"failed": 2}, {"new": 0, "back": 0, "ongoing": 0}) == ["2 failed"]
    assert headline({"failed": 2}, None) == []


@pytest.fixture(scope="module")
def rendered(email, tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    page = folder / "history.html"
    page.write_text(email.body.html, encoding="utf-8")
    stripped = folder / "history-stripped.html"
    stripped.write_text(without_ignored_css(email.body.html), encoding="utf-8")
    return page, stripped


def test_the_history_sections_hold_at_phone_width_without_the_css_clients_ignore(rendered):
    assert overflow_px(rendered[1], 375) == 0


def test_the_history_sections_use_nothing_the_mail_clients_lack(rendered):
    from tests.process_report.test_report import ACCEPTED_GAPS

    for path, problems in check_email_html([rendered[0]]).items():
        gaps = {p.split(" is ")[0] for p in problems["caniemail"]} - ACCEPTED_GAPS
        assert not gaps, (path, sorted(problems["caniemail"]))
        assert problems["htmlValidate"] == [], path
