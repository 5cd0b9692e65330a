"""`make demo`: the whole DAG, end to end, on the embedded default.

Starts an embedded PostgreSQL and the local Graph stand-in, loads the schema, the
sample day with the six days before it (tests/support/sample_history.py: failures
chosen so that the report day shows every history state), their logs and OneDrive
videos, runs the DAG with `airflow dags test` for the three days before the report day
and then for the report day itself, each run reading what the earlier ones archived,
and shows the report day's email as the stand-in received it (new, back, ongoing with
its streak, not seen today, one acknowledged error, the 7-day trend), what each
recipient got (the team report, the digest of the owner of two failing clients, none
for the owner of a quiet client who asked for failures only), the card the Teams
webhook stand-in received (and its rendering by Microsoft's renderer), with the paths of
the archived report and screenshots of it (1280 px, 375 px, and 375 px without the CSS
Outlook for Windows and the Gmail apps ignore). Then starts `airflow api-server` on a
loopback port, which serves the report viewer plugin the email links to, shows that an
anonymous request is refused, signs in as the demo user and screenshots the viewer's
page of the run. Stops what it started (`--serve` keeps the API server up until
Ctrl-C, to open the viewer in a browser). Everything lives under out/demo/, recreated
on each run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import quote, unquote

import psycopg2
import requests

from process_report.links import DAG_ID, EXTERNAL_VIEW
from tests.support import PROJECT_DIR
from tests.support.adaptive_cards import card_screenshot
from tests.support.browser import ChromiumMissingError, screenshot
from tests.support.devtools import signed_in_page
from tests.support.email_checks import without_ignored_css
from tests.support.embedded_db import airflow_connection_json, embedded_server, recreate_database
from tests.support.graph_standin import GraphStandIn
from tests.support.sample_day import load_schema
from tests.support.sample_history import load_sample_history
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos
from tests.support.teams_standin import TeamsStandIn

REPORT_DAY = date(2026, 11, 26)
TIMEZONE = "Europe/Paris"
ONEDRIVE_ROOT = "Videos/Client/Production_Sources_Backup"


# A manual run covers the last complete window before its logical date: 08:00 on the
# day after REPORT_DAY ends the window that REPORT_DAY names.
def logical_date(report_day: date) -> str:
    return f"{report_day + timedelta(days=1)}T08:00:00+01:00"  # CET: no DST in the sample


LOGICAL_DATE = logical_date(REPORT_DAY)
EARLIER_RUNS = 3  # report days before REPORT_DAY that the demo runs first, oldest first
# The demo's acknowledged error: the disk one, found by a pattern on its key error.
KNOWN_ISSUES = [
    {
        "pattern": "No space left on device",
        "note": "Scratch disks are being replaced this week",
        "ticket": "https://tracker.example.net/OPS-412",
    }
]
DEMO_USER = "operator"  # SimpleAuthManager user with the viewer role
TEAM = "operations@example.com"
QUIET_CLIENT = ("Lumen Optics", "demo-key-lumen-optics")  # a client with no process that day


def main() -> int:
    started = time.monotonic()
    out = PROJECT_DIR / "out" / "demo"
    shutil.rmtree(out, ignore_errors=True)
    port = free_port()
    with (
        embedded_server(out / "pgdata") as admin_uri,
        GraphStandIn(out / "graph") as graph,
        TeamsStandIn(out / "teams") as teams,
    ):
        db_uri = recreate_database(admin_uri, "processes")
        conn = psycopg2.connect(db_uri)
        load_schema(conn)
        planned = load_sample_history(conn, REPORT_DAY, TIMEZONE)
        write_sample_logs(conn, out / "logs", errors=planned.errors, earlier=planned.earlier)
        publish_sample_videos(conn, graph, ONEDRIVE_ROOT)
        owners = demo_owners(conn)
        conn.close()
        env = airflow_environment(out, db_uri, planned.sample.skip_api_keys, port, owners)
        env["AIRFLOW_CONN_MSGRAPH_DEFAULT"] = graph.airflow_connection()
        env["AIRFLOW_CONN_TEAMS_REPORT"] = teams.airflow_connection()
        run([sys.executable, "-m", "airflow", "db", "migrate"], env, out / "migrate.log")
        for back in range(EARLIER_RUNS, 0, -1):  # real runs build the history the email reads
            day = REPORT_DAY - timedelta(days=back)
            logical = logical_date(day)
            print(f"Report day {day}: airflow dags test {DAG_ID} {logical}")
            run(
                [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, logical],
                env,
                out / f"dags-test-{day}.log",
            )
        dags_test_started = time.monotonic()
        run(
            [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, LOGICAL_DATE],
            env,
            out / "dags-test.log",
        )
        dags_test_s = time.monotonic() - dags_test_started
        sent = graph.sent_messages()
        card = teams.cards[-1] if teams.cards else None
    reports = sorted((out / "artifacts").glob(f"{REPORT_DAY}/*/report.html"), key=os.path.getmtime)
    if not sent or not reports:
        print(f"The DAG ran but sent no report; see {out / 'dags-test.log'}", file=sys.stderr)
        return 1
    day_sent = [message_from_bytes(p.read_bytes(), policy=default) for p in sent]
    day_sent = [m for m in day_sent if str(REPORT_DAY) in str(m["Subject"])]
    message = next(m for m in day_sent if m["To"] == TEAM)
    print(f"From: {message['From']}\nTo: {message['To']}\nSubject: {message['Subject']}\n")
    print(message.get_body(("plain",)).get_content())
    print(f"HTML report (archive):               {reports[-1]}")
    show_recipients(day_sent, owners, out)
    browser = show_email_screenshots(reports[-1], out)
    show_teams_card(card, out, browser)
    text = message.get_body(("plain",)).get_content()
    viewer = re.search(r"^Report viewer \(.*\): (\S+)$", text, re.MULTILINE)
    if not viewer:
        print("The email does not link the report viewer", file=sys.stderr)
        return 1
    with api_server(env, port, out / "api-server.log"):
        show_viewer(f"http://127.0.0.1:{port}", viewer.group(1), out, browser)
        if "--serve" in sys.argv:
            print("Serving the report viewer until Ctrl-C …")
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    print(f"Demo took {time.monotonic() - started:.1f} s (airflow dags test: {dags_test_s:.1f} s)")
    return 0


def demo_owners(conn) -> list[dict]:
    """Two owners of clients: one of two clients that failed on the report day (a digest
    every day), and one of a client that ran nothing that day and who asks for a digest
    only when something is wrong (none then)."""
    with conn.cursor() as cur:
        cur.execute('INSERT INTO "USER" (name, role_id, api_key) VALUES (%s, 2, %s)', QUIET_CLIENT)
        cur.execute(
            """SELECT DISTINCT u.name FROM process p JOIN source s ON s.id = p.source_id
               JOIN "USER" u ON u.id = s.user_id JOIN process_status ps ON ps.id = p.status_id
               WHERE u.role_id = 2 AND ps.name = 'Failed' AND u.name IS NOT NULL
                 AND p.stop_time >= %s AND p.stop_time < %s ORDER BY u.name LIMIT 2""",
            (f"{REPORT_DAY} 07:00", f"{REPORT_DAY + timedelta(days=1)} 07:00"),
        )
        failing = [name for (name,) in cur.fetchall()]
    conn.commit()
    return [
        {"name": "Ana Lopez", "email": "ana.lopez@example.com", "clients": failing},
        {
            "name": "Ben Ito",
            "email": "ben.ito@example.com",
            "clients": [QUIET_CLIENT[0]],
            "when": "failures",
        },
    ]


def show_recipients(messages: list, owners: list[dict], out: Path) -> None:
    """Who got what on the report day: the team report, and each owner's digest."""
    print("\nWhat each recipient got for the report day:")
    for message in messages:
        print(f"  {message['To']:<28}{message['Subject']}")
    got = {str(m["To"]) for m in messages}
    for owner in owners:
        if owner["email"] not in got:
            print(
                f"  {owner['email']:<28}nothing (when: {owner.get('when', 'always')}; "
                f"no failure, hung process or missing video among {owner['clients']})"
            )
    digests = sorted((out / "artifacts").glob(f"{REPORT_DAY}/*/outbox/owners/*/send-record-0.json"))
    print(f"  (the digests' send records: {len(digests)} under outbox/owners/)")


