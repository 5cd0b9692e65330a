"""The report viewer through Airflow's own API server app, with its real auth manager
(SimpleAuthManager, real tokens from /auth/token), on a real run of the DAG (dag.test,
dry run) against the sample day in PostgreSQL: what a reader sees, that the email's
links open it, and that nobody else and nothing else gets through."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import socket
import threading
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
import uvicorn
from airflow.dag_processing.dagbag import DagBag
from fastapi.testclient import TestClient
from markupsafe import escape

from process_report.links import DAG_ID, RunLinks
from process_report.process_records import read_records
from tests.support import PROJECT_DIR
from tests.support.auth_managers import RUNS_ONLY_USER
from tests.support.browser import overflow_px, screenshot
from tests.support.embedded_db import airflow_connection_json, drop_database, recreate_database
from tests.support.sample_day import TEST_API_KEY, load_sample_day, load_schema
from tests.support.sample_logs import write_sample_logs

BASE_URL = "http://testserver"  # the test client's host: the email's links point here
REPORT_DAY = date(2026, 11, 26)
# `outsider` signs in but has no role: no DAG access; `runsonly` may read the DAG's runs
# but not its task logs (tests.support.auth_managers)
USERS = f"reader:viewer,outsider:,{RUNS_ONLY_USER}:viewer"
SCREENSHOTS = PROJECT_DIR / "out" / "screenshots"


@pytest.fixture(scope="module")
def archived_run(airflow_db, pg_server_uri, tmp_path_factory):
    """One dry run of the DAG on the sample day, with Airflow's base URL set."""
    tmp = tmp_path_factory.mktemp("viewer")
    db_uri = recreate_database(pg_server_uri, "t_report_viewer")
    conn = psycopg2.connect(db_uri)
    load_schema(conn)
    load_sample_day(conn, REPORT_DAY, "Europe/Paris")
    write_sample_logs(conn, tmp / "logs")
    conn.close()
    settings = {
        "logs_dir": str(tmp / "logs"),
        "onedrive_root": "Videos",
        "recipients": ["ops@example.com"],
        "skip_api_keys": [TEST_API_KEY],
        "timezone": "Europe/Paris",
        "artifacts_root": (tmp / "artifacts").as_uri(),
    }
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(db_uri))
        env.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps(settings))
        env.setenv("AIRFLOW__API__BASE_URL", BASE_URL)
        env.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", USERS)
        env.setenv("AIRFLOW__CORE__AUTH_MANAGER", "tests.support.auth_managers.RunsOnlyAuthManager")
        env.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(tmp / "passwords"))
        env.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "viewer-tests-signing-key-0123456789abcdef")
        dag = DagBag(dag_folder=str(PROJECT_DIR / "dags")).dags[DAG_ID]
        for task in dag.tasks:
            task.retries = 0
        run = dag.test(
            logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC), run_conf={"dry_run": True}
        )
        assert run.state == "success"
        (folder,) = (tmp / "artifacts" / REPORT_DAY.isoformat()).iterdir()
        yield {"run_id": run.run_id, "folder": folder, "api": api_client()}
    drop_database(pg_server_uri, "t_report_viewer")


def api_client() -> TestClient:
    """Airflow's API server app, plugins and auth manager included, as `airflow
    api-server` builds it."""
    from airflow.api_fastapi.app import create_app, purge_cached_app

    purge_cached_app()
    return TestClient(create_app(apps="core"))


