"""The report viewer: a run's archived report, failure-log extracts and attachments,
served by Airflow's API server to signed-in Airflow users who may read this DAG.

`plugins/process_report_viewer.py` mounts `app` at `links.VIEWER_PREFIX` and shows it as
a tab of each DAG run's page; the email links here (`links.RunLinks`). Airflow does not
protect a plugin's FastAPI app, so every route depends on Airflow's own
`requires_access_dag` (the JWT of the `Authorization` header or of the UI's session
cookie, checked by the configured auth manager): reading the report needs read access
to the DAG's runs, reading an extract read access to its task logs. A browser that is
not signed in is sent to Airflow's login page and comes back.

Nothing is read from a path the request names. The run's folder is found from the DAG
run: its report day from the window `resolve_window` left in XCom, the artifacts root
from the settings, and `artifacts.run_folder`; the settings snapshot `run_context`
keeps there proves it is that run's folder. A file name in a URL is then only a key
into the listing of the folder's `attachments/` or `failure_logs/`, which leaves out
symbolic links: `..`, absolute or encoded paths and links never reach other files.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from airflow.models.xcom import XComModel
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from process_report import artifacts
from process_report.links import DAG_ID, RUN_PATH, VIEWER_PREFIX, RunLinks
from process_report.report_context import local_time
from process_report.report_templates import template_environment
from process_report.run_context import SETTINGS_FILE
from process_report.window import Window

log = logging.getLogger(__name__)

WINDOW_TASK = "resolve_window"
EXTRACTS, ATTACHMENTS, REPORT = "failure_logs", "attachments", "report.html"
CHUNK_BYTES = 1024 * 1024
# Only inline styles and same-origin framing (the Airflow UI's tab); the archived report
# and the served files may not run anything, whatever they contain.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
REPORT_POLICY = PAGE_POLICY + "; sandbox allow-popups allow-popups-to-escape-sandbox"
FILE_POLICY = "default-src 'none'; frame-ancestors 'self'; sandbox"
_MIME = {".csv": "text/csv", ".zip": "application/zip", ".html": "text/html"}

app = FastAPI(
    title="Process report viewer",
    description="Archived daily process reports, their failure logs and attachments.",
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)
_READ_RUN = [Depends(requires_access_dag("GET", DagAccessEntity.RUN))]
_READ_LOGS = [Depends(requires_access_dag("GET", DagAccessEntity.TASK_LOGS))]


@dataclass(frozen=True)
class RunArchive:
    """One run's folder in the artifacts root and the window it reported on."""

    folder: ObjectStoragePath
    window: Window

    def files(self, subfolder: str) -> dict[str, ObjectStoragePath]:
        """The regular files directly in `subfolder`, by name; symbolic links (and a
        subfolder that is one) are left out, so nothing outside the folder is reachable."""
        base = self.folder / subfolder
        if base.is_symlink() or not base.is_dir():
            return {}
        return {p.name: p for p in base.iterdir() if not p.is_symlink() and p.is_file()}


@app.get(RUN_PATH, response_class=HTMLResponse, dependencies=_READ_RUN)
def run_page(dag_id: str, run_id: str, request: Request, session: SessionDep, user: GetUserDep):
    """The run's page: links to Airflow and to every file, and the report as emailed."""
    archive = run_archive(dag_id, run_id, session)
    report = archive.folder / REPORT
    html = (
        template_environment()
        .get_template("viewer.html.j2")
        .render(
            dag_id=dag_id,
            run_id=run_id,
            report_day=archive.window.report_day.isoformat(),
            window_start=local_time(archive.window.start, ZoneInfo(archive.window.timezone)),
            window_end=local_time(archive.window.end, ZoneInfo(archive.window.timezone)),
            links=RunLinks(site_root(request), dag_id, run_id),
            report_html=_framed(report.read_text(encoding="utf-8")) if report.is_file() else None,
            attachments=_sizes(archive.files(ATTACHMENTS)),
            extracts=_sizes(archive.files(EXTRACTS)),
        )
    )
    log.info("Report viewer: %s opened the page of run %s", user.get_name(), run_id)
    return HTMLResponse(html, headers=_headers(PAGE_POLICY))


