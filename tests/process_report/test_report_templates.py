"""The templates' filters: which values become links, where long words break."""

from __future__ import annotations

import pytest

from process_report.report_templates import breakable, safe_url, template_environment


def test_only_http_and_https_urls_are_safe_to_link():
    assert safe_url("data:text/html,x") is None
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" HTTP://a.b ") == " HTTP://a.b "
    assert safe_url(None) is None


def test_long_words_get_break_opportunities_and_markup_is_escaped():
    shown = str(breakable("<b>" + "x" * 45 + "</b>"))
    assert "<b>" not in shown
    assert "&lt;b&gt;" in shown
    assert shown.count("<wbr>") >= 2
    assert shown.replace("<wbr>", "") == "&lt;b&gt;" + "x" * 45 + "&lt;/b&gt;"


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (45, "45 min"),
        (185, "3 h 05 min"),
        (1439, "23 h 59 min"),
        (1440, "1 d 0 h"),
        (12955, "8 d 23 h"),  # not "215 h 55 min"
        (14340, "9 d 23 h"),
        (-90, "-1 h 30 min"),
        (None, "—"),
    ],
)
def test_durations_over_a_day_read_as_days_and_hours(minutes, shown):
    assert template_environment().filters["minutes"](minutes) == shown
