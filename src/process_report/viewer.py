"""The report viewer: a run's archived report, its sent state, failure logs and
attachments, served by Airflow's API server to signed-in Airflow users who may read
this DAG.

`plugins/process_report_viewer.py` mounts `app` at `links.VIEWER_PREFIX` and shows it as
a tab of each DAG run's page; the email links here (`links.RunLinks`). Airflow does not
protect a plugin's FastAPI app, so every route depends on Airflow's own
`requires_access_dag` (the JWT of the `Authorization` header or of the UI's session
cookie, checked by the configured auth manager). Each file is authorized by what it
holds: the report, its CSV and its full version need read access to the DAG's runs;
anything carrying log extracts (an extract, the extracts' zip, the dry run's message
with that zip attached, any attachment not known to hold only the report) needs read
access to its task logs too. A browser that is not signed in is sent to Airflow's login
page at `[api] base_url` (never at the request's Host header) and comes back.

Nothing is read from a path the request names. The run's folder is found from the DAG
run: its report day from the window `resolve_window` left in XCom, the artifacts root
from the settings, and `artifacts.run_folder`; the settings snapshot `run_context`
keeps there proves it is that run's folder. Every file is read through `RunFiles`,
which follows no symbolic link below the artifacts root, and a file name in a URL is
only a key into a listing of the folder. New pages: a route below RUN_PATH that calls
`run_archive` and renders a template extending viewer_base.html.j2 with `_page`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from airflow.configuration import conf
from airflow.models.xcom import XComModel
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from process_report import artifacts
from process_report.links import DAG_ID, RUN_PATH, VIEWER_PREFIX, RunLinks
from process_report.report_rows import local_time
from process_report.report_templates import template_environment
from process_report.run_context import SETTINGS_FILE
from process_report.run_files import RunFiles
from process_report.run_view import (
    ATTACHMENTS,
    DRY_RUN,
    EXTRACTS,
    OUTBOX,
    OUTBOX_MESSAGE,
    SENT,
    chunks,
    failures,
    log_tail,
    page_title,
    send_status,
)
from process_report.signature_history import (
    UnknownSignatureError,
    day_record,
    run_signatures,
    signature_history,
)
from process_report.window import Window

log = logging.getLogger(__name__)

WINDOW_TASK, PROCESSES_TASK = "resolve_window", "fetch_processes"
REPORT = "report.html"
# Attachments that hold only what the report shows; any other (the extracts' zip, a
# name added later) carries more and needs task-log access.
REPORT_ONLY = frozenset(n + z for n in ("processes.csv", "full-report.html") for z in ("", ".zip"))
# Only inline styles and same-origin framing (the Airflow UI's tab); the archived report
# and the served files may not run anything, whatever they contain.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
REPORT_POLICY = PAGE_POLICY + "; sandbox allow-popups allow-popups-to-escape-sandbox"
FILE_POLICY = "default-src 'none'; frame-ancestors 'self'; sandbox"
_MIME = {".csv": "text/csv", ".zip": "application/zip", ".html": "text/html"}
SIGNATURE_DAYS = 60  # a signature's page looks this far back: the longest history_days

app = FastAPI(
    title="Process report viewer",
    description="Archived daily process reports, their failure logs and attachments.",
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)
_READ_RUN = [Depends(requires_access_dag("GET", DagAccessEntity.RUN))]
_READ_LOGS = [Depends(requires_access_dag("GET", DagAccessEntity.TASK_LOGS))]
_NOT_FOUND = "No such file in this run's archive."


@dataclass(frozen=True)
class RunArchive:
    """One run's folder in the artifacts root, the window it reported on and what its
    first tasks left in XCom (recipients, dry run, counts)."""

    files: RunFiles
    window: Window
    started: dict[str, Any]
    counts: dict[str, int] | None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.window.timezone)


@app.get(RUN_PATH, response_class=HTMLResponse, dependencies=_READ_RUN)
def run_page(dag_id: str, run_id: str, session: SessionDep, user: GetUserDep):
    """The run's page: its sent state, its files and failure logs, and the report."""
    if dag_id != DAG_ID:
        return _page(
            "viewer_elsewhere.html.j2",
            status.HTTP_404_NOT_FOUND,
            title="Process report",
            shown_dag=dag_id,
        )
    archive = run_archive(dag_id, run_id, session)
    sent = send_status(
        archive.files,
        dry_run=bool(archive.started.get("dry_run")),
        recipients=archive.started.get("recipients") or [],
        tz=archive.tz,
    )
    report_day = archive.window.report_day.isoformat()
    log.info("Report viewer: %s opened the page of run %s", user.get_name(), run_id)
    return _page(
        "viewer.html.j2",
        title=page_title(report_day, archive.counts, sent),
        run_id=run_id,
        window_start=local_time(archive.window.start, archive.tz),
        window_end=local_time(archive.window.end, archive.tz),
        links=RunLinks(site_root(), dag_id, run_id),
        status=sent,
        emailed=sent.state == SENT,
        dry_run=sent.state == DRY_RUN,
        report_body=_body(archive.files),
        attachments=_kib(archive.files.sizes(ATTACHMENTS)),
        failures=failures(archive.files, archive.tz),
        signatures=run_signatures(day_record(archive.files)),
    )


