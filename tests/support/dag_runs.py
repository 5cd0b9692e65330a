"""The report DAG, configured for an in-process `dag.test()` on a prepared day."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from airflow.dag_processing.dagbag import DagBag

from process_report.links import DAG_ID
from tests.support import PROJECT_DIR
from tests.support.embedded_db import airflow_connection_json
from tests.support.graph_standin import GraphStandIn
from tests.support.sample_day import TEST_API_KEY


def configured_report_dag(
    monkeypatch: pytest.MonkeyPatch, process_db_uri: str, standin: GraphStandIn, tmp_path: Path
) -> Any:
    """The DAG as the README configures it (`process_db`, `msgraph_default`, the settings
    variable), with logs under `tmp_path/logs` and its archive under `tmp_path/artifacts`;
    retries off, so a failure fails the test now rather than after retry delays."""
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(process_db_uri))
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    monkeypatch.setenv(
        "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS",
        json.dumps(
            {
                "logs_dir": str(tmp_path / "logs"),
                "onedrive_root": "Videos",
                "recipients": ["ops@example.com"],
                "skip_api_keys": [TEST_API_KEY],
                "timezone": "Europe/Paris",
                "logs_timezone": "UTC",  # the sample's logs are written in UTC
                "artifacts_root": (tmp_path / "artifacts").as_uri(),
            }
        ),
    )
    dag = DagBag(dag_folder=str(PROJECT_DIR / "dags")).dags[DAG_ID]
    for task in dag.tasks:
        task.retries = 0
    return dag
