"""The failure summaries' time on a day's stored extracts: `summarize` on blocks
(`extract_blocks`) against the line-by-line reading it replaced, kept as the test
oracle (tests/support/summary_oracle.py), in one process.

Not part of the test suite (speed claims come from runs like this one, never from timed
asserts): `python -m dev.bench_summaries FOLDER [--rounds N]` summarizes every extract
in FOLDER (a run's `failure_logs`, e.g. the 100,000-process day's under
out/bench/dag/runs/100000-executor/artifacts/*/*/failure_logs after `make bench-dag`;
only read) as the summarize_failures task does, opening each through its file:// URL,
the two readings taking turns for N rounds (3), since the load of a shared machine
changes from one minute to the next. Writes out/bench/summaries.json: files, MB, CPU
and wall seconds of each reading in each round, the load average around each round,
and how many of the summaries were the same.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from airflow.sdk import ObjectStoragePath

from dev.figures import save
from process_report import artifacts
from process_report.logs.stored_extracts import extract_blocks, extract_lines
from process_report.logs.summary import summarize
from tests.support.summary_oracle import summarize_lines

Summarize = Callable[[str, Iterable[str], str], dict[str, Any]]
Reader = Callable[[BinaryIO, str], Iterator[str]]
READINGS: dict[str, tuple[Summarize, Reader]] = {
    "lines": (summarize_lines, extract_lines),
    "blocks": (summarize, extract_blocks),
}


def measure(folder: Path, rounds: int) -> dict[str, Any]:
    """Both readings of every extract in `folder`, taking turns `rounds` times."""
    paths = sorted(p for p in folder.iterdir() if p.name.endswith((".log", ".log.gz")))
    urls = [p.as_uri() for p in paths]
    figures: dict[str, Any] = {
        "files": len(urls),
        "mb": round(sum(p.stat().st_size for p in paths) / 1e6, 1),
        "rounds": [],
    }
    for _ in range(rounds):
        load = os.getloadavg()[0]
        times, summaries = {}, {}
        for name, (summarize_one, reader) in READINGS.items():
            cpu, wall = time.process_time(), time.perf_counter()
            summaries[name] = [_summary(url, summarize_one, reader) for url in urls]
            times[name] = {
                "cpu_s": round(time.process_time() - cpu, 2),
                "wall_s": round(time.perf_counter() - wall, 2),
            }
        same = sum(a == b for a, b in zip(summaries["lines"], summaries["blocks"], strict=True))
        figures["rounds"].append(
            {**times, "same_summaries": same, "load_1min": [load, os.getloadavg()[0]]}
        )
    return figures


def _summary(url: str, summarize_one: Summarize, reader: Reader) -> dict[str, Any]:
    with artifacts.open_file(ObjectStoragePath(url)) as handle:  # as the task opens it
        return summarize_one(url.rsplit("/", 1)[-1], reader(handle, url), url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    save("summaries.json", measure(args.folder, args.rounds))


if __name__ == "__main__":
    main()
