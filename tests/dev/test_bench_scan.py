"""`make bench-scan`'s driver on a small day: the task's extraction in a child process,
every failure's extract stored, and digests that agree from one run to the next."""

from __future__ import annotations

from dev.bench_scan import day_spec, run_child, summary


def test_driver_extracts_every_failure_and_gives_the_same_digests_each_run(tmp_path):
    spec = day_spec(200, tmp_path / "days")
    assert len(spec["failed"]) == 30
    assert len(spec["keys"]) == 301
    runs = [run_child(spec, tmp_path) for _ in range(2)]
    figures = summary(runs, 200)
    assert figures["extracts"] == 30
    assert len(figures["extracts_digest"]) == 1
    assert len(figures["result_digest"]) == 1
    assert figures["seconds"] > 0