@pytest.fixture(scope="module")
def live_server(archived_run):
    """The same app served by uvicorn on a loopback port, for requests sent byte for
    byte as written (test clients normalize `..` away before sending)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(archived_run["api"].app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.05)
    yield listener.getsockname()
    server.should_exit = True
    thread.join(timeout=30)


def raw_get(server: tuple[str, int], path: str, headers: dict[str, str]) -> tuple[int, str]:
    """GET `path` exactly as written, over a plain HTTP connection."""
    connection = http.client.HTTPConnection(*server, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


def token(api: TestClient, username: str) -> str:
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

    password = SimpleAuthManager.get_passwords()[username]
    answer = api.post("/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 201, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def reader(archived_run):
    return {"Authorization": f"Bearer {token(archived_run['api'], 'reader')}"}


@pytest.fixture(scope="module")
def links(archived_run):
    return RunLinks(BASE_URL, DAG_ID, archived_run["run_id"])


@pytest.fixture(scope="module")
def message(archived_run):
    outbox = archived_run["folder"] / "outbox" / "message.eml"
    return message_from_bytes(outbox.read_bytes(), policy=default)


def test_reader_sees_the_run_page_with_the_emailed_report_and_every_file(
    archived_run, reader, links
):
    page = archived_run["api"].get(links.viewer, headers=reader)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert "Process report 2026-11-26" in html
    assert f'href="{links.run}"' in html
    assert 'href="files/processes.csv"' in html
    extracts = sorted(p.name for p in (archived_run["folder"] / "failure_logs").iterdir())
    assert extracts
    for name in extracts:
        assert f'href="extracts/{name}"' in html
    assert "<iframe" not in html  # the report is in the page: one scroll, no frame
    assert "Daily process report 2026-11-26" in html
    assert TEST_API_KEY not in html


def test_the_emails_links_open_the_runs_extracts_report_and_files(
    archived_run, reader, message, links
):
    api, folder = archived_run["api"], archived_run["folder"]
    text = message.get_body(("plain",)).get_content()
    assert f"Open this run in Airflow: {links.run}" in text
    assert links.viewer in text
    full_logs = re.findall(r"full log: (\S+)", text)
    assert full_logs
    for url in full_logs:
        page = api.get(url, headers=reader)
        assert page.status_code == 200, url
        assert page.headers["content-type"].startswith("text/html")
        raw = api.get(url + "/raw", headers=reader)
        stored = folder / "failure_logs" / url.rsplit("/", 1)[-1]
        data = stored.read_bytes()
        assert raw.content == (gzip.decompress(data) if stored.suffix == ".gz" else data)
        assert raw.headers["content-type"] == "text/plain; charset=utf-8"
        assert raw.headers["content-disposition"].startswith("attachment;")
    report = api.get(links.report, headers=reader)
    assert report.text == (folder / "report.html").read_text()
    assert "sandbox" in report.headers["content-security-policy"]
    csv = api.get(links.attachment("processes.csv"), headers=reader)
    assert csv.content == (folder / "attachments" / "processes.csv").read_bytes()
    assert csv.headers["content-disposition"].startswith('attachment; filename="processes.csv";')


def test_extracts_attached_to_the_email_are_the_ones_the_viewer_serves(
    archived_run, reader, message, links
):
    (bundle,) = [p for p in message.iter_attachments() if p.get_filename() == "failure-logs.zip"]
    served = archived_run["api"].get(links.attachment("failure-logs.zip"), headers=reader)
    assert served.content == bundle.get_content()


def test_anonymous_requests_are_refused_and_a_browser_is_sent_to_the_login_page(
    archived_run, links
):
    api = archived_run["api"]
    extract = next((archived_run["folder"] / "failure_logs").iterdir()).name
    for url in (
        links.viewer,
        links.report,
        links.extract(extract),
        links.attachment("processes.csv"),
    ):
        refused = api.get(url)
        assert refused.status_code == 401, url
        assert "Daily process report" not in refused.text
        browser = api.get(url, headers={"Accept": "text/html"}, follow_redirects=False)
        assert browser.status_code == 303
        assert browser.headers["location"].startswith(f"{BASE_URL}/auth/login?next=")
        assert "Daily process report" not in browser.text


def test_a_forged_token_is_refused(archived_run, links):
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJyZWFkZXIifQ.x"}
    assert archived_run["api"].get(links.viewer, headers=forged).status_code in (401, 403)


def test_a_signed_in_user_without_read_access_to_the_dag_is_refused(archived_run, links):
    outsider = {"Authorization": f"Bearer {token(archived_run['api'], 'outsider')}"}
    answer = archived_run["api"].get(links.viewer, headers=outsider)
    assert answer.status_code == 403
    assert "Daily process report" not in answer.text


def test_the_session_cookie_of_the_airflow_ui_is_accepted(archived_run, links):
    cookie = {"Cookie": f"_token={token(archived_run['api'], 'reader')}"}
    assert archived_run["api"].get(links.viewer, headers=cookie).status_code == 200


TRAVERSALS = [
    "..",
    "../run/settings.json",
    "..%2Frun%2Fsettings.json",
    "%2e%2e%2frun%2fsettings.json",
    "%252e%252e%252frun%252fsettings.json",
    "..%5Crun%5Csettings.json",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "....//run/settings.json",
    "%00settings.json",
    "settings.json",
    "processes.json",
]


@pytest.mark.parametrize("kind", ["extracts", "files"])
@pytest.mark.parametrize("name", TRAVERSALS)
def test_no_path_reaches_a_file_outside_the_runs_report_files(
    live_server, reader, links, kind, name
):
    status, body = raw_get(
        live_server, f"{links.viewer}{kind}/{name}".removeprefix(BASE_URL), reader
    )
    assert status == 404
    assert TEST_API_KEY not in body  # the settings snapshot lists it
    assert "root:" not in body


def test_symbolic_links_in_the_archive_are_not_followed(archived_run, reader, links):
    folder: Path = archived_run["folder"]
    planted = [
        (folder / "failure_logs" / "planted.log", folder / "run" / "settings.json"),
        (folder / "attachments" / "planted.csv", Path("/etc/passwd")),
    ]
    for link, target in planted:
        link.symlink_to(target)
    try:
        for url in (links.extract("planted.log"), links.attachment("planted.csv")):
            answer = archived_run["api"].get(url, headers=reader)
            assert answer.status_code == 404
            assert TEST_API_KEY not in answer.text
            assert "root:" not in answer.text
        page = archived_run["api"].get(links.viewer, headers=reader).text
        assert "planted" not in page
    finally:
        for link, _ in planted:
            os.unlink(link)


def test_a_symlinked_subfolder_is_not_followed(archived_run, reader, links, tmp_path):
    folder: Path = archived_run["folder"]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(TEST_API_KEY)
    attachments = folder / "attachments"
    attachments.rename(folder / "attachments.real")
    attachments.symlink_to(outside)
    try:
        answer = archived_run["api"].get(links.attachment("secret.csv"), headers=reader)
        assert answer.status_code == 404
        assert TEST_API_KEY not in answer.text
    finally:
        attachments.unlink()
        (folder / "attachments.real").rename(attachments)


def test_unknown_runs_and_other_dags_are_not_found(archived_run, reader):
    api = archived_run["api"]
    for links in (
        RunLinks(BASE_URL, DAG_ID, "manual__1999-01-01T00:00:00+00:00"),
        RunLinks(BASE_URL, "some_other_dag", archived_run["run_id"]),
    ):
        assert api.get(links.viewer, headers=reader).status_code in (403, 404)


def test_a_run_missing_under_a_changed_artifacts_root_is_not_found_and_no_folder_is_made(
    archived_run, reader, links, monkeypatch, tmp_path
):
    settings = json.loads(os.environ["AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"])
    settings["artifacts_root"] = (tmp_path / "moved").as_uri()
    monkeypatch.setenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", json.dumps(settings))
    answer = archived_run["api"].get(links.viewer, headers=reader)
    assert answer.status_code == 404
    assert "artifacts_root" in answer.text
    assert not (tmp_path / "moved").exists()


@pytest.fixture(scope="module")
def runs_only(archived_run):
    return {"Authorization": f"Bearer {token(archived_run['api'], RUNS_ONLY_USER)}"}


def test_whatever_carries_extracts_needs_task_log_access(archived_run, runs_only, links):
    api, folder = archived_run["api"], archived_run["folder"]
    extract = next((folder / "failure_logs").iterdir()).name
    for url in (
        links.attachment("failure-logs.zip"),
        f"{links.viewer}outbox/message.eml",
        links.extract(extract),
        links.extract(extract) + "/raw",
    ):
        answer = api.get(url, headers=runs_only)
        assert answer.status_code == 403, url
        assert not answer.content.startswith(b"PK"), url
    assert api.get(links.viewer, headers=runs_only).status_code == 200
    csv = api.get(links.attachment("processes.csv"), headers=runs_only)
    assert csv.content == (folder / "attachments" / "processes.csv").read_bytes()


def test_an_attachment_not_known_to_hold_only_the_report_needs_task_log_access(
    archived_run, runs_only, reader, links
):
    planted = archived_run["folder"] / "attachments" / "more-logs.tar"
    planted.write_bytes(b"extracts")
    try:
        url = links.attachment("more-logs.tar")
        assert archived_run["api"].get(url, headers=runs_only).status_code == 403
        assert archived_run["api"].get(url, headers=reader).content == b"extracts"
    finally:
        planted.unlink()


@pytest.fixture
def secret_file(tmp_path):
    secret = tmp_path / "passwords.json"
    secret.write_text('{"admin": "SECRET-PASSWORD-42"}')
    return secret


@pytest.mark.parametrize(
    "planted", ["report.html", "attachments/processes.csv", "outbox/message.eml"]
)
def test_a_symlink_planted_at_a_file_the_viewer_reads_is_refused(
    archived_run, reader, links, secret_file, planted
):
    api, target = archived_run["api"], archived_run["folder"] / planted
    target.rename(target.with_name(target.name + ".real"))
    target.symlink_to(secret_file)
    try:
        for url in (
            links.viewer,
            links.report,
            links.attachment("processes.csv"),
            f"{links.viewer}outbox/message.eml",
        ):
            answer = api.get(url, headers=reader)
            assert "SECRET-PASSWORD-42" not in answer.text, url
        assert api.get(links.report, headers=reader).status_code in (200, 404)
    finally:
        target.unlink()
        target.with_name(target.name + ".real").rename(target)


@pytest.mark.parametrize("planted", ["failure_logs", "outbox", "summaries", "."])
def test_a_symlinked_folder_on_the_path_is_refused(archived_run, reader, links, tmp_path, planted):
    api, folder = archived_run["api"], archived_run["folder"]
    real = (folder / planted).resolve()
    copy = tmp_path / "copy"
    real.rename(copy)
    real.symlink_to(copy)  # the same files, reached through a link
    try:
        page = api.get(links.viewer, headers=reader)
        if planted == ".":  # the run's folder itself: not this run's folder
            assert page.status_code == 404
        elif planted == "failure_logs":
            extract = next(copy.iterdir()).name
            assert "No failure left a log extract." in page.text
            assert api.get(links.extract(extract) + "/raw", headers=reader).status_code == 404
        elif planted == "outbox":
            assert ">not sent<" in page.text
            message = api.get(f"{links.viewer}outbox/message.eml", headers=reader)
            assert message.status_code == 404
        else:  # nothing is read through it: no key errors are shown
            assert page.status_code == 200
            assert '<div class="v-error">no error line found</div>' in page.text
    finally:
        real.unlink()
        copy.rename(real)


def test_the_login_redirect_is_built_from_the_base_url_not_the_host_header(archived_run, links):
    browser = archived_run["api"].get(
        links.viewer,
        headers={"Accept": "text/html", "Host": "evil.example"},
        follow_redirects=False,
    )
    assert browser.status_code == 303
    location = browser.headers["location"]
    assert location.startswith(f"{BASE_URL}/auth/login?next=")
    assert "evil" not in location
    assert "next=" + quote(links.viewer, safe="") in location


def test_without_a_base_url_the_login_redirect_stays_on_the_same_site(
    archived_run, links, monkeypatch
):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "")
    browser = archived_run["api"].get(
        links.viewer,
        headers={"Accept": "text/html", "Host": "evil.example"},
        follow_redirects=False,
    )
    assert browser.status_code == 303
    path = links.viewer.removeprefix(BASE_URL)
    assert browser.headers["location"] == "/auth/login?next=" + quote(path, safe="")


def test_a_dry_runs_page_says_dry_run_and_offers_the_outbox_message(archived_run, reader, links):
    api, folder = archived_run["api"], archived_run["folder"]
    html = api.get(links.viewer, headers=reader).text
    assert ">dry run<" in html
    assert "Attached to the email" not in html
    assert "The report as emailed" not in html
    assert "Would have gone to</dt><dd>ops@example.com" in html
    assert 'href="outbox/message.eml"' in html
    message = api.get(f"{links.viewer}outbox/message.eml", headers=reader)
    assert message.content == (folder / "outbox" / "message.eml").read_bytes()
    assert api.get(f"{links.viewer}outbox/send-record-0.json", headers=reader).status_code == 404


def test_the_title_and_heading_name_the_day_the_counts_and_the_sent_state(
    archived_run, reader, links
):
    counts = json.loads((archived_run["folder"] / "processes.json").read_text())["counts"]
    html = archived_run["api"].get(links.viewer, headers=reader).text
    title = (
        f"Process report 2026-11-26 · {counts['finished']} finished · {counts['failed']} "
        f"failed · {counts['running']} running"
    )
    written = r" · dry run \d\d:\d\d CET"  # when its message was written: runs differ
    assert re.search(f"<title>{re.escape(title)}( · [0-9]+ other)?{written}</title>", html)
    assert re.search(f'<h1 class="v-h1">{re.escape(title)}.*{written}</h1>', html)


def test_failure_logs_are_listed_with_client_stop_time_and_key_error(archived_run, reader, links):
    folder = archived_run["folder"]
    failed = {
        p["uuid"].lower(): p
        for p in read_records((folder / "processes.json").as_uri())
        if p["category"] == "failed"
    }
    key_errors = {
        s["uuid"].lower(): s["key_error"]
        for batch in (folder / "summaries").iterdir()
        for s in json.loads(batch.read_text())
    }
    html = archived_run["api"].get(links.viewer, headers=reader).text
    for extract in (folder / "failure_logs").iterdir():
        uuid = extract.name.split(".")[0].lower()
        row = html[html.index(f'href="extracts/{extract.name}"') :].split("</div>\n</div>")[0]
        assert escape(failed[uuid]["client"]) in row
        assert failed[uuid]["stop_time"][:10] in row or "CET" in row
        assert escape(key_errors[uuid] or "no error line found")[:80] in row
        assert TEST_API_KEY not in row


def test_a_log_page_has_a_heading_the_process_and_client_a_way_back_and_the_raw_file(
    archived_run, reader, links
):
    folder = archived_run["folder"]
    extract = sorted((folder / "failure_logs").iterdir())[0]
    uuid = extract.name.split(".")[0].lower()
    (client,) = [
        p["client"]
        for p in read_records((folder / "processes.json").as_uri())
        if p["uuid"].lower() == uuid and p["category"] == "failed"
    ]
    page = archived_run["api"].get(links.extract(extract.name), headers=reader)
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert f'<h1 class="v-h1">Failure log: {escape(client)} · 2026-11-26</h1>' in html
    assert uuid in html
    assert '<a href="../">' in html
    assert f'<a href="{extract.name}/raw">Download the raw log</a>' in html
    text = extract.read_bytes()
    text = gzip.decompress(text) if extract.suffix == ".gz" else text
    last_line = text.decode().rstrip("\n").rsplit("\n", 1)[-1]
    assert escape(last_line) in html
    assert "white-space: pre-wrap" in html


def test_the_tab_on_another_dags_run_says_it_applies_to_this_dag_only(archived_run, reader):
    other = RunLinks(BASE_URL, "some_other_dag", archived_run["run_id"])
    answer = archived_run["api"].get(other.viewer, headers=reader)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert f"daily process report of <strong>{DAG_ID}</strong> runs only" in answer.text


@pytest.mark.parametrize("width", [1280, 375])
def test_the_run_page_and_a_log_page_fit_the_width_and_are_screenshotted(
    archived_run, reader, links, width
):
    """Writes out/screenshots/viewer-{width}.png and log-{width}.png (one scroll: the
    whole page, report included, at full height) and status.png (the dry run's status
    block) for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    extract = sorted((archived_run["folder"] / "failure_logs").iterdir())[0].name
    pages = {"viewer": links.viewer, "log": links.extract(extract)}
    for name, url in pages.items():
        html = SCREENSHOTS / f"{name}-{width}.html"
        html.write_text(archived_run["api"].get(url, headers=reader).text)
        assert overflow_px(html, width) == 0, name
        png = screenshot(html, width, SCREENSHOTS / f"{name}-{width}.png", height=3000)
        assert png.stat().st_size > 10_000
    if width == 1280:  # the top of the page: the dry run's status block
        top = screenshot(SCREENSHOTS / "viewer-1280.html", width, SCREENSHOTS / "status.png", 360)
        assert top.stat().st_size > 5_000