@app.get(RUN_PATH + "signatures/{sig}", response_class=HTMLResponse, dependencies=_READ_RUN)
def signature_page(dag_id: str, run_id: str, sig: str, session: SessionDep, user: GetUserDep):
    """One error signature over the report days up to this run's: the days it appeared
    on, linked to their reports, its clients, and the known_issues entry for it."""
    archive = run_archive(dag_id, run_id, session)
    day = archive.window.report_day
    try:
        found = signature_history(archive.files.root, sig, day, SIGNATURE_DAYS)
    except UnknownSignatureError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such error signature.") from None
    for seen in found["days"]:
        seen["viewer"] = seen["run_id"] and RunLinks(site_root(), dag_id, seen["run_id"]).viewer
    log.info("Report viewer: %s opened signature %s from run %s", user.get_name(), sig, run_id)
    return _page(
        "viewer_signature.html.j2",
        title=f"Error {sig} up to {day}",
        history=found,
        report_day=day.isoformat(),
        links=RunLinks(site_root(), dag_id, run_id),
    )


@app.get(RUN_PATH + "report", response_class=HTMLResponse, dependencies=_READ_RUN)
def archived_report(dag_id: str, run_id: str, session: SessionDep, user: GetUserDep):
    """The HTML report exactly as the email showed it (or would have, in a dry run)."""
    files = run_archive(dag_id, run_id, session).files
    html = _report(files)
    if html is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This run has not composed its report yet.")
    log.info("Report viewer: %s opened the report of run %s", user.get_name(), run_id)
    return HTMLResponse(html, headers=_headers(REPORT_POLICY))


@app.get(RUN_PATH + "extracts/{name}", response_class=HTMLResponse, dependencies=_READ_LOGS)
def log_page(dag_id: str, run_id: str, name: str, session: SessionDep, user: GetUserDep):
    """A failure's redacted log extract on a page: the process and its client, a way
    back, wrapped lines, and a download of the raw file."""
    archive = run_archive(dag_id, run_id, session)
    failure = next((f for f in failures(archive.files, archive.tz) if f.name == name), None)
    if failure is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)
    text, cut = _read(lambda: log_tail(archive.files, name))
    log.info("Report viewer: %s opened the log of %s in run %s", user.get_name(), name, run_id)
    return _page(
        "viewer_log.html.j2",
        title=f"Failure log: {failure.client or failure.uuid} · {archive.window.report_day}",
        failure=failure,
        text=text,
        cut=cut,
    )


@app.get(RUN_PATH + "extracts/{name}/raw", dependencies=_READ_LOGS)
def raw_log(dag_id: str, run_id: str, name: str, session: SessionDep, user: GetUserDep):
    """The extract as a plain-text download (gunzipped when it was stored gzipped)."""
    files = run_archive(dag_id, run_id, session).files
    _listed(files, EXTRACTS, name)
    log.info("Report viewer: %s downloaded the log %s of run %s", user.get_name(), name, run_id)
    return _download(
        files, f"{EXTRACTS}/{name}", name.removesuffix(".gz"), "text/plain; charset=utf-8"
    )


@app.get(RUN_PATH + "files/{name}", dependencies=_READ_RUN)
def attachment(
    dag_id: str, run_id: str, name: str, request: Request, session: SessionDep, user: GetUserDep
):
    """A file as it was attached to the email (CSV, full report, extracts' zip)."""
    if name not in REPORT_ONLY:
        requires_access_dag("GET", DagAccessEntity.TASK_LOGS)(request, user)
    files = run_archive(dag_id, run_id, session).files
    _listed(files, ATTACHMENTS, name)
    log.info("Report viewer: %s downloaded %s of run %s", user.get_name(), name, run_id)
    mime = _MIME.get(name[name.rfind(".") :], "application/octet-stream")
    return _download(files, f"{ATTACHMENTS}/{name}", name, mime)


@app.get(RUN_PATH + "outbox/{name}", dependencies=_READ_LOGS)
def outbox_message(dag_id: str, run_id: str, name: str, session: SessionDep, user: GetUserDep):
    """A dry run's message as it would have been sent (it carries the extracts' zip)."""
    files = run_archive(dag_id, run_id, session).files
    if name != OUTBOX_MESSAGE:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)
    _listed(files, OUTBOX, name)
    log.info("Report viewer: %s downloaded the outbox message of run %s", user.get_name(), run_id)
    return _download(files, f"{OUTBOX}/{name}", name, "message/rfc822")


