"""The summaries benchmark's driver on a small folder: it times both readings of every
extract, plain and gzipped, and counts the summaries they agree on."""

from __future__ import annotations

import gzip

from dev.bench_summaries import measure


def test_driver_times_both_readings_of_each_extract_and_counts_equal_summaries(tmp_path):
    text = b"2026-11-26 09:00:00 ERROR x\nTraceback (most recent call last):\n  f\nE: y\n"
    (tmp_path / "a.log").write_bytes(text * 50)
    (tmp_path / "b.log.gz").write_bytes(gzip.compress(text))
    (tmp_path / "failures.json").write_text("{}")  # not an extract
    figures = measure(tmp_path, rounds=2)
    assert figures["files"] == 2
    assert [r["same_summaries"] for r in figures["rounds"]] == [2, 2]
    assert set(figures["rounds"][0]) == {"lines", "blocks", "same_summaries", "load_1min"}
