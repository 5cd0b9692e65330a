"""The report viewer in Airflow: its FastAPI app on the API server and a "Process report"
tab on each DAG run's page. The viewer itself is `process_report.viewer` (routes,
Airflow's authorization) and `process_report.links` (its addresses).

Airflow imports this file in every component and at every task start, so the FastAPI
app is imported only when the API server asks for it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

from process_report.links import EXTERNAL_VIEW, VIEWER_PREFIX


class ProcessReportViewerPlugin(AirflowPlugin):
    name = "process_report_viewer"
    external_views: ClassVar[list[dict[str, Any]]] = [EXTERNAL_VIEW]

    @property
    def fastapi_apps(self) -> list[dict[str, Any]]:
        from process_report.viewer import app

        return [{"app": app, "url_prefix": VIEWER_PREFIX, "name": "Process report viewer"}]
