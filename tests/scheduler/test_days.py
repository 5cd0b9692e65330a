"""The days the scheduler tests expect, checked without a cluster: which run unpausing
creates, how each day's report is recognised, and that the README's example days can
be run as written next to the scheduler's own run."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.scheduler.conftest import (
    TZ,
    expected_window_line,
    finished_on,
    latest_scheduled_day,
    option,
    readme_command,
)


def test_latest_scheduled_day_is_the_day_before_the_last_0800_passed_in_the_report_timezone():
    assert latest_scheduled_day(datetime(2026, 11, 27, 8, 0, tzinfo=TZ)) == date(2026, 11, 26)
    assert latest_scheduled_day(datetime(2026, 11, 27, 7, 59, tzinfo=TZ)) == date(2026, 11, 25)
    # 07:30 UTC is 08:30 in Paris in winter: the 27th's run is due.
    utc = datetime.fromisoformat("2026-11-27T07:30:00+00:00")
    assert latest_scheduled_day(utc) == date(2026, 11, 26)


def test_any_three_days_in_a_row_have_different_report_counts():
    day = date(2026, 11, 1)
    for n in range(60):
        counts = {finished_on(day + timedelta(days=n + k)) for k in range(3)}
        assert len(counts) == 3


def test_window_line_names_the_zone_of_each_end_across_a_dst_change():
    assert expected_window_line(date(2026, 10, 24)) == (
        "Window 2026-10-24 08:00 CEST -> 2026-10-25 08:00 CET"
    )


def test_readme_days_precede_any_day_the_scheduler_can_still_create():
    """The scheduler tests run the README's backfill and clear as written, beside the
    run that unpausing creates (report day 2026-11-26 or later since 2026-11-27)."""
    backfill = readme_command("airflow backfill create")
    clear = readme_command("airflow tasks clear", having="-t")
    last = datetime.fromisoformat(option(backfill, "--to-date")).date()
    first = datetime.fromisoformat(option(backfill, "--from-date")).date()
    assert (last - first).days == 2  # three days, as the issue asks
    assert last < date(2026, 11, 26)
    assert first <= datetime.fromisoformat(option(clear, "-s")).date() <= last
    assert option(clear, "-s") == option(clear, "-e")
