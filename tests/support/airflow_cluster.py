"""A real Airflow cluster for the scheduler tests: `airflow dag-processor`, `airflow
api-server` (which also serves the workers' execution API) and `airflow scheduler`,
plus `airflow celery worker` under CeleryExecutor, each its own process group with its
output in a log file; started with an environment from `scheduler_deployment`.

`AirflowCluster` is a context manager: it starts the processes, waits until the API
server reports the metadata DB, the scheduler and the DAG processor healthy, and on
exit stops every process group it started (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import requests

AIRFLOW = [sys.executable, "-m", "airflow"]


class ClusterError(RuntimeError):
    """A component stopped or did not become healthy; the message names its log."""


class AirflowCluster:
    def __init__(self, env: dict[str, str], logs: Path, *, port: int, celery_worker: bool):
        self.env, self.logs, self.port = env, logs, port
        self.celery_worker = celery_worker
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> AirflowCluster:
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            self._start("dag-processor", ["dag-processor"])
            self._start(
                "api-server",
                ["api-server", "--workers", "1", "--host", "127.0.0.1", "--port", str(self.port)],
            )
            self._start("scheduler", ["scheduler"])
            if self.celery_worker:
                queue = self.env.get("AIRFLOW__OPERATORS__DEFAULT_QUEUE", "default")
                worker = ["celery", "worker", "--concurrency", "2", "--queues", queue]
                self._start("celery-worker", worker)
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self, name: str, args: Sequence[str]) -> None:
        with (self.logs / f"{name}.log").open("w") as log:
            self.processes[name] = subprocess.Popen(
                [*AIRFLOW, *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self) -> None:
        """SIGTERM to each process group (the components fork workers), SIGKILL after 30 s."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)  # leftovers of the group, if any
            process.wait()
        self.processes.clear()

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ClusterError(
                    f"airflow {name} exited with {process.returncode}; "
                    f"see {self.logs / f'{name}.log'}:\n{self.tail(name)}"
                )

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def wait_healthy(self, timeout_s: float = 300) -> dict:
        """The API server's health report, once the metadata DB, the scheduler and the
        DAG processor are all healthy."""
        url = f"{self.api_url}/api/v2/monitor/health"
        deadline = time.monotonic() + timeout_s
        health: dict = {}
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                answer = requests.get(url, timeout=5)
                if answer.status_code == 200:
                    health = answer.json()
                    parts = ("metadatabase", "scheduler", "dag_processor")
                    if all(health.get(p, {}).get("status") == "healthy" for p in parts):
                        return health
            except requests.RequestException:
                pass
            time.sleep(1)
        raise ClusterError(f"the cluster was not healthy within {timeout_s:.0f} s: {health}")

    def airflow(self, *args: str, timeout_s: float = 300) -> str:
        """Run an `airflow` CLI command against the cluster's metadata DB; its output."""
        done = subprocess.run(
            [*AIRFLOW, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if done.returncode != 0:
            raise ClusterError(
                f"airflow {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