def test_the_run_page_lists_each_error_signature_with_its_id_and_known_issues_entry(
    archived_run, reader, links
):
    record = json.loads((archived_run["folder"] / "history.json").read_text())
    assert record["signatures"]
    html = archived_run["api"].get(links.viewer, headers=reader).text
    for sig in record["signatures"]:
        assert f'href="signatures/{sig}"' in html
        entry = json.dumps({"signature": sig, "note": "what is known about it, and who owns it"})
        assert entry.replace('"', "&#34;") in html


def test_a_signatures_page_shows_its_days_clients_and_links_to_those_days_reports(
    archived_run, reader, links
):
    record = json.loads((archived_run["folder"] / "history.json").read_text())
    sig, entry = next(iter(record["signatures"].items()))
    page = archived_run["api"].get(f"{links.viewer}signatures/{sig}", headers=reader)
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert f"<title>Error {sig} up to 2026-11-26</title>" in html
    assert f'<a href="{links.viewer}">2026-11-26</a>' in html  # the day's report
    assert f"first 2026-11-26, last 2026-11-26; {entry['count']} failure(s)" in html
    for client in entry["clients"]:
        assert client in html
    assert archived_run["api"].get(f"{links.viewer}signatures/{sig}").status_code == 401


@pytest.mark.parametrize("bad", ["..%2F..%2Fsettings", "ABCDEF012345", "0" * 13])
def test_a_signature_page_for_anything_but_an_id_is_not_found(archived_run, reader, links, bad):
    answer = archived_run["api"].get(f"{links.viewer}signatures/{bad}", headers=reader)
    assert answer.status_code == 404
