"""The templates' filters: which values become links, where long words break."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

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


def test_a_rows_keys_are_read_first_and_anything_else_as_jinja_reads_it():
    env = template_environment()
    row = {"items": "a key", "uuid": "u1"}
    render = env.from_string("{{ p.uuid }} {{ p.items }} {{ q.real }} {{ r.keys() | join }}")
    # r has no key "keys": its method, as Jinja2 reads it
    assert render.render(p=row, q=3, r={"k": 1}) == "u1 a key 3 k"
    with pytest.raises(UndefinedError):
        env.from_string("{{ p.missing }}").render(p=row)