@app.get(RUN_PATH + "report", response_class=HTMLResponse, dependencies=_READ_RUN)
def archived_report(dag_id: str, run_id: str, session: SessionDep, user: GetUserDep):
    """The HTML report exactly as the email showed it."""
    report = run_archive(dag_id, run_id, session).folder / REPORT
    if not report.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This run has not composed its report yet.")
    log.info("Report viewer: %s opened the report of run %s", user.get_name(), run_id)
    return HTMLResponse(report.read_text(encoding="utf-8"), headers=_headers(REPORT_POLICY))


@app.get(RUN_PATH + "extracts/{name}", dependencies=_READ_LOGS)
def extract(dag_id: str, run_id: str, name: str, session: SessionDep, user: GetUserDep):
    """A failure's full redacted log extract, as text (stored gzipped when large)."""
    path = _listed(run_archive(dag_id, run_id, session), EXTRACTS, name)
    log.info("Report viewer: %s opened extract %s of run %s", user.get_name(), name, run_id)
    return StreamingResponse(
        _chunks(path, gunzip=name.endswith(".gz")),
        media_type="text/plain; charset=utf-8",
        headers=_headers(FILE_POLICY),
    )


@app.get(RUN_PATH + "files/{name}", dependencies=_READ_RUN)
def attachment(dag_id: str, run_id: str, name: str, session: SessionDep, user: GetUserDep):
    """A file as it was attached to the email (CSV, full report, extracts' zip)."""
    path = _listed(run_archive(dag_id, run_id, session), ATTACHMENTS, name)
    log.info("Report viewer: %s downloaded %s of run %s", user.get_name(), name, run_id)
    return StreamingResponse(
        _chunks(path),
        media_type=_MIME.get(path.suffix, "application/octet-stream"),
        headers={
            **_headers(FILE_POLICY),
            "Content-Disposition": f'attachment; filename="{path.name}"',
        },
    )


@app.exception_handler(StarletteHTTPException)
async def signed_out_to_login(request: Request, exc: StarletteHTTPException) -> Response:
    """A browser without a valid session goes to Airflow's login page and returns here;
    anything else (an API client, a refused user) gets the error itself."""
    if exc.status_code == status.HTTP_401_UNAUTHORIZED and _wants_html(request):
        from airflow.api_fastapi.app import get_auth_manager

        login = get_auth_manager().get_url_login(next_url=str(request.url))
        return RedirectResponse(site_root(request) + login, status.HTTP_303_SEE_OTHER)
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
    window = _run_window(dag_id, run_id, session)
    folder = artifacts.run_folder(
        _artifacts_root(), window.report_day.isoformat(), run_id, create=False
    )
    if not (folder / SETTINGS_FILE).is_file():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "This run's folder is not under the settings' artifacts_root (was it changed?).",
        )
    return RunArchive(folder, window)


def site_root(request: Request) -> str:
    """The address of Airflow as this request reached it, without the viewer's prefix."""
    return str(request.base_url).rstrip("/").removesuffix(VIEWER_PREFIX)


def _run_window(dag_id: str, run_id: str, session: Any) -> Window:
    query = XComModel.get_many(
        run_id=run_id,
        key="return_value",
        dag_ids=dag_id,
        task_ids=WINDOW_TASK,
        map_indexes=-1,
        limit=1,
    )
    row = session.scalars(query).first()
    if row is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"No such run, or it has no report yet ({WINDOW_TASK} has not run).",
        )
    return Window.from_dict(XComModel.deserialize_value(row)["window"])


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


def _listed(archive: RunArchive, subfolder: str, name: str) -> ObjectStoragePath:
    found = archive.files(subfolder).get(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such file in this run's archive.")
    return found


def _chunks(path: ObjectStoragePath, gunzip: bool = False) -> Iterator[bytes]:
    """The file's bytes in bounded chunks (an extract can be large)."""
    with path.open("rb") as raw, gzip.open(raw) if gunzip else raw as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def _sizes(files: dict[str, ObjectStoragePath]) -> list[dict[str, Any]]:
    return [
        {"name": name, "kib": max(1, round(path.stat().st_size / 1024))}
        for name, path in sorted(files.items())
    ]


def _framed(report_html: str) -> str:
    """The archived report for the page's sandboxed frame: its links open a new tab
    (OneDrive and the viewer's own pages refuse to be framed)."""
    return report_html.replace("<head>", '<head><base target="_blank">', 1)


def _headers(policy: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, no-store",
    }


def _wants_html(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")
