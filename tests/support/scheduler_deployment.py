"""An Airflow deployment for the scheduler tests, configured the way the README and
docker-compose.yaml configure production, on a PostgreSQL metadata database.

- the metadata DB is a fresh database on the test PostgreSQL server (the machine's
  when PROCESS_DB_TEST_URI names it, the embedded one otherwise), migrated with
  `airflow db migrate`;
- the `process_db` and `msgraph_default` connections and the settings variable are
  environment variables of every component, as in `dev/run_demo.airflow_environment`
  and Compose (the DAG processor needs them too: it runs the DAG's failure callback,
  which sends the alert);
- the only test-specific policy is `airflow_local_settings.py` in `$AIRFLOW_HOME/config`:
  a cluster policy that shortens retry delays to seconds, so a retry is seen in a test;
  the production DAG is not changed;
- fast polling for the scheduler and the DAG processor, and a small parallelism.

`executor="CeleryExecutor"` adds the Redis broker (the machine's, on 127.0.0.1:6379),
a queue of its own (other sessions may share the Redis database) and the Celery result
backend on the metadata DB.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extras

from process_report.links import DAG_ID
from tests.support import PROJECT_DIR
from tests.support.embedded_db import airflow_connection_json, recreate_database

TIMEZONE = "Europe/Paris"
RECIPIENTS = ["operations@example.com"]
ALERT_RECIPIENTS = ["oncall@example.com"]
ONEDRIVE_ROOT = "Videos"
RETRY_DELAY_S = 3
REDIS_URL = "redis://127.0.0.1:6379/7"

# A cluster policy in the test AIRFLOW_HOME only: retries come after seconds, not minutes.
LOCAL_SETTINGS = f'''"""Scheduler tests only: retry delays of seconds instead of minutes."""

from datetime import timedelta


def task_policy(task):
    task.retry_delay = timedelta(seconds={RETRY_DELAY_S})
    task.max_retry_delay = timedelta(seconds={RETRY_DELAY_S * 2})
'''


@dataclass
class SchedulerDeployment:
    root: Path
    metadata_db: str
    metadata_uri: str  # psycopg2 form
    process_db_uri: str
    graph_connection: str
    port: int
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    queue: str = field(default_factory=lambda: "scheduler-tests-" + secrets.token_hex(4))

    @property
    def home(self) -> Path:
        return self.root / "airflow"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def logs_dir(self) -> Path:
        return self.root / "process-logs"

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "logs_dir": str(self.logs_dir),
            "onedrive_root": ONEDRIVE_ROOT,
            "recipients": RECIPIENTS,
            "alert_recipients": ALERT_RECIPIENTS,
            "timezone": TIMEZONE,
            "db_timezone": "UTC",
            "logs_timezone": "UTC",  # the sample's logs are written in UTC
            "artifacts_root": self.artifacts.as_uri(),
        }

    def env(self, executor: str = "LocalExecutor") -> dict[str, str]:
        base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_DIR / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
                "AIRFLOW__CORE__EXECUTOR": executor,
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_uri(self.metadata_uri),
                "AIRFLOW__API__BASE_URL": base,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "600",
                "AIRFLOW_CONN_PROCESS_DB": airflow_connection_json(self.process_db_uri),
                "AIRFLOW_CONN_MSGRAPH_DEFAULT": self.graph_connection,
                "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": json.dumps(self.settings),
            }
        )
        if executor == "CeleryExecutor":
            env.update(
                {
                    "AIRFLOW__CELERY__BROKER_URL": REDIS_URL,
                    "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
                    + sqlalchemy_uri(self.metadata_uri).replace("+psycopg2", ""),
                    "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                }
            )
        return env


def prepare(root: Path, pg_server_uri: str, process_db_uri: str, graph_connection: str):
    """A fresh metadata DB, migrated, and an AIRFLOW_HOME with the retry-delay policy."""
    name = "airflow_scheduler_" + secrets.token_hex(3)  # the server may be shared
    deployment = SchedulerDeployment(
        root=root,
        metadata_db=name,
        metadata_uri=recreate_database(pg_server_uri, name),
        process_db_uri=process_db_uri,
        graph_connection=graph_connection,
        port=free_port(),
    )
    (deployment.home / "config").mkdir(parents=True, exist_ok=True)
    (deployment.home / "config" / "airflow_local_settings.py").write_text(LOCAL_SETTINGS)
    deployment.logs_dir.mkdir(parents=True, exist_ok=True)
    with (root / "db-migrate.log").open("w") as log:
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=deployment.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=600,
        )
    return deployment


def sqlalchemy_uri(uri: str) -> str:
    """psycopg2's URI (socket directories as ?host=) in SQLAlchemy's form."""
    return uri.replace("postgresql://", "postgresql+psycopg2://", 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the metadata DB, read as the UI would show it ----------------------------------------
def query(metadata_uri: str, statement: str, params: dict | None = None) -> list[dict]:
    conn = psycopg2.connect(metadata_uri)
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(statement, params or {})
            return [dict(row) for row in cur.fetchall()]
    finally:
        conn.close()


def dag_runs(metadata_uri: str) -> list[dict]:
    return query(
        metadata_uri,
        "SELECT run_id, run_type, state, logical_date, data_interval_start, data_interval_end,"
        " clear_number, conf FROM dag_run WHERE dag_id = %(dag)s ORDER BY id",
        {"dag": DAG_ID},
    )


def task_instances(metadata_uri: str, run_id: str) -> dict[str, dict]:
    """task_id (with [map_index] for mapped ones) -> state, try_number, executor info."""
    rows = query(
        metadata_uri,
        "SELECT task_id, map_index, state, try_number, hostname, queue FROM task_instance"
        " WHERE dag_id = %(dag)s AND run_id = %(run)s",
        {"dag": DAG_ID, "run": run_id},
    )
    return {
        row["task_id"] + (f"[{row['map_index']}]" if row["map_index"] >= 0 else ""): row
        for row in rows
    }


def wait_for(check: Callable[[], Any], what: str, timeout_s: float, cluster) -> Any:
    """Poll `check` until it returns something true. Fails at once if a component of
    `cluster` (an AirflowCluster) died, and on timeout names the components' logs."""
    deadline = time.monotonic() + timeout_s
    while True:
        cluster.check_alive()
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"timed out after {timeout_s:.0f} s waiting for {what}; the components' "
                f"logs are in {cluster.logs}, the scheduler's last lines:\n"
                + cluster.tail("scheduler")
            )
        time.sleep(1)


def wait_dag_stored(cluster, metadata_uri: str, timeout_s: float = 600) -> None:
    """Until the DAG processor has parsed and stored the DAG (the CLI needs it)."""
    wait_for(
        lambda: query(
            metadata_uri,
            "SELECT 1 FROM serialized_dag WHERE dag_id = %(dag)s",
            {"dag": DAG_ID},
        ),
        "the DAG processor to store the DAG",
        timeout_s,
        cluster,
    )