@app.exception_handler(StarletteHTTPException)
async def signed_out_to_login(request: Request, exc: StarletteHTTPException) -> Response:
    """A browser without a valid session goes to Airflow's login page and returns here;
    anything else (an API client, a refused user) gets the error itself."""
    if exc.status_code == status.HTTP_401_UNAUTHORIZED and _wants_html(request):
        from airflow.api_fastapi.app import get_auth_manager

        sent = request.scope.get("raw_path") or request.url.path.encode()  # as encoded
        here = VIEWER_PREFIX + sent.decode("latin-1").partition(VIEWER_PREFIX)[2]
        query = f"?{request.url.query}" if request.url.query else ""
        login = get_auth_manager().get_url_login(next_url=site_root() + here + query)
        return RedirectResponse(site_root() + login, status.HTTP_303_SEE_OTHER)
    return Response(
        exc.detail if isinstance(exc.detail, str) else "",
        exc.status_code,
        headers={**(exc.headers or {}), **_headers(FILE_POLICY)},
        media_type="text/plain; charset=utf-8",
    )


def run_archive(dag_id: str, run_id: str, session: Any) -> RunArchive:
    """The run's folder (404 when the run has none yet, or is not of this DAG)."""
    if dag_id != DAG_ID:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"The viewer shows runs of {DAG_ID} only.")
    started = _xcom(dag_id, run_id, WINDOW_TASK, session)
    if started is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"No such run, or it has no report yet ({WINDOW_TASK} has not run).",
        )
    window = Window.from_dict(started["window"])
    folder = artifacts.run_folder(
        _artifacts_root(), window.report_day.isoformat(), run_id, create=False
    )
    files = RunFiles(ObjectStoragePath(_artifacts_root()), (folder.parent.name, folder.name))
    if not files.exists(SETTINGS_FILE):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "This run's folder is not under the settings' artifacts_root (was it changed?).",
        )
    fetched = _xcom(dag_id, run_id, PROCESSES_TASK, session) or {}
    return RunArchive(files, window, started, fetched.get("counts"))


def site_root() -> str:
    """Airflow's address as configured (`[api] base_url`), never as a request names it
    (its Host header is the client's to choose); without one, links are root-relative."""
    return (conf.get("api", "base_url", fallback="") or "").strip().rstrip("/")


def _xcom(dag_id: str, run_id: str, task_id: str, session: Any) -> dict[str, Any] | None:
    query = XComModel.get_many(
        run_id=run_id,
        key="return_value",
        dag_ids=dag_id,
        task_ids=task_id,
        map_indexes=-1,
        limit=1,
    )
    row = session.scalars(query).first()
    return None if row is None else XComModel.deserialize_value(row)


def _artifacts_root() -> str:
    from process_report.tasks.common import load_settings  # the tasks' own reading of it

    try:
        return load_settings().artifacts_root
    except AirflowFailException as exc:
        log.warning("Report viewer: the settings variable is not usable: %s", exc)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The process_report_settings variable is missing or invalid; see the "
            "resolve_window task's log.",
        ) from None


def _listed(files: RunFiles, subfolder: str, name: str) -> None:
    if name not in files.sizes(subfolder):
        raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)


def _read(reader: Any) -> Any:
    """`reader()`, with a file that vanished or became a link in between as a 404."""
    try:
        return reader()
    except OSError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND) from None


def _download(files: RunFiles, path: str, filename: str, mime: str) -> StreamingResponse:
    gunzip = path.startswith(EXTRACTS) and path.endswith(".gz")
    _read(lambda: files.open(path).close())  # refused before the answer starts
    return StreamingResponse(
        chunks(files, path, gunzip=gunzip),
        media_type=mime,
        headers={
            **_headers(FILE_POLICY),
            "Content-Disposition": _disposition(filename),
        },
    )


def _disposition(filename: str) -> str:
    """A download's name; it comes from the folder's listing, quoted all the same (a
    quote or a line break in a name must not end the header)."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _report(files: RunFiles) -> str | None:
    try:
        return files.read_bytes(REPORT).decode("utf-8", "replace")
    except OSError:
        return None


def _body(files: RunFiles) -> str | None:
    """The archived report's body, shown in the page itself (one scroll, the width of
    the tab): it is our own rendering, every value escaped, and the page's policy runs
    no script whatever it holds. Its links open a new tab (the page's <base>)."""
    html = _report(files)
    if html is None:
        return None
    opening = html.find("<body")
    start = html.find(">", opening) + 1 if opening >= 0 else 0
    end = html.rfind("</body>")
    return html[start : end if end >= start else len(html)]


def _kib(sizes: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"name": name, "kib": max(1, round(size / 1024)), "logs": name not in REPORT_ONLY}
        for name, size in sorted(sizes.items())
    ]


def _page(template: str, status_code: int = status.HTTP_200_OK, **context: Any) -> HTMLResponse:
    html = template_environment().get_template(template).render(dag_id=DAG_ID, **context)
    return HTMLResponse(html, status_code, headers=_headers(PAGE_POLICY))


def _headers(policy: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, no-store",
    }


def _wants_html(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")
