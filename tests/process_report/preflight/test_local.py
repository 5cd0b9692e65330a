"""Preflight checks of the worker's side: settings, logs folder and patterns, base URL."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime

from process_report.preflight.local import check_logs, check_settings, check_viewer_base_url

NOW = datetime(2026, 11, 27, 7, tzinfo=UTC)
UUID = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"


def settings_for(logs_dir, **extra):
    raw = {"logs_dir": str(logs_dir), "onedrive_root": "Videos", "recipients": ["ops@example.com"]}
    check, settings = check_settings(json.dumps({**raw, **extra}), "file:///tmp/artifacts")
    assert check.passed, check
    return settings


def test_missing_settings_variable_fails_naming_the_variable():
    check, settings = check_settings(None, "file:///tmp")
    assert settings is None
    assert not check.passed
    assert "not set" in check.detail
    assert "process_report_settings" in check.fix


def test_invalid_settings_fail_with_the_validator_message_and_no_secret(tmp_path):
    raw = {"logs_dir": "/x", "onedrive_root": "V", "recipients": ["ops@example.com"]}
    raw["artifacts_root"] = "s3://reader:hunter2-secret@bucket/reports"
    raw["hung_after_minutes"] = -1
    check, settings = check_settings(json.dumps(raw), "file:///tmp")
    assert settings is None
    assert not check.passed
    assert "hung_after_minutes" in check.detail
    assert "hunter2-secret" not in check.detail


def test_a_logs_dir_that_does_not_exist_fails_with_the_mount_fix(tmp_path):
    check = check_logs(settings_for(tmp_path / "missing"), NOW)
    assert not check.passed
    assert "is not a folder" in check.detail
    assert "mount" in check.fix


def test_an_empty_logs_dir_fails_saying_no_recent_file_matches(tmp_path):
    check = check_logs(settings_for(tmp_path), NOW)
    assert not check.passed
    assert "no file in" in check.detail
    assert "log_patterns" in check.fix


def test_only_old_or_unmatched_log_files_fail_the_check(tmp_path):
    old = tmp_path / f"encode_{UUID}.log"
    old.write_text("x")
    two_weeks_ago = NOW.timestamp() - 14 * 86400
    os.utime(old, (two_weeks_ago, two_weeks_ago))
    (tmp_path / "notes.txt").write_text("not a log")
    check = check_logs(settings_for(tmp_path), NOW)
    assert not check.passed
    assert "2 entries looked at" in check.detail


def test_a_recent_log_matching_a_pattern_in_a_subfolder_passes(tmp_path):
    (tmp_path / "2026" / "11").mkdir(parents=True)
    (tmp_path / "2026" / "11" / "app_2026-11-26.log").write_text("x")
    check = check_logs(settings_for(tmp_path), datetime.fromtimestamp(time.time(), UTC))
    assert check.passed, check
    assert "1 recent log file(s)" in check.detail


def test_a_symlinked_log_folder_outside_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "app_2026-11-26.log").write_text("x")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "linked").symlink_to(outside)
    check = check_logs(settings_for(logs), datetime.fromtimestamp(time.time(), UTC))
    assert not check.passed


def test_viewer_base_url_must_be_an_http_address():
    assert not check_viewer_base_url(None).passed
    assert "no links" in check_viewer_base_url("").detail
    assert not check_viewer_base_url("airflow.example.com").passed
    assert not check_viewer_base_url("javascript:alert(1)").passed
    assert check_viewer_base_url("https://airflow.example.com").passed
    loopback = check_viewer_base_url("http://127.0.0.1:8080")
    assert loopback.passed
    assert "this machine only" in loopback.detail
