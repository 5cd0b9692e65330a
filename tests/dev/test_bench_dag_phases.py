"""`dev.bench_dag_phases`: what `airflow dags test`'s output says about a run beyond the
metadata database, on lines as Airflow 3.3 writes them (from a real run's log)."""

from __future__ import annotations

from datetime import UTC, datetime

from dev.bench_dag_phases import dag_run_created, phases, process_ends

LOG = """\
2026-12-06T23:15:04.297896Z [warning  ] Could not import graphviz. [py.warnings]
2026-12-06T23:15:05.311303Z [info     ] Created dag run.               [airflow.models.dagrun] dagrun=<DagRun client_process_daily_report>
2026-12-06T23:15:05.984434Z [info     ] Workload finished              [supervisor] duration=0.4412836990000528 exit_code=0 final_state=success loc=supervisor.py:2658 workload_id=01a24da3-b9be-7982-9664-ae6f4bf1d0a5 workload_type=ExecuteTask
2026-12-06 23:15:08.183196+00:00 [info     ] 300 client API key(s) masked in task logs [process_report.tasks.fetch_processes]
2026-12-06T23:15:33.876905Z [info     ] Workload finished              [supervisor] duration=9.17911906400002 exit_code=0 final_state=success loc=supervisor.py:2658 workload_id=01a24da3-b9c4-7aa4-bbcd-c10cea9d2b5e workload_type=ExecuteTask
"""  # noqa: E501


def epoch(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()


def test_each_task_process_end_is_read_by_its_task_instance_id():
    ends = process_ends(LOG)
    assert set(ends) == {
        "01a24da3-b9be-7982-9664-ae6f4bf1d0a5",
        "01a24da3-b9c4-7aa4-bbcd-c10cea9d2b5e",
    }
    assert ends["01a24da3-b9c4-7aa4-bbcd-c10cea9d2b5e"] == epoch(2026, 12, 6, 23, 15, 33, 876905)


def test_the_wall_splits_into_before_the_run_the_tasks_and_after_the_last_task():
    assert dag_run_created(LOG) == epoch(2026, 12, 6, 23, 15, 5, 311303)
    start, end = epoch(2026, 12, 6, 23, 15, 1), epoch(2026, 12, 6, 23, 15, 34)
    split = phases(LOG, start, end, [epoch(2026, 12, 6, 23, 15, 29, 500000)])
    assert split == {
        "before_dag_run_s": 4.31,
        "dag_run_to_last_task_end_s": 24.19,
        "after_last_task_end_s": 4.5,
    }


def test_a_log_without_the_lines_gives_no_figures_rather_than_wrong_ones():
    assert process_ends("nothing here\n") == {}
    assert phases("nothing here\n", 0.0, 10.0, []) == {
        "before_dag_run_s": None,
        "dag_run_to_last_task_end_s": None,
        "after_last_task_end_s": None,
    }
