"""The web addresses of one run: its page in the Airflow UI and its report viewer.

The email links to both, and the viewer (`process_report.viewer`, served by the plugin
in `plugins/`) answers at exactly these paths, so both sides build them here. Airflow's
UI and API share one origin, `[api] base_url`; without it a task cannot know the
address people reach Airflow at, and the email has no links (the extracts are still
attached).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

DAG_ID = "client_process_daily_report"
"""The DAG whose runs the email and the viewer are about."""
VIEWER_PREFIX = "/process-report"
"""Where the plugin mounts the viewer's FastAPI app on the API server."""
RUN_PATH = "/dags/{dag_id}/runs/{run_id}/"
"""The viewer's page of one run, below VIEWER_PREFIX; `report`, `extracts/{name}` and
`files/{name}` below that."""
EXTERNAL_VIEW = {
    "name": "Process report",
    # The UI fills in the run's ids (URL-encoded) and resolves the address against its
    # base URL, so no leading slash: it works under a path prefix too.
    "href": VIEWER_PREFIX.lstrip("/") + RUN_PATH.format(dag_id="{DAG_ID}", run_id="{RUN_ID}"),
    "destination": "dag_run",
    "url_route": "process-report",
}
"""The tab on a DAG run's page in the Airflow UI that shows the viewer."""


@dataclass(frozen=True)
class RunLinks:
    """Addresses of one DAG run, from Airflow's `[api] base_url`."""

    base_url: str
    dag_id: str
    run_id: str

    @property
    def run(self) -> str:
        """The run's page in the Airflow UI (grid, tasks, logs)."""
        return f"{self._base}/dags/{_segment(self.dag_id)}/runs/{_segment(self.run_id)}"

    @property
    def viewer(self) -> str:
        """The viewer's page of the run: the archived report, extracts and attachments."""
        path = RUN_PATH.format(dag_id=_segment(self.dag_id), run_id=_segment(self.run_id))
        return f"{self._base}{VIEWER_PREFIX}{path}"

    @property
    def report(self) -> str:
        """The archived HTML report as the email showed it."""
        return f"{self.viewer}report"

    def extract(self, name: str) -> str:
        """A failure's full redacted log extract, by its file name (`{uuid}.log[.gz]`)."""
        return f"{self.viewer}extracts/{_segment(name)}"

    def attachment(self, name: str) -> str:
        """A file sent with the email (the CSV, the full report, the extracts' zip)."""
        return f"{self.viewer}files/{_segment(name)}"

    @property
    def _base(self) -> str:
        return self.base_url.rstrip("/")


def run_links(base_url: str | None, dag_id: str, run_id: str) -> RunLinks | None:
    """The run's links, or None when Airflow's base URL is not configured."""
    if not base_url or not base_url.strip():
        return None
    return RunLinks(base_url.strip(), dag_id, run_id)


def _segment(value: str) -> str:
    """One path segment: run ids hold ':' and '+', which must not be read as a scheme
    or a space; the UI encodes them the same way (encodeURIComponent)."""
    return quote(value, safe="")
