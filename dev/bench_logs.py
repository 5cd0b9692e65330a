"""`make bench-logs`: failure-log extraction against ripgrep and the original approach.

Corpus (made once, kept in out/bench/logs-corpus/): 8 shared daily logs of 100 MB and
3,000 per-process files, with 20,000 processes logging and 3,000 of them failed (their
errors carry tracebacks whose lines lack the UUID). Measured on the same files:

- ours_s: `extract_failure_logs` end to end (index, scan, records, redaction, extracts),
  in a child process so that its peak RSS is its own; scan_s: its scan alone (finding
  the records, the part comparable to what ripgrep does);
- ripgrep_s: `rg -F -f uuids.txt` over the same files (all cores, output to a file);
- both are run RUNS times, alternating, and the medians are reported (the ratio of each
  pair too, as `ratio_per_run`);
- naive_s: the original system's per-UUID read of whole files, timed on a few UUIDs and
  scaled to 3,000 (running it fully would take hours; `naive_sampled_uuids` says how
  many were timed).

Each child's spool lies in its own TMPDIR, whose size is sampled every 20 ms
(`spool_bytes`, `worst_case_spool_bytes`: the disk a scan takes, besides its memory).

Then the peak RSS again on one 2 GB shared file, and the worst cases for memory, each
built once under out/bench/logs-worst/ and measured in its own child process (peak
RSS from ru_maxrss, both log tasks: the extract scan and the summaries of what it
stored): a 2 GB per-process log whose every line is an error of the process, a 2 GB
line without a newline, and 200 MB of shared-log lines of the process that all trigger
redaction (`worst_case_peak_rss_mb`, `worst_case_s`; target 256 MB whatever the input).

`many_small_files`: 100,000 small per-process logs, all matching the pattern,
1,000 of their processes failed: `extract_failure_logs` end to end in its own child
(peak RSS, seconds; target 256 MB and close to one walk), against `walk_s`, one bare
`os.walk` of the same folder, and `spool_bytes`, the most its spool held.

`--case NAME` runs one case and merges its figures into out/bench/logs.json (cases:
ripgrep, which is the corpus against ripgrep and the original approach; single_2gb_file;
worst_cases; many_small_files); without it, all of them run.
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
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from dev.figures import OUT, save

CORPUS = OUT / "logs-corpus"
BIG = OUT / "logs-2gb"
WORST = OUT / "logs-worst"
WORST_UUID = "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
DAYS = [f"2026-11-{d:02d}" for d in range(19, 27)]
MANY = OUT / "logs-many-small-files"
FAILED, PROCESSES, NAIVE_SAMPLE = 3000, 20000, 2
MANY_FILES, MANY_FAILED = 100_000, 1_000
RUNS = 3  # ours and ripgrep alternate; medians, as one run varies by ±15 % here
MB = 1_000_000

CHILD = r"""
import json, os, resource, sys, tempfile, threading, time
from datetime import datetime
from pathlib import Path
from process_report.logs.extracts import extract_failure_logs
from process_report.logs.stored_extracts import extract_lines
from process_report.logs.summary import summarize
from process_report.redact import Redactor

logs, out, with_summaries = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
failed = json.loads((logs / "failed.json").read_text())
out.mkdir(parents=True, exist_ok=True)

def store(name, blocks):
    with (out / name).open("wb") as handle:
        handle.writelines(blocks)
    return str(out / name)

spooled = [0]
def watch_spool():  # the spool lies in TMPDIR (set per child): its size, every 20 ms
    while True:
        sizes = [os.path.getsize(os.path.join(folder, name))
                 for folder, _, names in os.walk(tempfile.gettempdir()) for name in names]
        spooled[0] = max(spooled[0], sum(sizes))
        time.sleep(0.02)
threading.Thread(target=watch_spool, daemon=True).start()
started = time.perf_counter()
result = extract_failure_logs(
    failed, logs_dir=str(logs), log_patterns=("*{uuid}*.log", "app_{date}*.log"),
    window_end=datetime.fromisoformat("2026-11-27T00:00:00+00:00"), zones=("UTC",),
    redactor=Redactor(["client-key-000000000001"]), store=store)
for uuid, path in result["extracts"].items() if with_summaries else ():
    with open(path, "rb") as handle:
        summarize(uuid, extract_lines(handle, path), path)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "scan_s": result["scan_s"], "spool_bytes": spooled[0],
                  "files_indexed": result["files_indexed"],
                  "bytes_scanned": result["bytes_scanned"], "extracts": len(result["extracts"]),
                  "problems": result["problems"][:5]}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help="run only this case")
    case = parser.parse_args(argv).case
    OUT.mkdir(parents=True, exist_ok=True)
    saved = OUT / "logs.json"
    figures = json.loads(saved.read_text()) if case and saved.exists() else {}
    for name in [case] if case else CASES:
        figures.update(CASES[name]())
    save("logs.json", figures)
    return 0


