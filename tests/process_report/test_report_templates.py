"""The templates' filters: which values become links, where long words break."""

from __future__ import annotations

from process_report.report_templates import breakable, safe_url


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
