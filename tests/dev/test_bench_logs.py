"""`make bench-logs`'s driver, its `--case many_small_files` on a small folder: the
case runs alone, in its own child, and merges its figures into logs.json. Speed and
memory themselves are measured by the benchmark, not asserted here."""

from __future__ import annotations

import json

from dev import bench_logs, figures


def test_one_case_runs_alone_and_merges_its_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_logs, "OUT", tmp_path)
    monkeypatch.setattr(figures, "OUT", tmp_path)
    monkeypatch.setattr(bench_logs, "MANY", tmp_path / "many")
    monkeypatch.setattr(bench_logs, "MANY_FILES", 300)
    monkeypatch.setattr(bench_logs, "MANY_FAILED", 20)
    (tmp_path / "logs.json").write_text(json.dumps({"ours_s": 5.5}))
    assert bench_logs.main(["--case", "many_small_files"]) == 0
    saved = json.loads((tmp_path / "logs.json").read_text())
    assert saved["ours_s"] == 5.5  # the other cases' figures are kept
    case = saved["many_small_files"]
    assert case["files"] == 301  # and failed.json
    assert case["failed"] == case["extracts"] == 20
    assert case["files_indexed"] == 301  # every file seen, as in one walk
    assert case["peak_rss_mb"] > 0
    assert {"seconds", "walk_s", "spool_bytes", "load_average"} <= set(case)
