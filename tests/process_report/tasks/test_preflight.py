"""The preflight check through Airflow's own readings (variable, connections, [api]
base_url), as the DAG's task and as `make preflight`: it passes on a good setup, fails
naming each fix otherwise, and sends nothing either way."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from airflow.sdk.exceptions import AirflowFailException

from process_report.tasks import preflight as task
from tests.process_report.tasks.runs import SETTINGS
from tests.support import PROJECT_DIR
from tests.support.embedded_db import airflow_connection_json


@pytest.fixture
def good_setup(settings_variable, process_db_uri, standin, tmp_path, monkeypatch):
    """Everything the report needs, configured the way an operator would."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app_2026-11-26.log").write_text("INFO started\n")
    standin.add_file("Videos/key-1/a.mp4")
    settings_variable({**SETTINGS, "logs_dir": str(logs), "onedrive_root": "Videos"})
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(process_db_uri))
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    return logs


def test_the_task_passes_a_good_setup_and_logs_one_line_per_check(good_setup, standin, caplog):
    caplog.set_level("INFO", logger=task.__name__)
    assert task.preflight_task() == {"checks": 8, "failed": 0}
    lines = [r.getMessage() for r in caplog.records]
    assert sum(line.startswith("PASS ") for line in lines) == 8
    assert "8 of 8 checks passed; nothing was sent." in lines
    assert standin.sent_messages() == []


def test_the_task_fails_unretried_naming_each_failed_check(good_setup, monkeypatch, caplog):
    for log_file in good_setup.iterdir():
        log_file.unlink()  # an empty logs folder
    monkeypatch.delenv("AIRFLOW_CONN_MSGRAPH_DEFAULT")
    caplog.set_level("INFO", logger=task.__name__)
    with pytest.raises(AirflowFailException, match=r"2 check\(s\) failed") as failed:
        task.preflight_task()
    assert "connection msgraph_default" in str(failed.value)
    assert "logs_dir" in str(failed.value)
    assert any("fix: define msgraph_default" in r.getMessage() for r in caplog.records)


def test_make_preflight_prints_the_checklist_and_exits_1_on_a_wrong_secret(good_setup, standin):
    connection = json.loads(standin.airflow_connection())
    env = {
        **os.environ,
        "AIRFLOW_CONN_MSGRAPH_DEFAULT": json.dumps({**connection, "password": "x"}),
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "preflight"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stdout
    assert "PASS database (process_db)" in done.stdout
    assert "FAIL sign-in (client_credentials)" in done.stdout
    assert "fix: the client secret" in done.stdout
    # mailbox and OneDrive are not checked without a token: failures too, never passes
    assert "5 of 8 checks passed; 3 to fix; nothing was sent." in done.stdout


def test_make_preflight_exits_0_on_a_good_setup(good_setup):
    done = subprocess.run(
        ["make", "--no-print-directory", "preflight"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 of 8 checks passed; nothing was sent." in done.stdout