def show_teams_card(card: dict | None, out: Path, browser: bool) -> None:
    """The card the Teams stand-in received, as text and as Microsoft's renderer draws it."""
    if card is None:
        print("No card reached the Teams stand-in", file=sys.stderr)
        return
    texts = [
        b.get("text") or "".join(r["text"] for r in b.get("inlines", [])) for b in card["body"]
    ]
    print("\nTeams card posted to the channel (teams_report):")
    for text in texts:
        if text:
            print(f"  {text}")
    (out / "teams-card.json").write_text(json.dumps(card, indent=2))
    if browser:
        try:
            print(f"{'Teams card screenshot:':<38}{card_screenshot(card, out / 'teams-card.png')}")
        except (ChromiumMissingError, FileNotFoundError) as exc:
            print(f"Teams card screenshot skipped: {exc}")


def show_email_screenshots(report: Path, out: Path) -> bool:
    """The email at desktop and phone width, and at phone width as Outlook for Windows
    and the Gmail apps lay it out (overflow-wrap, table-layout and @media ignored).
    Without Chromium (it needs root to install: `make browser`) one line says so, the
    demo goes on, and the answer is False."""
    stripped = out / "report-without-ignored-css.html"
    stripped.write_text(without_ignored_css(report.read_text(encoding="utf-8")), encoding="utf-8")
    for html, width, name, label in (
        (report, 1280, "report-1280px.png", "Email at 1280 px:"),
        (report, 375, "report-375px.png", "Email at 375 px:"),
        (
            stripped,
            375,
            "report-375px-outlook-gmail-apps.png",
            "Email at 375 px, CSS they ignore off:",
        ),
    ):
        try:
            print(f"{label:<38}{screenshot(html, width, out / name)}")
        except ChromiumMissingError as exc:
            print(f"Screenshots skipped: {exc}")
            return False
    return True


