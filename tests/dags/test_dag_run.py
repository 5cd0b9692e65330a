"""The whole DAG under `dag.test()` against a real PostgreSQL holding the sample day."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default

import psycopg2
import pytest

from tests.support.dag_runs import configured_report_dag
from tests.support.sample_day import TEST_API_KEY, load_sample_day
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

REPORT_DAY = date(2026, 11, 26)
# Categories recomputed in SQL, independently of process_report.processes: state as of
# the window's end, clients only, skip-listed account left out.
EXPECTED_COUNTS_SQL = """
SELECT CASE
         WHEN lower(ps.name) IN ('finished', 'failed') AND p.stop_time >= %(e)s THEN 'running'
         WHEN lower(ps.name) IN ('finished', 'failed', 'running') THEN lower(ps.name)
         ELSE 'other'
       END AS category,
       count(*)
FROM process p
JOIN source s ON s.id = p.source_id
JOIN "USER" u ON u.id = s.user_id
LEFT JOIN process_status ps ON ps.id = p.status_id
WHERE u.role_id = 2 AND u.api_key <> %(skip)s
  AND p.start_time < %(e)s AND (p.stop_time IS NULL OR p.stop_time >= %(s)s)
GROUP BY 1
"""


@pytest.fixture
def configured_run(airflow_db, process_db_uri, monkeypatch, tmp_path, standin):
    conn = psycopg2.connect(process_db_uri)
    sample = load_sample_day(conn, REPORT_DAY, "Europe/Paris")
    logs = write_sample_logs(conn, tmp_path / "logs")
    logs["videos"] = publish_sample_videos(conn, standin, "Videos")
    with conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(
            EXPECTED_COUNTS_SQL,
            {"s": sample.window_start, "e": sample.window_end, "skip": TEST_API_KEY},
        )
        expected = dict(cur.fetchall())
    conn.close()
    dag = configured_report_dag(monkeypatch, process_db_uri, standin, tmp_path)
    return dag, expected, tmp_path / "artifacts", logs


def test_dry_run_report_counts_match_the_database(configured_run):
    dag, expected, artifacts, _ = configured_run
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC), run_conf={"dry_run": True})
    assert run.state == "success"

    (outbox,) = artifacts.glob("2026-11-26/*/outbox/message.eml")
    message = message_from_bytes(outbox.read_bytes(), policy=default)
    hung = 1  # the sample day has exactly one silent running process
    # The first archived day: every error is new, and the subject leads with them.
    lead, counts = message["Subject"].split(" new errors · ")
    assert re.fullmatch(
        rf"Daily process report 2026-11-26: {expected['failed']} failed · \d+", lead
    )
    assert counts == (
        f"{expected['finished']} finished · {expected['running']} running ({hung} hung) · "
        f"{expected['other']} other"
    )
    assert message["To"] == "ops@example.com"
    stored = json.loads((outbox.parent.parent / "processes.json").read_text())
    assert stored["counts"]["total"] == sum(expected.values())
    assert stored["skipped_test_processes"] == 3
    text = message.get_body(("plain",)).get_content()
    assert "Window 2026-11-26 08:00 CET -> 2026-11-27 08:00 CET" in text


def test_recipients_param_replaces_the_settings_recipients(configured_run):
    dag, _, artifacts, _ = configured_run
    run = dag.test(
        logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC),
        run_conf={"dry_run": True, "recipients": ["lead@example.com"]},
    )
    assert run.state == "success"
    (outbox,) = artifacts.glob("2026-11-26/*/outbox/message.eml")
    assert message_from_bytes(outbox.read_bytes(), policy=default)["To"] == "lead@example.com"


def test_run_sends_one_message_through_graph_with_video_links(configured_run, standin):
    dag, _, artifacts, fixtures = configured_run
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    assert run.state == "success"
    (sent,) = standin.sent_messages()
    message = message_from_bytes(sent.read_bytes(), policy=default)
    assert message["Subject"].startswith("Daily process report 2026-11-26:")
    assert message["From"] == standin.mailbox
    assert message.get_content_type() == "multipart/mixed"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts[0] == "multipart/alternative"
    assert sorted(parts[1:]) == ["application/zip", "text/csv"]
    names = sorted(p.get_filename() for p in message.iter_attachments())
    assert names == ["failure-logs.zip", "processes.csv"]
    text = message.get_body(("plain",)).get_content()
    finished = text[text.index("FINISHED (") : text.index("RUNNING (")]
    checked = 0
    for uuid, names in fixtures["videos"]["videos"].items():
        if uuid in finished:
            positions = [finished.index(name) for name in names]
            assert positions == sorted(positions)  # newest first
            checked += 1
    assert checked >= 20
    assert "no video found" in finished
    assert "the client's folder is missing" in finished
    missing_key = fixtures["videos"]["missing_folder_key"]
    assert missing_key not in sent.read_text()  # folder names are API keys: secrets
    assert ".json" not in finished
    assert ".srt" not in finished
    assert not list(artifacts.glob("2026-11-26/*/outbox/*.eml"))


def test_failures_carry_key_errors_from_redacted_extracts(configured_run):
    dag, _, artifacts, logs = configured_run
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC), run_conf={"dry_run": True})
    assert run.state == "success"
    (outbox,) = artifacts.glob("2026-11-26/*/outbox/message.eml")
    text = message_from_bytes(outbox.read_bytes(), policy=default).get_body(("plain",))
    text = text.get_content()
    (silent,) = logs["failed_without_logs"]
    reported_with_logs = [u for u in logs["failed_with_logs"] if u in text]
    assert reported_with_logs
    assert "FAILURES BY ERROR" in text
    assert "1 failed process(es) without log records." in text
    assert f"{silent}" in text
    extracts = list(outbox.parent.parent.glob("failure_logs/*.log"))
    assert {p.name.split(".")[0] for p in extracts} == set(reported_with_logs)
    for path in [*extracts, outbox]:
        content = path.read_text()
        assert "Enc0der-Pa55" not in content
        assert "[REDACTED]" in content or path == outbox


def _sent_text(standin) -> str:
    (sent,) = standin.sent_messages()
    return message_from_bytes(sent.read_bytes(), policy=default).get_body(("plain",)).get_content()


def fail_for_good(monkeypatch, *names: str) -> None:
    """Make these functions, as named in the task modules (`module.function`), raise
    on every try."""
    import importlib

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure")

    for name in names:
        module, function = name.rsplit(".", 1)
        monkeypatch.setattr(
            importlib.import_module(f"process_report.tasks.{module}"), function, broken
        )


def test_report_goes_out_saying_what_failed_when_log_and_video_tasks_fail_for_good(
    configured_run, standin, monkeypatch
):
    fail_for_good(monkeypatch, "summarize_failures.summarize", "videos.find_videos")
    dag, expected, _, _ = configured_run
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["summarize_failures"] == "failed"
    assert states["resolve_videos"] == "failed"
    assert states["compose_and_send_report"] == "success"
    text = _sent_text(standin)
    assert f"{expected['failed']} failed" in text
    assert "could not be made (summarize_failures failed after its retries)" in text
    assert "link unavailable: the video lookup failed after its retries" in text


def test_report_goes_out_without_error_summaries_when_the_log_scan_fails(
    configured_run, standin, monkeypatch
):
    fail_for_good(monkeypatch, "scan_failure_logs.extract_failure_logs")
    dag, _, _, _ = configured_run
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["scan_failure_logs"] == "failed"
    assert states["compose_and_send_report"] == "success"
    assert "The failure logs could not be scanned" in _sent_text(standin)


def _with_alert_recipients(monkeypatch, recipients):
    settings = json.loads(os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"])
    settings["alert_recipients"] = recipients
    monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps(settings))


def test_unreadable_processes_send_no_report_and_exactly_one_alert(
    configured_run, standin, monkeypatch
):
    _with_alert_recipients(monkeypatch, ["oncall@example.com"])
    monkeypatch.setenv(
        "AIRFLOW_CONN_PROCESS_DB",
        json.dumps(
            {"conn_type": "postgres", "host": "127.0.0.1", "port": 1, "password": "Db-Pa55-xyz"}
        ),
    )
    dag, _, _, _ = configured_run
    run = dag.test(
        logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC),
        run_conf={"recipients": ["tester@example.com"]},
    )
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["fetch_processes"] == "failed"
    assert states["compose_and_send_report"] == "failed"
    assert run.state == "failed"
    (alert,) = standin.sent_messages()  # the alert, and no report
    message = message_from_bytes(alert.read_bytes(), policy=default)
    assert message["To"] == "oncall@example.com"
    assert message["Subject"].startswith("[ALERT] The daily process report failed")
    text = message.get_content()
    assert "fetch_processes" in text
    assert "Cannot reach the process database" in text
    assert "Db-Pa55-xyz" not in alert.read_text()


def test_alert_that_cannot_be_sent_is_logged_at_error(configured_run, monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", "{}")  # no recipients known
    dag, _, _, _ = configured_run
    with caplog.at_level("ERROR"):
        run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    assert run.state == "failed"
    assert any(
        "The daily process report failed" in r.getMessage() and r.levelname == "ERROR"
        for r in caplog.records
    )


def _outbox_text(artifacts, day: str) -> str:
    (outbox,) = artifacts.glob(f"{day}/*/outbox/message.eml")
    message = message_from_bytes(outbox.read_bytes(), policy=default)
    return message["Subject"] + "\n" + message.get_body(("plain",)).get_content()


def test_report_day_param_reports_on_the_picked_day_whatever_the_logical_date(configured_run):
    """The trigger form's Logical date (or the CLI's --logical-date) only labels a run;
    report_day picks the day: its 08:00 to the next day's, in the report timezone."""
    dag, expected, artifacts, _ = configured_run
    run = dag.test(
        logical_date=datetime(2026, 12, 3, 7, tzinfo=UTC),
        run_conf={"report_day": "2026-11-26", "dry_run": True},
    )
    assert run.state == "success"
    text = _outbox_text(artifacts, "2026-11-26")
    assert text.startswith(f"Daily process report 2026-11-26: {expected['failed']} failed · ")
    assert f" · {expected['finished']} finished · " in text.splitlines()[0]
    assert (
        "Window 2026-11-26 08:00 CET -> 2026-11-27 08:00 CET (window chosen by hand); "
        "all times Europe/Paris"
    ) in text
    assert not list(artifacts.glob("2026-12-02/*"))