def ripgrep_case() -> dict:
    """The corpus: ours against ripgrep (alternating, medians) and the original."""
    failed = build_corpus(CORPUS, DAYS, 100 * MB, per_process_files=True)
    files = sorted(str(p) for p in CORPUS.iterdir() if p.suffix == ".log")
    runs = [(run_child(CORPUS), time_ripgrep(CORPUS, files)) for _ in range(RUNS)]
    ours = sorted((run for run, _ in runs), key=lambda run: run["seconds"])[RUNS // 2]
    ripgrep_s = statistics.median(rg for _, rg in runs)
    naive_s = time_naive(files, [f["uuid"] for f in failed][:NAIVE_SAMPLE]) / NAIVE_SAMPLE * FAILED
    return {
        "ours_s": round(ours["seconds"], 2),
        "ripgrep_s": round(ripgrep_s, 2),
        "naive_s": round(naive_s, 1),
        "ratio_vs_ripgrep": round(ours["seconds"] / ripgrep_s, 2),
        "ratio_per_run": [round(o["seconds"] / rg, 2) for o, rg in runs],
        "scan_s": ours["scan_s"],
        "scan_ratio_vs_ripgrep": round(ours["scan_s"] / ripgrep_s, 2),
        "peak_rss_mb": round(max(run["peak_rss_mb"] for run, _ in runs), 1),
        "bytes_scanned": ours["bytes_scanned"],
        "extracts": ours["extracts"],
        "naive_sampled_uuids": NAIVE_SAMPLE,
    }


def single_2gb_file_case() -> dict:
    build_corpus(BIG, ["2026-11-26"], 2000 * MB, per_process_files=False)
    big = run_child(BIG)
    return {
        "single_2gb_file_s": round(big["seconds"], 2),
        "single_2gb_file_peak_rss_mb": round(big["peak_rss_mb"], 1),
        "single_2gb_file_bytes_scanned": big["bytes_scanned"],
    }


def worst_cases() -> dict:
    worst = {case: run_child(build_worst_case(case), summaries=True) for case in WORST_CASES}
    return {
        "worst_case_peak_rss_mb": {c: round(r["peak_rss_mb"], 1) for c, r in worst.items()},
        "worst_case_s": {c: round(r["seconds"], 2) for c, r in worst.items()},
        "worst_case_spool_bytes": {c: r["spool_bytes"] for c, r in worst.items()},
        "worst_case_problems": {c: r["problems"] for c, r in worst.items()},
    }


def many_small_files_case() -> dict:
    """100,000 small per-process logs, 1,000 of their processes failed."""
    build_many_small_files(MANY)
    started = time.perf_counter()
    walked = sum(len(names) for _, _, names in os.walk(MANY))
    walk_s = time.perf_counter() - started
    ours = run_child(MANY)
    return {
        "many_small_files": {
            "files": walked,
            "failed": MANY_FAILED,
            "seconds": round(ours["seconds"], 2),
            "walk_s": round(walk_s, 2),
            "peak_rss_mb": round(ours["peak_rss_mb"], 1),
            "spool_bytes": ours["spool_bytes"],
            "files_indexed": ours["files_indexed"],
            "extracts": ours["extracts"],
            "load_average": os.getloadavg(),
        }
    }


def build_many_small_files(folder: Path) -> None:
    """MANY_FILES logs of 20 lines (1.4 KB) each, named for their process; the first
    MANY_FAILED processes failed. Written once (failed.json, last, says complete)."""
    marker = folder / "failed.json"
    if marker.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(17)
    uuids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(MANY_FILES)]
    for process in uuids:
        (folder / f"encode_{process}.log").write_text(
            "".join(
                f"2026-11-26 10:00:{s:02d},000 INFO process {process} step {s} of 20\n"
                for s in range(20)
            )
        )
    records = [
        {
            "uuid": process,
            "start_time": "2026-11-26T09:00:00+00:00",
            "stop_time": "2026-11-26T11:00:00+00:00",
            "category": "failed",
        }
        for process in uuids[:MANY_FAILED]
    ]
    marker.write_text(json.dumps(records))


def build_corpus(
    folder: Path,
    days: list[str],
    day_bytes: int,
    *,
    per_process_files: bool,
    processes: int = PROCESSES,
    failures: int = FAILED,
):
    """Deterministic corpus of `processes` logging processes, the first `failures` of
    them failed; reused when its marker says it is complete (make bench-dag builds it
    at other sizes)."""
    marker = folder / "failed.json"
    if marker.exists():
        return json.loads(marker.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    uuids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(processes)]
    failed = uuids[:failures]
    failed_set = set(failed)
    (folder / "uuids.txt").write_text("\n".join(failed) + "\n")
    for day in days:
        write_day(folder / f"app_{day}.log", day, day_bytes, uuids, failed_set, rng)
    if per_process_files:
        for u in failed:
            (folder / f"encode_{u}.log").write_text(
                "".join(
                    f"{days[-1]} 10:00:{s:02d},000 INFO step {s} of encoder for this job\n"
                    for s in range(20)
                )
            )
    records = [
        {
            "uuid": u,
            "start_time": f"{days[0]}T00:00:00+00:00",
            "stop_time": f"{days[-1]}T23:00:00+00:00",
            "category": "failed",
        }
        for u in failed
    ]
    marker.write_text(json.dumps(records))
    return records


