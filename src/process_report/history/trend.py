"""The 7-day trend: finished, failed and running per report day, and per client the
failed count per day with its streak of failing days, from one counting query.

Counts come from the database, not from the archive, so the trend is right on the first
run and on a backfill. The query (include/sql/trend_counts.sql) returns one row per
window, client and category; `trend_of` shapes them for the report, keeping the worst
clients (a bounded list: a bad day can have hundreds of failing clients).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from process_report.paths import sql_path
from process_report.processes import CLIENT_ROLE_ID, FAILED, FINISHED, RUNNING

TREND_DAYS = 7
TREND_FILE = "trend.json"
MAX_CLIENTS = 50


def fetch_trend_rows(
    conn: Any,
    windows: Sequence[tuple[date, datetime, datetime]],
    db_timezone: str,
    skip_api_keys: Iterable[str],
) -> list[dict[str, Any]]:
    """Run the trend query over `windows` (report_windows) on a DB-API connection."""
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('TimeZone', %(tz)s, true)", {"tz": db_timezone})
        cur.execute(
            sql_path("trend_counts.sql").read_text(encoding="utf-8"),
            {
                "starts": [start for _, start, _ in windows],
                "ends": [end for _, _, end in windows],
                "client_role_id": CLIENT_ROLE_ID,
                "skip_api_keys": sorted(skip_api_keys),
            },
        )
        names = [col[0] for col in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    conn.rollback()  # read-only; end the transaction so the session setting goes too
    return rows


def trend_of(
    rows: Iterable[Mapping[str, Any]], days: Sequence[date], *, max_clients: int = MAX_CLIENTS
) -> dict[str, Any]:
    """The trend the report draws: `days` oldest first, the overall counts per day, and
    the clients with a failure on any day, worst first (the longest streak of failing
    days up to today, then the most failures), at most `max_clients` of them."""
    width = len(days)
    overall = {category: [0] * width for category in (FINISHED, FAILED, RUNNING)}
    failed: defaultdict[str, list[int]] = defaultdict(lambda: [0] * width)
    for row in rows:
        index, category = row["window_number"] - 1, row["category"]
        if category in overall:
            overall[category][index] += row["processes"]
        if category == FAILED:
            failed[_client_name(row)][index] += row["processes"]
    clients = [
        {"client": client, "failed": per_day, "streak": _streak(per_day)}
        for client, per_day in failed.items()
    ]
    clients.sort(key=lambda c: (-c["streak"], -sum(c["failed"]), c["client"]))
    return {
        "days": [day.isoformat() for day in days],
        "overall": overall,
        "clients": clients[:max_clients],
        "more_clients": max(len(clients) - max_clients, 0),
    }


def _client_name(row: Mapping[str, Any]) -> str:
    """The client's name as the report shows it (processes.categorize)."""
    name = row["client_name"]
    if not name or not str(name).strip():
        return f"(client #{row['client_id']} has no name)"
    return str(name).strip()


def _streak(per_day: Sequence[int]) -> int:
    """Days in a row, up to the last one, with at least one failure."""
    streak = 0
    for count in reversed(per_day):
        if not count:
            break
        streak += 1
    return streak
