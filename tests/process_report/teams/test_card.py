"""The Teams card: what it says, that Microsoft's Adaptive Cards library accepts it and
renders it, and that hostile or huge inputs keep it within Teams' message size."""

from __future__ import annotations

import json

from process_report.teams.card import MAX_CARD_BYTES, summary_card, webhook_message
from tests.support import PROJECT_DIR
from tests.support.adaptive_cards import (
    card_screenshot,
    render_page,
    rendered_text,
    validation_events,
)

SUMMARY = {
    "report_day": "2026-11-26",
    "timezone": "Europe/Paris",
    "counts": {"finished": 43, "failed": 6, "running": 3, "hung": 1, "other": 0, "total": 52},
    "new_errors": [
        {"key_error": "ValueError: bitrate must be positive", "count": 2, "clients": ["Acme"]},
        {
            "key_error": "OSError: [Errno 28] No space left on device",
            "count": 1,
            "clients": ["Zeta"],
        },
    ],
    "back_errors": [
        {
            "key_error": "TimeoutError: camera did not answer",
            "count": 3,
            "clients": ["Acme", "Borealis", "Cygnus", "Delta"],
            "away_days": 3,
        },
    ],
    "streak_clients": [{"client": "Acme", "streak": 4}],
    "links": {
        "viewer": "https://airflow.example.com/process-report/dags/d/runs/r/",
        "run": "https://airflow.example.com/dags/d/runs/r",
    },
}


def texts(card):
    """Every text the card shows, TextBlocks and RichTextBlocks' runs alike."""
    shown = []
    for block in card["body"]:
        if block["type"] == "TextBlock":
            shown.append(block["text"])
        elif block["type"] == "RichTextBlock":
            shown.append("".join(run["text"] for run in block["inlines"]))
    return shown


def test_the_card_leads_with_the_counts_and_new_errors_and_links_the_report():
    card = summary_card(SUMMARY)
    shown = texts(card)
    assert shown[0] == "Daily process report 2026-11-26"
    assert (
        shown[1] == "6 failed · 2 new errors · 1 back · 1 hung (window ending 08:00 Europe/Paris)"
    )
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts == {"Finished": "43", "Failed": "6", "Running": "3 (1 hung)"}
    assert "New errors (2)" in shown
    assert "Back after a pause (1)" in shown
    assert "3 x Acme, Borealis, Cygnus and 1 more; back after 3 days" in shown
    assert "Acme: failing 4 days in a row" in shown
    assert [a["title"] for a in card["actions"]] == ["Open the report", "Open the Airflow run"]


def test_microsofts_library_reports_no_problem_with_the_card():
    assert validation_events(summary_card(SUMMARY)) == []


def test_the_validator_does_report_a_broken_card():
    broken = {**summary_card(SUMMARY), "actions": [{"type": "Action.OpenUrl", "title": "x"}]}
    broken["body"] = [*broken["body"], {"type": "Bogus"}]
    events = validation_events(broken)
    assert any("Bogus" in e for e in events)
    assert any('"url" must be set' in e for e in events)


def test_markdown_in_the_data_is_shown_as_written_never_interpreted():
    summary = {
        **SUMMARY,
        "new_errors": [
            {"key_error": "[click](http://evil) __init__ *x*", "count": 1, "clients": ["A"]}
        ],
    }
    card = summary_card(summary)
    (block,) = [b for b in card["body"] if "[click]" in json.dumps(b)]
    assert block["type"] == "RichTextBlock"  # TextRuns take no Markdown
    assert block["inlines"][0]["text"] == "[click](http://evil) __init__ *x*"


def test_thousands_of_errors_and_huge_texts_stay_within_the_message_size():
    many = [
        {"key_error": "E" * 50_000 + str(i), "count": i, "clients": [f"c{j}" for j in range(500)]}
        for i in range(3_000)
    ]
    summary = {
        **SUMMARY,
        "new_errors": many,
        "back_errors": many,
        "streak_clients": [{"client": "x" * 300, "streak": 9}] * 3_000,
    }
    card = summary_card(summary)
    assert len(json.dumps(webhook_message(card)).encode()) <= MAX_CARD_BYTES
    assert "and 2995 more in the report" in texts(card)
    assert validation_events(card) == []


def test_a_quiet_day_without_links_is_a_short_valid_card():
    quiet = {
        "report_day": "2026-11-26",
        "timezone": "UTC",
        "counts": {"finished": 5, "failed": 0, "running": 0, "hung": 0, "other": 0},
    }
    card = summary_card(quiet)
    assert texts(card)[1] == "0 failed (window ending 08:00 UTC)"
    assert card["actions"] == []
    assert validation_events(card) == []


def test_the_card_renders_in_chromium_with_microsofts_renderer(tmp_path):
    page = render_page(summary_card(SUMMARY), tmp_path / "card.html")
    dom = rendered_text(page)
    assert "Daily process report 2026-11-26" in dom
    assert "Open the Airflow run" in dom
    out = PROJECT_DIR / "out" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    png = card_screenshot(summary_card(SUMMARY), out / "teams-card.png")
    assert png.stat().st_size > 10_000