def test_window_end_picked_as_a_day_at_midnight_fails_the_run_saying_use_report_day(
    configured_run, standin
):
    """What the trigger form's date-time picker sends when a day is picked: 00:00 local.
    It made a 16-hour "daily" report; now the run fails at once and sends no report."""
    dag, _, artifacts, _ = configured_run
    run = dag.test(
        logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC),
        run_conf={"window_end": "2026-11-26T23:00:00.000Z"},
    )
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["resolve_window"] == "failed"
    assert run.state == "failed"
    assert not list(artifacts.glob("*/*/report.html"))
    (alert,) = standin.sent_messages()  # the failure alert, no report
    text = message_from_bytes(alert.read_bytes(), policy=default).get_content()
    assert "is not at the report time 08:00 Europe/Paris" in text
    assert "set report_day instead" in text


def test_error_lines_in_the_email_read_on_the_report_timezones_clock(configured_run):
    """The sample's logs are written in UTC (logs_timezone): each failure's last error
    line, written when the process stopped, shows the stop time the email shows, in
    Europe/Paris, under the day of that clock."""
    dag, _, artifacts, logs = configured_run
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC), run_conf={"dry_run": True})
    assert run.state == "success"
    text = _outbox_text(artifacts, "2026-11-26").replace("\r\n", "\n")
    checked = 0
    for uuid in logs["failed_with_logs"]:
        block = re.search(
            rf"\| {uuid}\n    started .*?, stopped (\S+) (\d\d:\d\d) CET\n"
            rf"(?:.*\n)*?    last error lines on (\S+):\n(?:      .*\n)*?"
            rf"      (\d\d:\d\d):\d\d ERROR \[worker-3\] process {uuid} failed",
            text,
            re.IGNORECASE,
        )
        if block:  # listed in the body (long lists may be cut)
            stop_day, stop_time, errors_day, error_time = block.groups()
            assert (errors_day, error_time) == (stop_day, stop_time), uuid
            checked += 1
    assert checked >= 2
