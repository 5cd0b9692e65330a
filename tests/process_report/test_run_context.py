"""The run context: fixed once by the first task, read back by every later one."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from process_report.run_context import SETTINGS_FILE, RunContext
from process_report.settings import parse_settings
from process_report.window import resolve_window


def start(tmp_path, **options):
    settings = parse_settings(
        {
            "logs_dir": "/logs",
            "onedrive_root": "Videos",
            "recipients": ["ops@example.com"],
            "skip_api_keys": ["test-key-9f8e7d"],
            "timezone": "Europe/Paris",
            "artifacts_root": tmp_path.as_uri(),
        }
    )
    window = resolve_window(
        timezone="Europe/Paris", run_after=datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
    )
    return RunContext.start(settings, window, "manual__2026-11-27", **options)


def test_context_read_back_from_xcom_equals_the_one_started(tmp_path):
    context = start(tmp_path, notes=("a note",))
    again = RunContext.from_xcom(json.loads(json.dumps(context.to_xcom())))
    assert again == context


def test_settings_snapshot_lives_in_the_run_folder_not_in_xcom(tmp_path):
    context = start(tmp_path)
    assert "test-key-9f8e7d" not in json.dumps(context.to_xcom())
    assert (context.folder / SETTINGS_FILE).exists()
    assert str(context.folder).startswith(tmp_path.as_uri() + "/2026-11-26/")


def test_recipients_param_replaces_the_settings_recipients(tmp_path):
    assert start(tmp_path).recipients == ("ops@example.com",)
    assert start(tmp_path, recipients=("other@example.com",)).recipients == ("other@example.com",)
