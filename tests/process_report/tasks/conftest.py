"""Fixtures of the task-body tests: the settings variable, and clients in the
embedded database."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest

from tests.process_report.tasks.runs import DAY_END
from tests.support.embedded_db import airflow_connection_json
from tests.support.factories import insert_client, insert_process, insert_statuses


@pytest.fixture
def settings_variable(monkeypatch, tmp_path):
    def set_settings(value):
        if not isinstance(value, str):
            value = json.dumps({**value, "artifacts_root": tmp_path.as_uri()})
        monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", value)

    return set_settings


@pytest.fixture
def clients_in_db(process_db, process_db_uri, monkeypatch):
    """Two clients with a process each in the sample window, keys unique to this test
    (Airflow's masker is process-wide: a key masked by an earlier test proves nothing)."""
    keys = [f"client-key-{secrets.token_hex(8)}" for _ in range(2)]
    insert_statuses(process_db)
    for number, key in enumerate(keys):
        source = insert_client(process_db, f"Client {number}", key)
        insert_process(process_db, source, "Failed", DAY_END - timedelta(hours=3))
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(process_db_uri))
    return keys
