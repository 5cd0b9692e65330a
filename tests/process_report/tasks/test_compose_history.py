"""The compose task's history: the past read from real archive files, a day with
incomplete failures left out of the history, a history or trend that cannot be read
said instead of stopping the report, and history.json written as the day's record."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.history import record_of_day
from process_report.process_store import ListedProcesses
from process_report.run_context import RunContext
from process_report.tasks import compose_history as task
from tests.process_report.tasks.runs import SETTINGS, UUID, resolve

NOW = datetime(2026, 11, 27, 7, 5, tzinfo=UTC)
ERROR = "TimeoutError: upload to OneDrive timed out after 120 s"
PROCESSES = {
    "counts": {"finished": 0, "failed": 1, "running": 0, "hung": 0, "other": 0, "total": 1},
    "processes": [{"uuid": UUID, "client": "Acme", "category": "failed"}],
}
SUMMARY = {"uuid": UUID, "found": True, "key_error": ERROR, "signature": None}


def context(settings_variable, **extra) -> RunContext:
    settings_variable({**SETTINGS, **extra})
    return RunContext.from_xcom(resolve())


def remembered(ctx: RunContext, fetched=None, *, complete=True, error=ERROR):
    summary = {**SUMMARY, "key_error": error}
    return task.remembered(
        ctx,
        fetched or {},
        ListedProcesses(PROCESSES),
        [summary],
        failures_complete=complete,
        now=NOW,
        run_id="scheduled__2026-11-27T07:00:00+00:00",
    )


def archive_yesterday(ctx: RunContext, error: str) -> None:
    """The record a run of 2026-11-25 would have left."""
    folder = artifacts.run_folder(ctx.settings.artifacts_root, "2026-11-25", "scheduled__b")
    earlier = {**SUMMARY, "key_error": error}
    record = record_of_day(
        "2026-11-25", PROCESSES["counts"], PROCESSES["processes"], [earlier], written_at=NOW
    )
    artifacts.write_json(folder, "history.json", record)


def test_yesterdays_archived_error_makes_todays_ongoing_and_the_day_is_remembered(
    settings_variable,
):
    ctx = context(settings_variable)
    archive_yesterday(ctx, ERROR.replace("120", "95"))  # same error, another number
    past = remembered(ctx)
    (state,) = past.history["signatures"].values()
    assert (state["state"], state["streak"], state["since"]) == ("ongoing", 2, "2026-11-25")
    path = task.remember(ctx.folder, past.record)
    stored = json.loads(ObjectStoragePath(path).read_text())
    assert stored["report_day"] == "2026-11-26"
    assert stored["run_id"] == "scheduled__2026-11-27T07:00:00+00:00"  # the viewer links it
    assert [s["key_error"] for s in stored["signatures"].values()] == [ERROR]


def test_a_day_with_incomplete_failures_is_not_remembered_nor_says_not_seen(
    settings_variable,
):
    ctx = context(settings_variable)
    archive_yesterday(ctx, "OSError: [Errno 28] No space left on device")
    past = remembered(ctx, complete=False)
    assert past.record is None
    assert past.history["not_seen_today"] == []
    assert past.history["counts"]["not_seen_today"] == 0
    assert any("left out of the history" in note for note in past.notes)
    assert task.remember(ctx.folder, past.record) is None
    assert not (ctx.folder / "history.json").exists()


def test_an_unreadable_archive_is_said_and_the_report_goes_on(settings_variable):
    ctx = context(settings_variable)
    broken = replace(ctx, settings=replace(ctx.settings, artifacts_root="nosuch://x"))
    past = remembered(broken)
    assert past.history is None
    assert past.history_problem == "ValueError: Unsupported filesystem: 'nosuch'"
    assert past.record is not None  # the day itself is still remembered


def test_the_trend_is_read_from_its_file_or_its_absence_is_explained(settings_variable):
    ctx = context(settings_variable)
    trend = {"days": ["2026-11-26"], "overall": {"finished": [1], "failed": [0], "running": [0]}}
    path = artifacts.write_json(ctx.folder, "trend.json", trend)
    assert remembered(ctx, {"trend_path": path}).trend == trend
    failed = remembered(ctx, {"trend_path": None, "trend_error": "the query failed (X)"})
    assert (failed.trend, failed.trend_problem) == (None, "the query failed (X)")
    missing = remembered(ctx, {"trend_path": str(ctx.folder / "gone.json")})
    assert missing.trend is None
    assert missing.trend_problem.startswith("FileNotFoundError")
