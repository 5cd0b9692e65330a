"""`make bench-scan`: the task `scan_failure_logs`'s extraction alone, offline, on the
big day of `make bench-dag`, with the task's own inputs.

`make bench-logs` times `extract_failure_logs` against ripgrep with one API key and no
Airflow masker; the DAG's task passes more: a Redactor of the day's 300 client API keys
(and the skip-listed one), Airflow's masker as `redact_text` (with the process_db
password registered, as reading the connection does) and the store into the run's
folder, each made as the task makes it. Here those inputs meet the corpus of `make
bench-dag` at one size (built once under out/bench/dag/<size>/logs, as `--data-only`
does), without Airflow's scheduler, so the extraction's own time and peak RSS can be
measured and compared.

Each run is a child process (its peak RSS its own) writing into a fresh folder; the
medians of `--runs` runs go to out/bench/scan.json, with `extracts_digest` (every
stored extract's name and decompressed content) and `result_digest` (the returned
dict but `scan_s`): equal digests before and after a change prove its outputs
byte-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from dev.bench_dag import BIG_DAY, WINDOW_END, WINDOW_START, build_day, standard_clients
from dev.figures import OUT, save

WORK = OUT / "dag"
CLIENT_KEYS = 300
ZONES = ("UTC", "Europe/Paris")  # the task's zones for the demo settings, deduplicated

CHILD = r"""
import gzip, hashlib, json, resource, sys, time
from datetime import datetime
from pathlib import Path
from airflow.sdk import ObjectStoragePath
from airflow.sdk._shared.secrets_masker import _secrets_masker, mask_secret
from process_report import artifacts
from process_report.logs.extracts import extract_failure_logs
from process_report.redact import Redactor
from process_report.tasks.common import text_masker

spec = json.loads(Path(sys.argv[1]).read_text())
folder = ObjectStoragePath(Path(spec["out"]).as_uri())
mask_secret("bench-process-db-password")
started = time.perf_counter()
result = extract_failure_logs(
    spec["failed"], logs_dir=spec["logs_dir"], log_patterns=("*{uuid}*.log", "app_{date}*.log"),
    window_end=datetime.fromisoformat(spec["window_end"]), zones=tuple(spec["zones"]),
    redactor=Redactor(spec["keys"]),
    store=artifacts.folder_writer(folder, "failure_logs"),
    redact_text=text_masker(_secrets_masker()))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
digest = hashlib.sha256()
for path in sorted(Path(spec["out"], "failure_logs").iterdir()):
    data = path.read_bytes()
    data = gzip.decompress(data) if path.suffix == ".gz" else data
    digest.update(b"%s %s\n" % (path.name.encode(), hashlib.sha256(data).hexdigest().encode()))
same = {k: v for k, v in result.items() if k != "scan_s"}
print(json.dumps({"seconds": seconds, "scan_s": result["scan_s"], "peak_rss_mb": peak,
                  "extracts": len(result["extracts"]), "extracts_digest": digest.hexdigest(),
                  "result_digest": hashlib.sha256(json.dumps(same, sort_keys=True).encode())
                  .hexdigest()}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=BIG_DAY, help="processes in the window")
    parser.add_argument("--runs", type=int, default=3, help="runs, medians reported")
    args = parser.parse_args(argv)
    spec = day_spec(args.size, WORK)
    runs = [run_child(spec, OUT) for _ in range(args.runs)]
    for run in runs:
        print(json.dumps(run))
    figures = summary(runs, args.size)
    save("scan.json", figures)
    return 0


def day_spec(size: int, work: Path) -> dict[str, Any]:
    """The day's corpus (built under `work` if missing), its failed processes with times
    as `make bench-dag` loads them (some started up to a week before, so every shared
    log is read) and its clients' API keys."""
    day = build_day(work, size, standard_clients(size))
    rng = random.Random(11)
    failed = []
    for n, uuid in enumerate(day["failed_uuids"]):
        stop = WINDOW_START + timedelta(minutes=rng.randint(60, 1430))
        start = stop - timedelta(days=n % 8, minutes=rng.randint(10, 59))
        failed.append({"uuid": uuid, "start_time": _utc(start), "stop_time": _utc(stop)})
    keys = [f"{rng.getrandbits(96):024x}" for _ in range(CLIENT_KEYS)]
    return {
        "failed": failed,
        "logs_dir": str(day["logs_dir"]),
        "window_end": _utc(WINDOW_END),
        "zones": ZONES,
        "keys": [*keys, "test-api-key-1"],
    }


def _utc(moment: Any) -> str:
    return moment.isoformat() + "+00:00"


def run_child(spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    """One extraction in its own process, into a fresh folder under `folder`."""
    out = folder / "scan-extracts"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    spec_path = folder / "scan-spec.json"
    spec_path.write_text(json.dumps({**spec, "out": str(out)}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(spec_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def summary(runs: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """Medians, every run's seconds, and the digests (one value when all runs agree)."""
    return {
        "size": size,
        "runs": len(runs),
        "seconds": round(statistics.median(r["seconds"] for r in runs), 2),
        "seconds_per_run": [round(r["seconds"], 2) for r in runs],
        "scan_s": round(statistics.median(r["scan_s"] for r in runs), 2),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "extracts": runs[0]["extracts"],
        "extracts_digest": sorted({r["extracts_digest"] for r in runs}),
        "result_digest": sorted({r["result_digest"] for r in runs}),
        "load_average": os.getloadavg(),
    }


if __name__ == "__main__":
    sys.exit(main())
