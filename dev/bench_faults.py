"""`make bench-faults`: the whole DAG on the sample day, clean and under a fault mix.

Runs the production DAG (its retries included) with `airflow dags test`, as `make demo`
does, for report day 2026-11-26 against the Graph stand-in: first without faults, then
with `fault_mix()` (a fifth of requests and batch items throttled with Retry-After 1 s,
50 ms per request, access tokens that live 60 s, two 503s from the token endpoint, the
send's answer lost after the message went out). Each case has its own stand-in,
archive and Airflow home, migrated before the clock starts; only `airflow dags test` is
timed. A fault that escapes the task meeting it costs an Airflow retry (2 min and
more), which is what the ratio shows.

`--keep-send-answer` leaves the send's answer alone: until the send task settles a lost
answer itself, a lost one fails the task and waits for that retry.

Writes out/bench/faults.json: both wall times, their ratio (target: at most 2), the
emails received, the links found and the tasks Airflow had to retry.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg2

from dev.figures import OUT, save
from dev.run_demo import (
    DAG_ID,
    LOGICAL_DATE,
    ONEDRIVE_ROOT,
    REPORT_DAY,
    TIMEZONE,
    airflow_environment,
    free_port,
    run,
)
from tests.support.embedded_db import embedded_server, recreate_database
from tests.support.graph_standin import Faults, GraphStandIn, fault_mix
from tests.support.sample_day import load_sample_day, load_schema
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

TARGET_RATIO = 2.0
RUN_TIMEOUT_S = 1200  # a run that needs Airflow retries waits minutes for them


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = OUT / "faults"
    shutil.rmtree(work, ignore_errors=True)
    with embedded_server(work / "pgdata") as admin_uri:
        db_uri = recreate_database(admin_uri, "processes")
        with contextlib.closing(psycopg2.connect(db_uri)) as conn:
            load_schema(conn)
            skip_keys = load_sample_day(conn, REPORT_DAY, TIMEZONE).skip_api_keys
        faults = fault_mix(drop_send_answer=not args.keep_send_answer)
        fault_figures = describe(faults)  # before the run consumes the one-shot faults
        clean = run_case(work / "clean", db_uri, skip_keys, Faults())
        mixed = run_case(work / "mixed", db_uri, skip_keys, faults)
    figures = {
        "clean_wall_s": clean["wall_s"],
        "faults_wall_s": mixed["wall_s"],
        "ratio": round(mixed["wall_s"] / clean["wall_s"], 2),
        "target_ratio": TARGET_RATIO,
        "send_answer_dropped": not args.keep_send_answer,
        "fault_mix": fault_figures,
        "clean": clean,
        "faults": mixed,
    }
    save("faults.json", figures)
    same_links = mixed["links_found"] == clean["links_found"]
    return 0 if same_links and clean["emails"] == mixed["emails"] == 1 else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep-send-answer",
        action="store_true",
        help="do not drop the send's answer (the rest of the fault mix stays)",
    )
    return parser.parse_args(argv)


def run_case(out: Path, db_uri: str, skip_keys: tuple[str, ...], faults: Faults) -> dict:
    """Set up a fresh case under `out`, run the DAG once, and say what came of it."""
    out.mkdir(parents=True)
    with GraphStandIn(out / "graph") as graph:
        with contextlib.closing(psycopg2.connect(db_uri)) as conn:
            write_sample_logs(conn, out / "logs")
            publish_sample_videos(conn, graph, ONEDRIVE_ROOT)
        env = airflow_environment(out, db_uri, skip_keys, free_port())
        env["AIRFLOW_CONN_MSGRAPH_DEFAULT"] = graph.airflow_connection()
        run([sys.executable, "-m", "airflow", "db", "migrate"], env, out / "migrate.log")
        graph.faults = faults
        started = time.perf_counter()
        command = [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, LOGICAL_DATE]
        run(command, env, out / "dags-test.log", timeout_s=RUN_TIMEOUT_S)
        wall_s = round(time.perf_counter() - started, 1)
        emails = len(graph.sent_messages())
        requests = request_kinds(graph.requests)
    return {
        "wall_s": wall_s,
        "emails": emails,
        "graph_requests": sum(requests.values()),
        "graph_requests_by_kind": requests,
        "links_found": links_found(out / "artifacts"),
        "airflow_retries": airflow_retries(out / "airflow" / "airflow.db"),
    }


def request_kinds(requests: list[str]) -> dict[str, int]:
    """ "METHOD path" -> count, ids and queries left out, so the cases compare by kind."""
    kinds = Counter(
        re.sub(r"/(imm-|item-|msg-)?[0-9a-f-]{16,}", "/{id}", line.split("?")[0])
        for line in requests
    )
    return dict(kinds.most_common())


def links_found(artifacts: Path) -> int:
    """Processes the video tasks found at least one video for."""
    found: dict[str, Any] = {}
    for path in artifacts.glob("*/*/videos/found-*.json"):
        found.update(json.loads(path.read_text()))
    return sum(1 for result in found.values() if result["videos"])


def airflow_retries(metadata_db: Path) -> dict[str, int]:
    """Task id -> the Airflow retries its instances needed (try numbers past the first)."""
    with sqlite3.connect(metadata_db) as db:
        rows = db.execute(
            "SELECT task_id, SUM(try_number - 1) FROM task_instance "
            "WHERE try_number > 1 GROUP BY task_id"
        ).fetchall()
    return dict(rows)


def describe(faults: Faults) -> dict:
    return {
        "throttle_rate": faults.throttle_rate,
        "retry_after_s": faults.retry_after_s,
        "latency_s": faults.latency_s,
        "token_ttl_s": faults.token_ttl_s,
        "token_503s": faults.token_unavailable,
        "token_retry_after_s": faults.token_retry_after_s,
        "lost_answers": sorted(faults.lose_response_once),
    }


if __name__ == "__main__":
    sys.exit(main())
