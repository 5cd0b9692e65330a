"""Task `resolve_window`: validate the settings and the run's Params, fix the
window, start the run's context (which every later task reads instead of the variable)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from process_report.run_context import RunContext
from process_report.settings import SettingsError, parse_recipients
from process_report.tasks.common import load_settings
from process_report.window import WindowError, report_time_label, resolve_window

log = logging.getLogger(__name__)


def resolve_window_task(
    *,
    params: Mapping[str, Any],
    schedule_timezone: str,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    run_after: datetime | None,
    run_id: str,
    run_type: str = "manual",
) -> dict[str, Any]:
    """Validate the settings and the run's Params, fix the run's window, and start the
    run's context, which every later task reads instead of the variable."""
    settings = load_settings()
    chosen = [name for name in ("report_day", "window_end") if params.get(name)]
    if chosen and "backfill" in run_type:
        raise AirflowFailException(
            f"{chosen[0]} is refused on backfill runs: it would give every backfilled day "
            f"the same window. Backfill without it; each run covers its own day."
        )
    try:
        recipients = ()
        if params.get("recipients"):
            recipients = parse_recipients(params["recipients"], "recipients param")
        window = resolve_window(
            timezone=settings.timezone,
            data_interval_start=data_interval_start,
            data_interval_end=data_interval_end,
            run_after=run_after,
            window_end=params.get("window_end"),
            report_day=params.get("report_day"),
        )
    except (SettingsError, WindowError) as exc:
        raise AirflowFailException(str(exc)) from None
    notes = []
    if window.source == "data_interval" and schedule_timezone != settings.timezone:
        notes.append(
            f"The schedule runs at {report_time_label(schedule_timezone)} but the settings "
            f"ask for {settings.timezone}: the DAG processor did not see the settings variable. "
            f"Provide it as AIRFLOW_VAR_PROCESS_REPORT_SETTINGS (see README, Configuration)."
        )
    run = RunContext.start(
        settings,
        window,
        run_id,
        recipients=recipients,
        dry_run=bool(params.get("dry_run")),
        notes=tuple(notes),
    )
    log.info(
        "Report day %s: window %s (%s); %d recipient(s)%s; run folder %s",
        window.report_day.isoformat(),
        window.local_span(),
        window.source_words,
        len(run.recipients),
        ", dry run" if run.dry_run else "",
        run.folder,
    )
    return run.to_xcom()
