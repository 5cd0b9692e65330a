"""`make bench-dag`'s driver on a tiny day: the whole DAG through LocalExecutor on a
PostgreSQL metadata database, its figures in dag.json, and mapped instances running
side by side when the executor has more than one slot free. Speed itself is measured
by the benchmark, not asserted here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dev.bench_dag import (
    concurrency,
    day_name,
    day_specs,
    parse_args,
    per_task_seconds,
    standard_clients,
)
from tests.support import PROJECT_DIR

# 800 processes: 120 failures make two summary batches (at least 100 failures each
# is the rule below 200), 12 client folders one lookup batch.
SIZE = 800
# Enough executor slots that both summaries find one free whatever else still holds
# one when they are queued (a task's slot is freed only once the executor has
# processed its end): plan_videos, scan_failure_logs, resolve_videos and the two.
SLOTS = 6
KEYS = {
    "wall_s",
    "task_instances",
    "peak_rss_mb",
    "graph_requests",
    "html_kb",
    "per_task_s",
    "processes",
    "machine",
    "plain_dags_test_wall_s",
    "scheduler_wall_s",
    "runner_profile",
    "import_profile",
    "task_instance_timings",
    "phases",
    "peak_rss_task",
    "per_task_peak_rss_mb",
}


@pytest.fixture(scope="module")
def bench_out():
    # Not under pytest's temporary root, which pytest makes private to its user: the
    # embedded server runs as its own service user when the tests run as root.
    out = Path(tempfile.mkdtemp(prefix="bench-dag-"))
    arguments = ["--sizes", str(SIZE), "--plain-size", "0", "--warmup", "0"]
    arguments += ["--scheduler-size", str(SIZE)]
    arguments += ["--parallelism", str(SLOTS)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dev.bench_dag", *arguments, "--out", str(out)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        yield out, done.stdout
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.integration
def test_driver_runs_the_dag_with_an_executor_and_writes_its_figures(bench_out):
    out, printed = bench_out
    dag = json.loads((out / "dag.json").read_text())
    assert set(dag) >= KEYS
    assert dag["processes"] == SIZE
    assert dag["mode"] == "executor"
    assert dag["executor"] == "LocalExecutor"
    assert dag["emails"] == 1
    assert dag["failed_tis"] == 0
    # 7 tasks (Teams and owner digests without their settings do nothing), 2 summary
    # batches, 1 lookup batch
    assert dag["task_instances"] == 10
    assert dag["per_task_s"]["summarize_failures"]["instances"] == 2
    assert dag["peak_rss_mb"] > 0
    assert dag["graph_requests"] > 0
    assert 0 < dag["html_kb"] <= 100
    assert dag["machine"]["nproc"] >= 1
    assert len(dag["machine"]["loadavg_at_start"]) == 3
    assert dag["peak_rss_task"] in dag["per_task_peak_rss_mb"]
    assert dag["per_task_peak_rss_mb"][dag["peak_rss_task"]] == dag["peak_rss_mb"]
    # the command's wall outside the tasks, and every task process's end from its supervisor
    assert dag["phases"]["before_dag_run_s"] > 0
    assert dag["phases"]["after_last_task_end_s"] >= 0
    for row in dag["task_instance_timings"]:
        assert row["process_end_s"] >= row["end_s"] - 0.5, row  # clocks of two processes
    assert dag["runner_profile"]["linger"]["max_s"] >= 0
    scaling = json.loads((out / "dag_scaling.json").read_text())
    assert [(r["processes"], r["mode"]) for r in scaling["runs"]] == [
        (SIZE, "executor"),
        (SIZE, "scheduler"),
    ]
    assert "| 800 | 12 | dags test --use-executor |" in printed
    # the email the run sent, kept for dev.compare_email
    email = out / "dag" / str(SIZE) / "email"
    assert sorted(p.name for p in email.iterdir()) == ["report.html", "report.txt", "sent-1.eml"]
    assert b"Subject: Daily process report" in (email / "sent-1.eml").read_bytes()


@pytest.mark.integration
def test_the_day_also_runs_triggered_for_the_real_scheduler_timed_from_trigger_to_end(
    bench_out,
):
    out, printed = bench_out
    dag = json.loads((out / "dag.json").read_text())
    run = dag["scheduler"]
    assert run["mode"] == "scheduler"
    assert dag["scheduler_wall_s"] == run["wall_s"] > 0
    assert (run["emails"], run["failed_tis"]) == (1, 0)
    assert run["task_instances"] == dag["task_instances"]
    # the run's first task starts after its trigger and its last ends before its end
    last_end = max(row["end_s"] for row in run["task_instance_timings"])
    assert last_end < run["wall_s"]
    assert "| 800 | 12 | scheduler, trigger to end |" in printed
    # the bench's report day (the report_day Param), not the day before the trigger
    runs = out / "dag" / "runs" / f"{SIZE}-scheduler" / "artifacts"
    assert [day.name for day in runs.iterdir()] == ["2026-11-26"]


@pytest.mark.integration
def test_mapped_instances_overlap_in_time_when_slots_are_free(bench_out):
    out, _ = bench_out
    dag = json.loads((out / "dag.json").read_text())
    summaries = [t for t in dag["task_instance_timings"] if t["task_id"] == "summarize_failures"]
    assert len(summaries) == 2
    first, second = sorted(summaries, key=lambda t: t["start_s"])
    assert second["start_s"] < first["end_s"], summaries  # queued together, slots free
    assert dag["max_concurrent_tis"]["summarize_failures"] == 2
    assert dag["max_concurrent_tis"]["*"] >= 2


def ti(task_id, map_index, start, end):
    zero = datetime(2026, 11, 27, 7, tzinfo=UTC)
    return {
        "task_id": task_id,
        "map_index": map_index,
        "start_date": zero + timedelta(seconds=start),
        "end_date": zero + timedelta(seconds=end),
    }


def test_concurrency_counts_instances_running_at_the_same_moment():
    tis = [ti("a", -1, 0, 1), ti("m", 0, 1, 4), ti("m", 1, 2, 5), ti("m", 2, 5, 6)]
    # m[1] ends as m[2] starts: not at the same moment
    assert concurrency(tis) == {"*": 2, "a": 1, "m": 2}


def test_per_task_seconds_sums_mapped_instances_and_keeps_their_longest():
    tis = [ti("a", -1, 0, 1.5), ti("m", 0, 1, 4), ti("m", 1, 2, 3)]
    assert per_task_seconds(tis) == {
        "a": 1.5,
        "m": {"instances": 2, "sum_s": 4.0, "max_s": 3.0},
    }


def test_the_days_measured_before_keep_their_clients_and_100000_has_300():
    # the 20,000-process day's data must not change (its email is the baseline of the
    # streaming rewrite): the clients of every size measured before stay as they were
    assert [standard_clients(n) for n in (1000, 5000, 20000, 50000)] == [15, 75, 300, 750]
    assert standard_clients(100000) == 300
    assert day_name(20000, 300) == "20000"
    assert day_name(20000, 3000) == "20000x3000"


def test_days_are_named_by_processes_or_processes_x_clients():
    assert day_specs("20000") == [(20000, 300)]
    assert day_specs("20000x3000,100000") == [(20000, 3000), (100000, 300)]


def test_a_subset_of_days_runs_with_the_clients_axis_only_when_asked():
    assert parse_args(["--sizes", "20000", "100000"]).sizes == [(20000, 300), (100000, 300)]
    assert parse_args(["--sizes", "1000,5000"]).sizes == [(1000, 15), (5000, 75)]
    assert parse_args(["--sizes", "20000", "--clients-axis"]).sizes == [
        (20000, 300),
        (20000, 3000),
    ]
    everything = parse_args([]).sizes
    assert everything == [(n, standard_clients(n)) for n in (1000, 5000, 20000, 50000, 100000)] + [
        (20000, 3000)
    ]
