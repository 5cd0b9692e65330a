"""`make bench-dag --scheduler-size N`: a day run the way production runs it, by
Airflow's real scheduler and DAG processor (LocalExecutor with the bench's slots, the
bench's API server), triggered for the bench's report day.

`airflow dags test --use-executor` is a stand-in for the scheduler: it polls its run in
a loop that sleeps 1 s whenever tasks are running and none is ready, starts and stops
the CLI (imports, DAG sync) inside the timed command, and runs tasks without pools or
priorities. Here the scheduler does all of that with the settings the deployments use
(Airflow's defaults but `[workers] min_heartbeat_interval`, as docker-compose.yaml and
the Helm values set it), plus `[scheduler] use_job_schedule = False` so that only the
triggered run runs (an unpaused daily DAG would also get today's scheduled run). The
run's wall is the metadata database's, from the trigger (`queued_at`) to the run's end
(`end_date`): the scheduler's and DAG processor's start-up and the DAG's parsing are not
in it, as they are not in a production morning.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2

from dev.run_demo import DAG_ID, LOGICAL_DATE, REPORT_DAY

AIRFLOW = [sys.executable, "-m", "airflow"]
FINAL = ("success", "failed")
POLL_S = 0.2
STARTUP_TIMEOUT_S = 300
SETTINGS = {
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the triggered run
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
}


@contextlib.contextmanager
def scheduler(env: dict[str, str], logs: Path) -> Iterator[dict[str, subprocess.Popen]]:
    """`airflow dag-processor` and `airflow scheduler` with the run's environment (its
    process database, Graph, settings), each its own process group logging to `logs`;
    stopped (SIGTERM, then SIGKILL) when the block ends."""
    logs.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name in ("dag-processor", "scheduler"):
            with (logs / f"{name}.log").open("w") as handle:
                processes[name] = subprocess.Popen(
                    [*AIRFLOW, name],
                    env={**env, **SETTINGS},
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        yield processes
    finally:
        for process in processes.values():
            _stop(process)


def run_triggered(
    env: dict[str, str],
    meta_uri: str,
    processes: dict[str, subprocess.Popen],
    logs: Path,
    timeout_s: float,
) -> dict[str, Any]:
    """Once the DAG is stored: the `msgraph` pool as the README sets it, the DAG
    unpaused, a run triggered for the bench's report day (its `report_day` Param: a
    triggered run's logical date only labels it); the run's row when it is final
    (state, queued_at, start_date, end_date)."""
    _wait(lambda: _query(meta_uri, _STORED), "the DAG stored", STARTUP_TIMEOUT_S, processes, logs)
    cli = {**env, **SETTINGS}
    _cli(cli, logs, "pools", "set", "msgraph", "4", "Microsoft Graph calls")
    _cli(cli, logs, "dags", "unpause", DAG_ID)
    conf = json.dumps({"report_day": REPORT_DAY.isoformat()})  # see docs/operations.md
    _cli(cli, logs, "dags", "trigger", DAG_ID, "--logical-date", LOGICAL_DATE, "-c", conf)

    def final() -> dict[str, Any] | None:
        rows = _query(meta_uri, _RUN)
        return rows[0] if rows and rows[0]["state"] in FINAL else None

    return _wait(final, "the triggered run to finish", timeout_s, processes, logs)


_STORED = ("SELECT 1 FROM serialized_dag WHERE dag_id = %(dag)s", {"dag": DAG_ID})
_RUN = (
    "SELECT state, queued_at, start_date, end_date FROM dag_run WHERE dag_id = %(dag)s "
    "AND run_type = 'manual' ORDER BY queued_at DESC LIMIT 1",
    {"dag": DAG_ID},
)


def _query(meta_uri: str, statement: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    with contextlib.closing(psycopg2.connect(meta_uri)) as conn, conn.cursor() as cur:
        cur.execute(*statement)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _wait(check, what: str, timeout_s: float, processes, logs: Path) -> Any:
    """Poll `check` every POLL_S until it gives something; fail at once, naming the
    log, when a component stopped, and on timeout."""
    deadline = time.monotonic() + timeout_s
    while not (result := check()):
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"airflow {name} stopped while waiting for {what}: see {logs}")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout_s:.0f} s waiting for {what}: see {logs}")
        time.sleep(POLL_S)
    return result


def _cli(env: dict[str, str], logs: Path, *args: str) -> None:
    with (logs / "cli.log").open("a") as handle:
        subprocess.run(
            [*AIRFLOW, *args], env=env, stdout=handle, stderr=subprocess.STDOUT, check=True
        )


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
