"""`make bench-dag` only (its AIRFLOW__CORE__PLUGINS_FOLDER; never deployed): a
listener that records, inside each task instance's own process, what that process
cost. One JSON line per finished task instance is appended to `$BENCH_TASK_USAGE`:

- `peak_rss_mb`: `getrusage(RUSAGE_SELF).ru_maxrss` of the task process, read when the
  task has finished (its resident peak, pages shared with the process it was forked
  from included, as `ps` counts them), or its children's when larger:
  `child_peak_rss_mb`, `getrusage(RUSAGE_CHILDREN).ru_maxrss`, the largest of the
  processes it forked and waited for (the email task's renderer of the complete report,
  which shares the task's pages as they were at the fork and counts them too);
- `process_start`: when the process began (the fork of the task runner), from its start
  in clock ticks since boot (/proc/self/stat) and /proc/uptime, to 10 ms (psutil's
  create_time rests on the boot time in whole seconds, up to 1 s off);
  `running_at`: when the task runner had parsed the DAG file and was about to call the
  task (on_task_instance_running); `done_at`: when the callable had returned and its
  XCom was pushed (on_task_instance_success/failed). So startup = running_at -
  process_start (fork, DAG file parse, the runner's start-up messages) and execute =
  done_at - running_at (the project's imports at task start and the work).

With `$BENCH_PROFILE_DIR` set (`python -m dev.bench_dag --profile`), the same hooks run
cProfile from the task's start to its end and write `<task_id>.<map_index>.prof` there
(read it with `python -m pstats`); cProfile slows pure-Python code, so a profiled run's
times are not the benchmark's.
"""

from __future__ import annotations

import cProfile
import json
import os
import resource
import time
from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin
from pluggy import HookimplMarker

hookimpl = HookimplMarker("airflow")


class TaskUsage:
    def __init__(self) -> None:
        self.running_at: float | None = None
        self.process_start: float | None = None
        self.profiler: cProfile.Profile | None = None

    @hookimpl
    def on_task_instance_running(self, previous_state, task_instance) -> None:
        self.running_at = time.time()
        self.process_start = self.running_at - process_age_s()
        if os.environ.get("BENCH_PROFILE_DIR"):
            self.profiler = cProfile.Profile()
            self.profiler.enable()

    @hookimpl
    def on_task_instance_success(self, previous_state, task_instance) -> None:
        self._record(task_instance, "success")

    @hookimpl
    def on_task_instance_failed(self, previous_state, task_instance, error) -> None:
        self._record(task_instance, "failed")

    def _record(self, ti, state: str) -> None:
        if self.profiler is not None:
            self.profiler.disable()
            folder = os.environ["BENCH_PROFILE_DIR"]
            os.makedirs(folder, exist_ok=True)
            self.profiler.dump_stats(os.path.join(folder, f"{ti.task_id}.{ti.map_index}.prof"))
            self.profiler = None
        path = os.environ.get("BENCH_TASK_USAGE")
        if not path:
            return
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        line = {
            "task_id": ti.task_id,
            "map_index": ti.map_index,
            "state": state,
            "pid": os.getpid(),
            "process_start": self.process_start,
            "running_at": self.running_at,
            "done_at": time.time(),
            "peak_rss_mb": round(max(own, children) / 1024, 1),
            "child_peak_rss_mb": round(children / 1024, 1),
        }
        with open(path, "a") as handle:  # one short append per task: whole lines
            handle.write(json.dumps(line) + "\n")


def process_age_s() -> float:
    """Seconds since this process was forked."""
    with open("/proc/self/stat") as stat:
        start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
    with open("/proc/uptime") as uptime:
        since_boot = float(uptime.read().split()[0])
    return since_boot - start_ticks / os.sysconf("SC_CLK_TCK")


class BenchTaskUsagePlugin(AirflowPlugin):
    name = "bench_task_usage"
    listeners: ClassVar[list] = [TaskUsage()]
