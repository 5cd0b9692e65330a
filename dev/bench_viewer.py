"""What the report viewer's run page costs to read on a big day.

Not part of the test suite (speed claims come from runs like this one, never from timed
asserts): `python -m dev.bench_viewer [--processes N] [--failures F] [--out DIR]` lays out
a run's folder as the tasks leave it (processes.json of N processes, F failures with a
log extract each, their summaries in batches of 100, a dry run's outbox message) and
times what the run page reads through RunFiles: the failure list (processes.json parsed
keeping only the failed processes, every summary) and the sent state. Best of three;
peak Python memory (tracemalloc) from a fourth run. Writes out/bench/viewer.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
import tracemalloc
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from upath import UPath

from dev.figures import OUT, save
from process_report.run_files import RunFiles
from process_report.run_view import failures, send_status

DAY, RUN = "2026-11-26", "scheduled__bench-0123456789"
TZ = ZoneInfo("Europe/Paris")
RUNS = 3


def lay_out(root: Path, processes: int, failed: int) -> None:
    """A run's folder of `processes` processes, `failed` of them failed with extracts."""
    folder = root / DAY / RUN
    shutil.rmtree(root, ignore_errors=True)
    for sub in ("failure_logs", "summaries", "outbox", "run"):
        (folder / sub).mkdir(parents=True)
    records, summaries = [], []
    for n in range(processes):
        uid = str(uuid.UUID(int=n))
        category = "failed" if n < failed else "finished"
        records.append(
            {
                "uuid": uid,
                "category": category,
                "client": f"Client {n % 300}",
                "client_id": n % 300,
                "api_key": f"key-{n % 300:08d}",
                "status": category.capitalize(),
                "start_time": "2026-11-26T08:00:00+00:00",
                "stop_time": f"2026-11-26T{8 + n % 16:02d}:30:00+00:00",
                "ping_time": None,
                "duration_min": 90.0,
                "last_ping_min_ago": None,
                "hung": False,
                "source_alias": f"camera {n}",
                "source_uri": f"rtsp://cam{n}.example.net/live",
                "source_uuid": uid,
                "notes": [],
            }
        )
        if category == "failed":
            (folder / "failure_logs" / f"{uid}.log").write_text(f"ERROR process {uid}\n" * 50)
            summaries.append({"uuid": uid, "key_error": f"ValueError: frame {n}", "found": True})
    (folder / "processes.json").write_text(
        json.dumps({"processes": records, "counts": {}}, sort_keys=True, indent=1)
    )
    for start in range(0, len(summaries), 100):
        (folder / "summaries" / f"{start}-{start + 100}.json").write_text(
            json.dumps(summaries[start : start + 100])
        )
    (folder / "outbox" / "message.eml").write_bytes(b"x" * 200_000)


def read_page(files: RunFiles) -> int:
    listed = failures(files, TZ)
    send_status(files, dry_run=True, recipients=["ops@example.com"], tz=TZ)
    return len(listed)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=50_000)
    parser.add_argument("--failures", type=int, default=2_000)
    parser.add_argument("--out", type=Path, default=OUT / "viewer")
    args = parser.parse_args(argv)
    lay_out(args.out, args.processes, args.failures)
    files = RunFiles(UPath(args.out), (DAY, RUN))
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        listed = read_page(files)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    read_page(files)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    figures = {
        "processes": args.processes,
        "failures_listed": listed,
        "processes_json_mb": round(
            (args.out / DAY / RUN / "processes.json").stat().st_size / 1e6, 1
        ),
        "run_page_read_s": round(min(timings), 3),
        "peak_python_mb": round(peak / 1e6, 1),
    }
    save("viewer.json", figures)
    return figures


if __name__ == "__main__":
    main()
