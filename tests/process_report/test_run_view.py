"""What the viewer shows of a run, from a run folder laid out as the tasks leave it: the
sent state from the send records (written by the real SendRecord) or the dry run's
outbox, the page title, the failure list and a log page's text."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from upath import UPath

from process_report import run_view
from process_report.run_files import RunFiles
from process_report.run_view import (
    DRY_RUN,
    NOT_SENT,
    SENT,
    failures,
    log_tail,
    page_title,
    send_status,
)
from process_report.send_record import SendRecord

DAY, RUN = "2026-11-26", "scheduled__x-0123456789"
PARIS = ZoneInfo("Europe/Paris")
TO = ["ops@example.com", "lead@example.com"]
SENT_AT = datetime(2026, 11, 27, 7, 4, tzinfo=UTC).timestamp()  # 08:04 CET


@pytest.fixture
def folder(tmp_path):
    run = tmp_path / DAY / RUN
    run.mkdir(parents=True)
    return run


@pytest.fixture
def files(folder, tmp_path):
    return RunFiles(UPath(tmp_path), (DAY, RUN))


def record(folder, clear: int, **data):
    fields = {"message_id": f"<m{clear}@example.com>", "generation": 1, "updated_at": SENT_AT}
    SendRecord(UPath(folder / "outbox" / f"send-record-{clear}.json")).claim({**fields, **data})


def status(files, dry_run=False):
    return send_status(files, dry_run=dry_run, recipients=TO, tz=PARIS)


def test_a_sent_report_says_to_whom_when_and_its_message_and_draft_ids(folder, files):
    record(folder, 0, state="sent", draft_id="AAMk-draft")
    shown = status(files)
    assert shown.state == SENT
    assert shown.headline == "Sent to 2 recipient(s)."
    assert dict(shown.details) == {
        "To": "ops@example.com, lead@example.com",
        "When": "2026-11-27 08:04 CET",
        "Message id": "<m0@example.com>",
        "Draft id": "AAMk-draft",
    }
    assert shown.outbox_message is None


def test_the_latest_clear_decides_and_earlier_clears_are_listed(folder, files):
    record(folder, 0, state="sent", draft_id="d0")
    record(folder, 1, state="sent", draft_id="d1", completes="send-record-0.json")
    record(folder, 10, state="sending", draft_id="d10")  # clear 10 sorts after 1, not 0
    shown = status(files)
    assert shown.state == NOT_SENT
    assert "sending stopped at 'sending'" in shown.headline
    assert shown.earlier == (
        "send-record-0.json: sent, 2026-11-27 08:04 CET",
        "send-record-1.json: sent, 2026-11-27 08:04 CET",
    )


def test_a_send_superseded_by_a_later_one_says_why_it_was_not_sent(folder, files):
    record(folder, 0, state="not_sent", draft_id="d0", superseded_by="send-record-1.json")
    shown = status(files)
    assert shown.state == NOT_SENT
    assert shown.headline == "Not sent: superseded by the later send send-record-1.json."


def test_a_message_graph_refused_says_so_with_its_status(folder, files):
    record(folder, 0, state="drafted", draft_id="d0", refused=413)
    shown = status(files)
    assert shown.state == NOT_SENT
    assert shown.headline.startswith("Not sent: Graph refused the message (HTTP 413)")
    assert dict(shown.details)["Refused"] == "2026-11-27 08:04 CET"


def test_no_send_record_means_not_sent_and_names_the_task(files):
    shown = status(files)
    assert shown.state == NOT_SENT
    assert "no send was started" in shown.headline
    assert "compose_and_send_report" in shown.headline


def test_an_unreadable_send_record_is_said_so(folder, files):
    (folder / "outbox").mkdir()
    (folder / "outbox" / "send-record-0.json").write_text("{half")
    shown = status(files)
    assert shown.state == NOT_SENT
    assert shown.headline.startswith("Unknown: the send record send-record-0.json cannot be read")


def test_a_dry_run_offers_its_outbox_message_and_never_says_sent(folder, files):
    (folder / "outbox").mkdir()
    (folder / "outbox" / "message.eml").write_bytes(b"x" * 4096)
    os.utime(folder / "outbox" / "message.eml", (SENT_AT, SENT_AT))
    shown = status(files, dry_run=True)
    assert shown.state == DRY_RUN
    assert shown.outbox_message == "message.eml"
    assert dict(shown.details) == {
        "Would have gone to": "ops@example.com, lead@example.com",
        "Written": "2026-11-27 08:04 CET",
        "Message": "message.eml (4 KiB)",
    }
    assert page_title(DAY, None, shown) == "Process report 2026-11-26 · dry run 08:04 CET"
    assert "Sent" not in shown.headline


def test_a_dry_run_without_its_message_is_not_sent(files):
    shown = status(files, dry_run=True)
    assert shown.state == NOT_SENT
    assert shown.headline.startswith("Dry run, and no message was written yet")


def test_the_title_names_the_day_the_counts_and_the_sent_state_with_its_time(folder, files):
    record(folder, 0, state="sent", draft_id="d0")
    counts = {"finished": 38, "failed": 0, "running": 2, "other": 0, "hung": 1, "total": 40}
    assert (
        page_title(DAY, counts, status(files))
        == "Process report 2026-11-26 · 38 finished · 0 failed · 2 running · sent 08:04 CET"
    )
    assert page_title(DAY, None, status(files, dry_run=True)) == (
        "Process report 2026-11-26 · not sent"
    )


def process(uuid, category, client, stop):
    return {
        "uuid": uuid,
        "category": category,
        "client": client,
        "api_key": "KEY-" + uuid,
        "stop_time": stop,
        "notes": [],
    }


@pytest.mark.parametrize("layout", ["streamed", "archived before the records were streamed"])
def test_failures_carry_client_stop_time_and_key_error_in_stop_order(folder, files, layout):
    processes = [
        process("AAA", "failed", "Late Co", "2026-11-27T02:00:00+00:00"),
        process("bbb", "failed", "Early Co", "2026-11-26T20:00:00+00:00"),
        process("ccc", "finished", "Done Co", "2026-11-26T21:00:00+00:00"),
    ]
    if layout == "streamed":  # processes.jsonl beside the summary, as fetch_processes writes
        (folder / "processes.json").write_text(
            json.dumps({"counts": {"failed": 2}, "records": "processes.jsonl"})
        )
        (folder / "processes.jsonl").write_text("".join(json.dumps(p) + "\n" for p in processes))
    else:
        (folder / "processes.json").write_text(
            json.dumps({"counts": {"failed": 2}, "processes": processes})
        )
    (folder / "summaries").mkdir()
    (folder / "summaries" / "0-2.json").write_text(
        json.dumps(
            [
                {"uuid": "aaa", "key_error": "E" * 400},
                {"uuid": "bbb", "key_error": "OSError: disk full"},
            ]
        )
    )
    (folder / "failure_logs").mkdir()
    (folder / "failure_logs" / "aaa.log.gz").write_bytes(gzip.compress(b"x\n"))
    (folder / "failure_logs" / "bbb.log").write_bytes(b"y" * 3000)
    (folder / "failure_logs" / "stray.txt").write_bytes(b"?")
    listed = failures(files, PARIS)
    assert [(f.name, f.client, f.stopped) for f in listed] == [
        ("bbb.log", "Early Co", "2026-11-26 21:00 CET"),
        ("aaa.log.gz", "Late Co", "2026-11-27 03:00 CET"),
        ("stray.txt", None, None),
    ]
    assert listed[0].key_error == "OSError: disk full"
    assert listed[0].kib == 3
    assert len(listed[1].key_error) == run_view.KEY_ERROR_CHARS
    assert listed[1].key_error.endswith("…")
    assert "KEY-" not in repr(listed)


def test_failures_are_listed_when_processes_and_summaries_cannot_be_read(folder, files):
    (folder / "processes.json").write_text("[not json")
    (folder / "summaries").mkdir()
    (folder / "summaries" / "0-1.json").write_text('{"not": "a list"}')
    (folder / "failure_logs").mkdir()
    (folder / "failure_logs" / "aaa.log").write_text("line\n")
    (only,) = failures(files, PARIS)
    assert (only.uuid, only.client, only.stopped, only.key_error) == ("aaa", None, None, None)


def test_a_records_file_cut_short_keeps_the_clients_of_the_lines_before_the_cut(folder, files):
    """The disk filled while fetch wrote processes.jsonl: its last line is cut. The
    viewer still names the clients of the failures on the whole lines before it."""
    (folder / "processes.json").write_text(
        json.dumps({"counts": {"failed": 2}, "records": "processes.jsonl"})
    )
    whole = json.dumps(process("aaa", "failed", "Kept Co", "2026-11-26T20:00:00+00:00"))
    cut = json.dumps(process("bbb", "failed", "Cut Co", "2026-11-26T21:00:00+00:00"))[:40]
    (folder / "processes.jsonl").write_text(f"{whole}\n{cut}")
    (folder / "failure_logs").mkdir()
    (folder / "failure_logs" / "aaa.log").write_text("x\n")
    (folder / "failure_logs" / "bbb.log").write_text("y\n")
    listed = failures(files, PARIS)
    assert [(f.name, f.client) for f in listed] == [("aaa.log", "Kept Co"), ("bbb.log", None)]


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_log_page_shows_a_long_logs_last_whole_lines(folder, files, monkeypatch, gzipped):
    monkeypatch.setattr(run_view, "LOG_SHOWN_BYTES", 100)
    monkeypatch.setattr(run_view, "CHUNK_BYTES", 16)
    lines = b"".join(b"line %03d of the log\n" % n for n in range(50))
    (folder / "failure_logs").mkdir()
    name = "aaa.log.gz" if gzipped else "aaa.log"
    (folder / "failure_logs" / name).write_bytes(gzip.compress(lines) if gzipped else lines)
    text, cut = log_tail(files, name)
    assert cut
    assert text.startswith("line ")
    assert text.endswith("line 049 of the log\n")
    assert len(text.encode()) <= 100
    monkeypatch.setattr(run_view, "LOG_SHOWN_BYTES", 10_000)
    assert log_tail(files, name) == (lines.decode(), False)