def show_viewer(airflow: str, viewer: str, out: Path, browser: bool) -> None:
    """The viewer page the email links to, as the API server serves it: refused without
    a sign-in; for the demo user, saved and screenshotted (Chromium's command line
    cannot sign in)."""
    anonymous = requests.get(viewer, timeout=60)
    print(f"{'Report viewer (the email links it):':<38}{viewer}")
    print(f"{'  without signing in:':<38}HTTP {anonymous.status_code} (refused)")
    login = requests.post(
        airflow + "/auth/token",
        json={"username": DEMO_USER, "password": demo_password(out)},
        timeout=60,
    )
    login.raise_for_status()
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    page = save_page(viewer, bearer, out / "viewer.html", browser, height=1600)
    print(f"{f'  signed in as {DEMO_USER!r}:':<38}HTTP 200, saved to {out / 'viewer.html'}")
    # The history of the ongoing error (the most frequent one else), as the run page links it.
    first = re.search(
        r'TimeoutError[^<]*</span>\s*<div><a class="v-mono" href="(signatures/[0-9a-f]{12})"',
        page,
    ) or re.search(r'href="(signatures/[0-9a-f]{12})"', page)
    if first:
        print(f"{'  an error signature history:':<38}{viewer + first.group(1)}")
        save_page(viewer + first.group(1), bearer, out / "viewer-signature.html", browser)
    print(f"{'  sign-in:':<38}user {DEMO_USER!r}, password in {password_file(out)}")
    if browser:
        show_run_in_ui(airflow, viewer, login.json()["access_token"], out)


