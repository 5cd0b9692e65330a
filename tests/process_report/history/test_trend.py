from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from process_report.history.trend import fetch_trend_rows, trend_of
from process_report.processes import categorize, fetch_process_rows
from process_report.window import report_windows, resolve_window
from tests.support.factories import insert_client, insert_process, insert_statuses

# 7 windows over the end of summer time in Paris (25 October 2026): one lasts 25 hours
WINDOW = resolve_window(timezone="Europe/Paris", window_end="2026-10-28T08:00:00+01:00")
WINDOWS = report_windows(WINDOW, 7)
DAYS = [day for day, _, _ in WINDOWS]


def in_window(days_back: int, hours: float = 2) -> datetime:
    """An instant `hours` into the window `days_back` days before the report window."""
    return WINDOWS[6 - days_back][1] + timedelta(hours=hours)


@pytest.fixture
def week(process_db):
    insert_statuses(process_db)
    acme = insert_client(process_db, "Acme", "acme-key")
    beta = insert_client(process_db, "Beta", "beta-key")
    test = insert_client(process_db, "Test account", "skip-me")
    admin = insert_client(process_db, "Admin", "admin-key", role_id=1)
    for back in (0, 1, 2, 4):  # Acme fails today and the two days before, and once earlier
        insert_process(process_db, acme, "Failed", in_window(back), stop=in_window(back, 3))
    insert_process(process_db, acme, "Failed", in_window(0), stop=in_window(0, 4))
    insert_process(process_db, beta, "Failed", in_window(5), stop=in_window(5, 1))
    for back in range(7):
        insert_process(process_db, beta, "Finished", in_window(back), stop=in_window(back, 1))
    # finished after its window ended: running in that window, finished in the next
    insert_process(process_db, beta, "Finished", in_window(3, 20), stop=in_window(2, 5))
    insert_process(process_db, beta, "Running", in_window(0), ping=in_window(0, 5))
    insert_process(process_db, test, "Failed", in_window(0), stop=in_window(0, 1))
    insert_process(process_db, admin, "Failed", in_window(0), stop=in_window(0, 1))
    return process_db


def test_report_windows_are_consecutive_days_ending_at_the_report_window():
    assert [date(2026, 10, 21) + timedelta(days=n) for n in range(7)] == DAYS
    assert WINDOWS[-1][1:] == (WINDOW.start, WINDOW.end)
    assert all(WINDOWS[n][2] == WINDOWS[n + 1][1] for n in range(6))
    hours = [(end - start) / timedelta(hours=1) for _, start, end in WINDOWS]
    assert hours == [24, 24, 24, 25, 24, 24, 24]


def test_one_query_counts_each_day_per_category_and_client(week):
    rows = fetch_trend_rows(week, WINDOWS, "UTC", {"skip-me"})
    trend = trend_of(rows, DAYS)
    assert trend["days"][0] == "2026-10-21"
    assert trend["days"][-1] == "2026-10-27"
    assert trend["overall"] == {
        "finished": [1, 1, 1, 1, 2, 1, 1],
        "failed": [0, 1, 1, 0, 1, 1, 2],
        "running": [0, 0, 0, 1, 0, 0, 1],
    }
    assert trend["clients"] == [
        {"client": "Acme", "failed": [0, 0, 1, 0, 1, 1, 2], "streak": 3},
        {"client": "Beta", "failed": [0, 1, 0, 0, 0, 0, 0], "streak": 0},
    ]
    assert trend["more_clients"] == 0


def test_the_trend_of_the_report_day_matches_the_reports_own_counts(week):
    trend = trend_of(fetch_trend_rows(week, WINDOWS, "UTC", {"skip-me"}), DAYS)
    for back in range(7):
        _, start, end = WINDOWS[6 - back]
        rows = fetch_process_rows(week, start, end, "UTC")
        counts = categorize(
            rows, window_end=end, hung_after_minutes=60, skip_api_keys=frozenset({"skip-me"})
        ).counts
        for category in ("finished", "failed", "running"):
            assert trend["overall"][category][6 - back] == counts[category], (back, category)


def test_clients_are_worst_first_and_bounded_with_a_count_of_the_rest():
    def rows(client: str, per_day: list[int]) -> list[dict]:
        return [
            {"window_number": n + 1, "client_id": 1, "client_name": client,
             "category": "failed", "processes": count}
            for n, count in enumerate(per_day) if count
        ]  # fmt: skip

    all_rows = (
        rows("many-once", [0, 0, 0, 9, 0, 0, 0])
        + rows("streak-two", [0, 0, 0, 0, 0, 1, 1])
        + rows("streak-three", [0, 0, 0, 0, 1, 1, 1])
        + rows(" ", [0, 0, 0, 0, 0, 0, 1])
        + rows("few-once", [1, 0, 0, 0, 0, 0, 0])
    )
    trend = trend_of(all_rows, DAYS, max_clients=3)
    assert [c["client"] for c in trend["clients"]] == [
        "streak-three",
        "streak-two",
        "(client #1 has no name)",
    ]
    assert trend["more_clients"] == 2
    assert trend["overall"]["failed"] == [1, 0, 0, 9, 1, 2, 3]


def test_an_empty_week_is_all_zeros():
    trend = trend_of([], DAYS)
    assert trend["overall"]["failed"] == [0] * 7
    assert trend["clients"] == []
    assert trend["days"] == [d.isoformat() for d in DAYS]
    assert datetime.fromisoformat(trend["days"][0] + "T00:00:00+00:00") < datetime.now(UTC)
