"""`make bench-viewer`'s driver on a small day: it lays out a run's folder as the tasks
do and reads what the run page shows; its figures land in viewer.json. Speed itself is
measured by the benchmark, not asserted here."""

from __future__ import annotations

import json

from dev import bench_viewer, figures


def test_the_viewer_bench_lists_every_failure_and_saves_its_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "OUT", tmp_path / "bench")
    result = bench_viewer.main(
        ["--processes", "300", "--failures", "30", "--out", str(tmp_path / "day")]
    )
    assert result["failures_listed"] == 30
    saved = json.loads((tmp_path / "bench" / "viewer.json").read_text())
    assert saved == result
    assert set(saved) == {
        "processes",
        "failures_listed",
        "processes_json_mb",
        "run_page_read_s",
        "peak_python_mb",
    }