def write_day(path: Path, day: str, size: int, uuids, failed_set, rng) -> None:
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/srv/encoder/pipeline.py", line 212, in run\n'
        "    self.encode(segment)\n"
        "ValueError: corrupt frame 1443 in segment\n"
    )
    written = 0
    with path.open("w") as handle:
        while written < size:
            lines = []
            for i in range(20000):
                u = rng.choice(uuids)
                second = i % 86400
                stamp = f"{day} {second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}"
                if u in failed_set and i % 50 == 0:
                    lines.append(
                        f"{stamp},000 ERROR [worker-{i % 8}] process {u} failed "
                        f"password=hunter{i}\n{traceback}"
                    )
                else:
                    lines.append(
                        f"{stamp},000 INFO  [worker-{i % 8}] process {u} encoded "
                        f"segment {i} bitrate=4500k fps=30 queue={i % 17}\n"
                    )
            block = "".join(lines)
            handle.write(block)
            written += len(block)


def _repeated(handle, line: Callable[[int], str], total_bytes: int) -> None:
    """`total_bytes` of a block of 10,000 lines `line(i)`, written again and again."""
    block = "".join(line(i) for i in range(10_000)).encode()
    for _ in range(total_bytes // len(block)):
        handle.write(block)


def _per_process_errors(handle) -> None:
    """2 GB of one process's own log, every line an error of it."""
    _repeated(
        handle,
        lambda i: (
            f"2026-11-26 09:{i // 60 % 60:02d}:{i % 60:02d},000 ERROR process "
            f"{WORST_UUID} segment {i} failed: ValueError: corrupt frame {i} in segment\n"
        ),
        2000 * MB,
    )


def _one_line(handle) -> None:
    """2 GB in one line: no newline anywhere."""
    handle.write(f"2026-11-26 09:00:00,000 ERROR process {WORST_UUID} dump: ".encode())
    block = b"frame-data 0123456789abcdef " * (MB // 28)
    for _ in range(2000 * MB // len(block)):
        handle.write(block)


def _redaction_lines(handle) -> None:
    """200 MB of shared-log lines of the process, each with secrets to redact."""
    _repeated(
        handle,
        lambda i: (
            f"2026-11-26 09:00:{i % 60:02d},000 ERROR process {WORST_UUID} retry {i} "
            f"password=hunter{i} url=https://svc:pw{i}@db.example.net/x token=t{i}\n"
        ),
        200 * MB,
    )


# case: (file name, what writes it)
WORST_CASES = {
    "per_process_2gb_every_line_matching": (f"encode_{WORST_UUID}.log", _per_process_errors),
    "one_2gb_line_without_newline": (f"encode_{WORST_UUID}.log", _one_line),
    "shared_200mb_every_line_redacted": ("app_2026-11-26.log", _redaction_lines),
}


def build_worst_case(case: str) -> Path:
    """The case's folder, written once (its failed.json, last, says it is complete)."""
    folder = WORST / case
    marker = folder / "failed.json"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        name, write = WORST_CASES[case]
        with (folder / name).open("wb") as handle:
            write(handle)
        process = {
            "uuid": WORST_UUID,
            "start_time": "2026-11-26T08:00:00+00:00",
            "stop_time": "2026-11-26T10:00:00+00:00",
            "category": "failed",
        }
        marker.write_text(json.dumps([process]))
    return folder


CASES: dict[str, Callable[[], dict]] = {
    "ripgrep": ripgrep_case,
    "single_2gb_file": single_2gb_file_case,
    "worst_cases": worst_cases,
    "many_small_files": many_small_files_case,
}


def run_child(logs: Path, *, summaries: bool = False) -> dict:
    """A fresh extracts folder each time, as each DAG run writes into its own."""
    extracts, spool = OUT / f"extracts-{logs.name}", OUT / f"spool-{logs.name}"
    for folder in (extracts, spool):
        shutil.rmtree(folder, ignore_errors=True)
    spool.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(logs), str(extracts), "1" if summaries else "0"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(spool)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_ripgrep(logs: Path, files: list[str]) -> float:
    started = time.perf_counter()
    with (OUT / "ripgrep-output.txt").open("w") as sink:
        subprocess.run(
            ["rg", "--no-config", "-F", "-f", str(logs / "uuids.txt"), *files],
            stdout=sink,
            check=True,
        )
    return time.perf_counter() - started


def time_naive(files: list[str], sample: list[str]) -> float:
    """The original log_retriever: for each UUID, read every candidate file whole."""
    started = time.perf_counter()
    for process_uuid in sample:
        found = []
        for name in files:
            with open(name, encoding="utf-8", errors="replace") as handle:
                found += [line for line in handle if process_uuid in line]
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
