"""Where a `make bench-dag` run's wall time goes outside the task instances, read from
the `airflow dags test` output (the run's dags-test.log).

The metadata database says when each task instance started and ended; it does not say
when its task process was gone. Airflow's supervisor logs that ("Workload finished",
with the task instance's id as workload_id), and until then the process holds its
executor slot. On the 20,000-process day of December 2026, 5 of 15 task processes
outlived their task by 5 s: the supervisor notices the exit only when its select()
wakes, at most every `[workers] min_heartbeat_interval`, once the process has closed
its sockets. The same log says when `dags test` had created its DAG run, so the start
of the command (CLI import, DAG parsing) is told apart from the tasks.
"""

from __future__ import annotations

import re
from datetime import datetime

_STAMP = r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+)Z"
_WORKLOAD_END = re.compile(_STAMP + r" \[info\s*\] Workload finished\b.*?workload_id=([0-9a-f-]+)")
_RUN_CREATED = re.compile(_STAMP + r" \[info\s*\] Created dag run\.")


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp + "+00:00").timestamp()


def process_ends(log: str) -> dict[str, float]:
    """Task instance id -> when its supervisor saw its task process gone (epoch s)."""
    return {m[2]: _epoch(m[1]) for m in _WORKLOAD_END.finditer(log)}


def dag_run_created(log: str) -> float | None:
    """When `dags test` had created its DAG run (epoch s), if the log says."""
    match = _RUN_CREATED.search(log)
    return _epoch(match[1]) if match else None


def phases(
    log: str, command_start: float, command_end: float, ti_ends: list[float]
) -> dict[str, float | None]:
    """The command's wall split in three: before the DAG run existed, until the last task
    instance ended, and after it (the executor waiting for task processes to exit, the
    command's own exit)."""
    created = dag_run_created(log)
    last_end = max(ti_ends, default=None)
    return {
        "before_dag_run_s": round(created - command_start, 2) if created else None,
        "dag_run_to_last_task_end_s": round(last_end - created, 2)
        if created and last_end
        else None,
        "after_last_task_end_s": round(command_end - last_end, 2) if last_end else None,
    }
