"""The report's memory through real runs: `dag.test()` over the sample's days, each run
reading what the earlier runs archived, and the emails saying each state."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import psycopg2
import pytest

from tests.support.dag_runs import configured_report_dag
from tests.support.sample_history import load_sample_history
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

REPORT_DAY = date(2026, 11, 26)
TICKET = "https://tracker.example.net/OPS-412"
# Acknowledged up to the day before the report day: expired on it.
KNOWN_ISSUES = [
    {
        "pattern": "No space left on device",
        "note": "disk swap planned",
        "ticket": TICKET,
        "until": "2026-11-25",
    }
]


@pytest.fixture
def history_dag(airflow_db, process_db_uri, monkeypatch, tmp_path, standin):
    conn = psycopg2.connect(process_db_uri)
    planned = load_sample_history(conn, REPORT_DAY, "Europe/Paris")
    write_sample_logs(conn, tmp_path / "logs", errors=planned.errors, earlier=planned.earlier)
    publish_sample_videos(conn, standin, "Videos")
    conn.close()
    dag = configured_report_dag(monkeypatch, process_db_uri, standin, tmp_path)
    settings = json.loads(os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"])
    settings["known_issues"] = KNOWN_ISSUES
    monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps(settings))
    return dag, tmp_path / "artifacts"


def report_of(dag, artifacts: Path, day: date) -> str:
    """Run the report of `day` (a dry run) and return its email's plain text."""
    logical = datetime.combine(day + timedelta(days=1), time(7), tzinfo=UTC)
    run = dag.test(logical_date=logical, run_conf={"dry_run": True})
    assert run.state == "success"
    # dag.test() names each run by the time it starts: a rerun gets a folder of its own
    outbox = max(artifacts.glob(f"{day}/*/outbox/message.eml"), key=lambda p: p.stat().st_mtime)
    message = message_from_bytes(outbox.read_bytes(), policy=default)
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def section(text: str, title: str) -> str:
    """One section of the plain-text part: from its title to the next blank line pair."""
    return text.split(f"\n{title}", 1)[1].split("\n\n")[0]


def history_lines(text: str) -> list[str]:
    """Everything the email says of the history: the lines after the subject, before
    the window, and the badged, not-seen and acknowledged sections."""
    head = text.split("\nWindow ", 1)[0]
    parts = [head]
    for title in ("FAILURES BY ERROR", "NOT SEEN TODAY (FIXED?)", "ACKNOWLEDGED ("):
        if f"\n{title}" in text:
            parts.append(section(text, title))
    return parts


def test_runs_over_several_days_say_each_state_streak_gap_and_acknowledgement(history_dag):
    dag, artifacts = history_dag
    first = report_of(dag, artifacts, REPORT_DAY - timedelta(days=3))
    assert "History starts today" in first
    assert "[NEW]" in section(first, "FAILURES BY ERROR")

    # 2026-11-24 has no report: a gap, said as such, never "not seen".
    before = report_of(dag, artifacts, REPORT_DAY - timedelta(days=1))
    assert "No report archived for 2026-11-24." in before.splitlines()[:4]
    errors = section(before, "FAILURES BY ERROR")
    assert "[ONGOING] 1 x TimeoutError: upload to OneDrive timed out after" in errors
    assert "2nd day in a row, since 2026-11-23" in errors
    assert "[NEW] 1 x ConnectionResetError" in errors
    acknowledged = section(before, "ACKNOWLEDGED (1)")
    assert "OSError: [Errno 28] No space left on device" in acknowledged
    assert f"disk swap planned | {TICKET} | until 2026-11-25" in acknowledged
    assert "No space left" not in errors
    assert "ValueError: corrupt frame" in section(before, "NOT SEEN TODAY (FIXED?)")

    today = report_of(dag, artifacts, REPORT_DAY)
    assert today.startswith("Daily process report 2026-11-26: 6 failed · 1 new error · 1 back · ")
    errors = section(today, "FAILURES BY ERROR")
    order = [errors.index(f"[{badge}]") for badge in ("NEW", "BACK", "ONGOING")]
    assert order == sorted(order)
    assert "[NEW] 2 x PermissionError: [Errno 13] Permission denied" in errors
    assert "[BACK] 1 x ValueError: corrupt frame" in errors
    assert "back after 3 days; last seen 2026-11-23" in errors
    assert "3rd day in a row, since 2026-11-23" in errors
    # The acknowledgement expired: the error is back in the main list, saying so.
    assert "acknowledgement expired on 2026-11-25: disk swap planned" in errors
    assert "\nACKNOWLEDGED (" not in today
    not_seen = section(today, "NOT SEEN TODAY (FIXED?)")
    assert "ConnectionResetError: [Errno 104] Connection reset by peer" in not_seen
    assert "last seen 2026-11-25" in not_seen
    trend = section(today, "7-DAY TREND")
    assert "Blue Ridge Inspections" in trend
    assert "failing 7 days in a row" in trend

    # Rerunning 2026-11-25 now that 2026-11-26 exists gives its original lifecycle.
    again = report_of(dag, artifacts, REPORT_DAY - timedelta(days=1))
    assert history_lines(again) == history_lines(before)
    records = [json.loads(p.read_text()) for p in artifacts.glob("2026-11-25/*/history.json")]
    assert len(records) == 2
    assert records[0]["signatures"] == records[1]["signatures"]
    assert all(r["run_id"].startswith("manual__") for r in records)
