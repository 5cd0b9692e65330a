"""The tasks' shared readings: a missing settings variable fails unretried."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from process_report.tasks import common as task


def test_missing_settings_variable_fails_without_retry(monkeypatch):
    monkeypatch.delenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", raising=False)
    with pytest.raises(AirflowFailException, match="is not set"):
        task.load_settings()
