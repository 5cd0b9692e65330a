"""scan_failure_logs: every API key of the database is masked in task logs, also
before a failed scan's error is logged."""

from __future__ import annotations

import secrets

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.tasks import scan_failure_logs as task
from tests.process_report.tasks.runs import SETTINGS, masked_in_task_logs, resolve
from tests.support.factories import insert_client


def test_scan_failure_logs_masks_every_api_key_of_the_database_in_task_logs(
    settings_variable, clients_in_db, process_db, tmp_path
):
    idle_key = f"idle-key-{secrets.token_hex(8)}"
    insert_client(process_db, "Client without processes", idle_key)
    settings_variable({**SETTINGS, "logs_dir": str(tmp_path)})
    run = resolve()
    folder = ObjectStoragePath(run["folder"])
    fetched = {"processes_path": artifacts.write_json(folder, "processes.json", {"processes": []})}
    assert not masked_in_task_logs(idle_key)
    task.scan_failure_logs_task(run=run, fetched=fetched)
    assert all(masked_in_task_logs(key) for key in [*clients_in_db, idle_key])


def test_scan_failure_logs_masks_the_api_keys_before_its_error_is_logged(
    settings_variable, clients_in_db, tmp_path, monkeypatch
):
    """The keys are registered after the scan (Airflow's masker is slow with many), but
    a scan that fails still has them registered before the runner logs its error."""

    def broken(*args, **kwargs):
        raise OSError(f"cannot read {tmp_path}/{clients_in_db[0]}/encode.log")

    settings_variable({**SETTINGS, "logs_dir": str(tmp_path)})
    run = resolve()
    folder = ObjectStoragePath(run["folder"])
    fetched = {"processes_path": artifacts.write_json(folder, "processes.json", {"processes": []})}
    monkeypatch.setattr(task, "extract_failure_logs", broken)
    with pytest.raises(OSError, match="cannot read") as raised:
        task.scan_failure_logs_task(run=run, fetched=fetched)
    assert clients_in_db[0] in str(raised.value)
    assert masked_in_task_logs(clients_in_db[0])  # what the runner logs of it is masked
