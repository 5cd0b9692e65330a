"""`make bench-history`'s driver on small days: a real archive written by the record
builder, read back and compared. Speed itself is measured by the benchmark, not asserted
here."""

from __future__ import annotations

from dev import bench_history


def test_the_benchmark_archive_is_read_back_with_every_state(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_history, "REPEATS", 1)
    figures = bench_history.measure(tmp_path / "history", 2000)  # 200 failures, 30 signatures
    assert figures["days"] == 14
    assert figures["failures_per_day"] == 200
    assert 20 <= figures["signatures_per_day"] <= 30
    counts = figures["lifecycle_counts"]
    assert counts["ongoing"] > 0
    assert counts["back"] > 0
    assert counts["not_seen_today"] > 0
    assert counts["new"] > 0  # today draws from 10 kinds never seen before
    assert counts["acknowledged"] > 0
    assert len(list((tmp_path / "history").glob("2026-11-*/run-*/history.json"))) > 14