def save_page(url: str, headers: dict, saved: Path, browser: bool, height: int = 900) -> str:
    """A viewer page fetched signed in, saved, and screenshotted at 1280 px (named like
    `saved`, `-1280px.png`) when Chromium is there; returns its HTML."""
    page = requests.get(url, headers=headers, timeout=60)
    page.raise_for_status()
    saved.write_text(page.text, encoding="utf-8")
    if browser:
        png = screenshot(saved, 1280, saved.with_name(f"{saved.stem}-1280px.png"), height=height)
        print(f"{'  screenshot at 1280 px:':<38}{png}")
    return page.text


def show_run_in_ui(airflow: str, viewer: str, token: str, out: Path) -> None:
    """The report day's run in Airflow's own UI, signed in: the runs list (each run's
    report day in its viewer page's title) and the run page's "Process report" tab,
    the viewer in one scroll at 1280 px."""
    run_id = unquote(viewer.rstrip("/").rsplit("/", 1)[-1])
    run_page = f"{airflow}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}"
    with signed_in_page(airflow, token, out) as page:
        page.call("Page.navigate", url=f"{airflow}/dags/{DAG_ID}/runs")
        page.wait_for(f"document.body.innerText.includes({json.dumps(run_id)})", "the runs list")
        runs = page.screenshot(out / "ui-runs-1280px.png")
        page.call("Page.navigate", url=f"{run_page}/plugin/{EXTERNAL_VIEW['url_route']}")
        page.wait_for("!!document.querySelector('iframe')", "the run page's Process report tab")
        page.wait_for(
            "(() => { const f = document.querySelector('iframe');"
            " return !!(f && f.contentDocument && f.contentDocument.body"
            " && f.contentDocument.body.innerText.includes('Process report')); })()",
            "the report viewer inside the tab",
        )
        tab = page.screenshot(out / "ui-run-process-report-1280px.png")
    print(f"{'Airflow UI, the runs list:':<38}{runs}")
    print(f"{'Airflow UI, the run page viewer tab:':<38}{tab}")


@contextmanager
def api_server(env: dict, port: int, log: Path, apps: str = "core") -> Iterator[None]:
    """`airflow api-server` (one worker, loopback only) with the project's plugins;
    `apps="core,execution"` also serves the Execution API an executor's tasks talk to."""
    with log.open("w") as handle:
        command = [sys.executable, "-m", "airflow", "api-server", "--apps", apps]
        server = subprocess.Popen(
            [*command, "--workers", "1", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/api/v2/monitor/health", server, log)
            yield
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)


def wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout_s: int = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"airflow api-server stopped; see {log}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise SystemExit(f"airflow api-server did not answer within {timeout_s} s; see {log}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def password_file(out: Path) -> Path:
    return out / "airflow" / "simple_auth_manager_passwords.json"


def demo_password(out: Path) -> str:
    return json.loads(password_file(out).read_text())[DEMO_USER]


def airflow_environment(
    out: Path, db_uri: str, skip_api_keys: tuple[str, ...], port: int, owners: Sequence[dict] = ()
) -> dict:
    """An isolated Airflow (SQLite metadata DB under out/) configured as the README says
    production is: a `process_db` connection and the settings variable."""
    settings = {
        "logs_dir": str(out / "logs"),
        "onedrive_root": ONEDRIVE_ROOT,
        "recipients": [TEAM],
        "skip_api_keys": list(skip_api_keys),
        "timezone": TIMEZONE,
        "db_timezone": "UTC",
        "logs_timezone": "UTC",  # the sample's logs are written in UTC
        "hung_after_minutes": 60,
        "artifacts_root": (out / "artifacts").as_uri(),
        "known_issues": KNOWN_ISSUES,
        "owners": list(owners),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(out / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_DIR / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # as deployed (docker-compose.yaml): a finished task's slot back within 1 s
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW_CONN_PROCESS_DB": airflow_connection_json(db_uri),
            "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": json.dumps(settings),
            # The address the email links to: the API server the demo starts.
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{DEMO_USER}:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file(out)),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
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
