"""`make demo`: the whole DAG, end to end, on the embedded default.

Starts an embedded PostgreSQL and the local Graph stand-in, loads the schema, the
sample day, its logs and its OneDrive videos, runs the DAG with `airflow dags test`
for a fixed report day, and shows the email the stand-in received, with the paths of
the archived report. Stops what it started. Everything lives under out/demo/,
recreated on each run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import psycopg2

from tests.support import PROJECT_DIR
from tests.support.browser import ChromiumMissingError, screenshot
from tests.support.embedded_db import airflow_connection_json, embedded_server, recreate_database
from tests.support.graph_standin import GraphStandIn
from tests.support.sample_day import load_sample_day, load_schema
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

DAG_ID = "client_process_daily_report"
REPORT_DAY = date(2026, 11, 26)
TIMEZONE = "Europe/Paris"
ONEDRIVE_ROOT = "Videos/Client/Production_Sources_Backup"
# A manual run covers the last complete window before its logical date: 08:00 on the
# day after REPORT_DAY ends the window that REPORT_DAY names.
LOGICAL_DATE = "2026-11-27T08:00:00+01:00"


def main() -> int:
    started = time.monotonic()
    out = PROJECT_DIR / "out" / "demo"
    shutil.rmtree(out, ignore_errors=True)
    with embedded_server(out / "pgdata") as admin_uri, GraphStandIn(out / "graph") as graph:
        db_uri = recreate_database(admin_uri, "processes")
        conn = psycopg2.connect(db_uri)
        load_schema(conn)
        sample = load_sample_day(conn, REPORT_DAY, TIMEZONE)
        write_sample_logs(conn, out / "logs")
        publish_sample_videos(conn, graph, ONEDRIVE_ROOT)
        conn.close()
        env = airflow_environment(out, db_uri, sample.skip_api_keys)
        env["AIRFLOW_CONN_MSGRAPH_DEFAULT"] = graph.airflow_connection()
        run([sys.executable, "-m", "airflow", "db", "migrate"], env, out / "migrate.log")
        run(
            [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, LOGICAL_DATE],
            env,
            out / "dags-test.log",
        )
        sent = graph.sent_messages()
    reports = sorted((out / "artifacts").glob("*/*/report.html"), key=os.path.getmtime)
    if not sent or not reports:
        print(f"The DAG ran but sent no report; see {out / 'dags-test.log'}", file=sys.stderr)
        return 1
    message = message_from_bytes(sent[-1].read_bytes(), policy=default)
    print(f"From: {message['From']}\nTo: {message['To']}\nSubject: {message['Subject']}\n")
    print(message.get_body(("plain",)).get_content())
    print(f"Email received by the Graph stand-in: {sent[-1]}")
    print(f"HTML report (archive):               {reports[-1]}")
    print("\n".join(screenshot_lines(reports[-1], out)))
    print(f"Demo took {time.monotonic() - started:.1f} s")
    return 0


def screenshot_lines(report: Path, out: Path) -> list[str]:
    """The report at 1280 and 375 px in headless Chromium; without Chromium (it needs
    root to install: `make browser`) one line saying so, and the demo still succeeds."""
    lines = []
    for width in (1280, 375):
        try:
            png = screenshot(report, width, out / f"report-{width}px.png")
        except ChromiumMissingError as exc:
            return [*lines, f"Screenshots skipped: {exc}"]
        lines.append(f"{f'Screenshot at {width} px:':<38}{png}")
    return lines


def airflow_environment(out: Path, db_uri: str, skip_api_keys: tuple[str, ...]) -> dict:
    """An isolated Airflow (SQLite metadata DB under out/) configured as the README says
    production is: a `process_db` connection and the settings variable."""
    settings = {
        "logs_dir": str(out / "logs"),
        "onedrive_root": ONEDRIVE_ROOT,
        "recipients": ["operations@example.com"],
        "skip_api_keys": list(skip_api_keys),
        "timezone": TIMEZONE,
        "db_timezone": "UTC",
        "hung_after_minutes": 60,
        "artifacts_root": (out / "artifacts").as_uri(),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(out / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_DIR / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW_CONN_PROCESS_DB": airflow_connection_json(db_uri),
            "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": json.dumps(settings),
        }
    )
    return env


def run(command: list[str], env: dict, log: Path, timeout_s: int = 300) -> None:
    """Run an Airflow command with its output in `log`; on failure show the log's tail.

    The timeout matters: `airflow dags test` waits out a failed task's retry delay, so a
    broken run would otherwise sit silently for many minutes.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        try:
            code = subprocess.run(
                command,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=timeout_s,
            ).returncode
        except subprocess.TimeoutExpired:
            code = f"timed out after {timeout_s} s"
    if code != 0:
        errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "Error" in line or "error" in line
        ][-15:]
        raise SystemExit(
            f"{' '.join(command[2:5])} failed ({code}); full log: {log}\n" + "\n".join(errors)
        )


if __name__ == "__main__":
    sys.exit(main())
