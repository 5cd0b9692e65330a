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

import psycopg2
import pytest
import uvicorn
from airflow.dag_processing.dagbag import DagBag
from fastapi.testclient import TestClient

from process_report.links import DAG_ID, RunLinks
from tests.support import PROJECT_DIR
from tests.support.embedded_db import airflow_connection_json, drop_database, recreate_database
from tests.support.sample_day import TEST_API_KEY, load_sample_day, load_schema
from tests.support.sample_logs import write_sample_logs

BASE_URL = "http://testserver"  # the test client's host: the email's links point here
REPORT_DAY = date(2026, 11, 26)
USERS = "reader:viewer,outsider:"  # `outsider` signs in but has no role: no DAG access


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
    assert "srcdoc=" in html
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
        answer = api.get(url, headers=reader)
        assert answer.status_code == 200, url
        stored = folder / "failure_logs" / url.rsplit("/", 1)[-1]
        data = stored.read_bytes()
        assert answer.content == (gzip.decompress(data) if stored.suffix == ".gz" else data)
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    report = api.get(links.report, headers=reader)
    assert report.text == (folder / "report.html").read_text()
    assert "sandbox" in report.headers["content-security-policy"]
    csv = api.get(links.attachment("processes.csv"), headers=reader)
    assert csv.content == (folder / "attachments" / "processes.csv").read_bytes()
    assert csv.headers["content-disposition"] == 'attachment; filename="processes.csv"'


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
