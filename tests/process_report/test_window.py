from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest

from process_report.window import Window, WindowError, report_time_label, resolve_window

PARIS = ZoneInfo("Europe/Paris")


def test_data_interval_is_the_window_and_names_the_report_day():
    window = resolve_window(
        timezone="Europe/Paris",
        data_interval_start=datetime(2026, 11, 26, 8, tzinfo=PARIS),
        data_interval_end=datetime(2026, 11, 27, 8, tzinfo=PARIS),
        run_after=datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC),
    )
    assert (window.start, window.end) == (
        datetime(2026, 11, 26, 7, tzinfo=UTC),
        datetime(2026, 11, 27, 7, tzinfo=UTC),
    )
    assert window.previous_start == datetime(2026, 11, 25, 7, tzinfo=UTC)
    assert window.report_day == date(2026, 11, 26)
    assert window.source == "data_interval"


def test_pendulum_instants_from_airflow_keep_their_offset_through_xcom():
    window = resolve_window(
        timezone="UTC",
        data_interval_start=pendulum.datetime(2026, 11, 26, 8, tz="UTC"),
        data_interval_end=pendulum.datetime(2026, 11, 27, 8, tz="UTC"),
    )
    assert window.to_dict()["start"] == "2026-11-26T08:00:00+00:00"
    assert Window.from_dict(window.to_dict()) == window


def test_manual_run_without_logical_date_ends_at_latest_report_time_before_run_after():
    window = resolve_window(
        timezone="Europe/Paris", run_after=datetime(2026, 11, 27, 6, 59, tzinfo=UTC)
    )  # 07:59 Paris
    assert window.end == datetime(2026, 11, 26, 7, tzinfo=UTC)
    assert window.start == datetime(2026, 11, 25, 7, tzinfo=UTC)
    assert window.source == "run_after"


def test_manual_run_exactly_at_report_time_includes_that_window():
    window = resolve_window(timezone="UTC", run_after=datetime(2026, 11, 27, 8, tzinfo=UTC))
    assert window.end == datetime(2026, 11, 27, 8, tzinfo=UTC)


def test_zero_length_data_interval_falls_back_to_run_after():
    instant = datetime(2026, 11, 27, 8, tzinfo=UTC)
    window = resolve_window(
        timezone="UTC",
        data_interval_start=instant,
        data_interval_end=instant,
        run_after=instant + timedelta(hours=1),
    )
    assert window.source == "run_after"
    assert window.end - window.start == timedelta(hours=24)


def test_window_end_param_overrides_everything():
    window = resolve_window(
        timezone="Europe/Paris",
        data_interval_start=datetime(2026, 11, 26, 7, tzinfo=UTC),
        data_interval_end=datetime(2026, 11, 27, 7, tzinfo=UTC),
        window_end="2026-10-01T08:00:00+02:00",
    )
    assert window.end == datetime(2026, 10, 1, 6, tzinfo=UTC)
    assert window.report_day == date(2026, 9, 30)
    assert window.source == "window_end param"


def test_window_end_without_offset_is_read_in_report_timezone():
    window = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00")
    assert window.end == datetime(2026, 11, 27, 7, tzinfo=UTC)


def test_windows_across_dst_changes_are_23_and_25_hours():
    spring = resolve_window(timezone="Europe/Paris", window_end="2026-03-29T08:00")
    autumn = resolve_window(timezone="Europe/Paris", window_end="2026-10-25T08:00")
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T08:00"])
def test_unparseable_window_end_names_the_param_and_the_form(bad):
    with pytest.raises(WindowError, match="window_end: expected an ISO-8601"):
        resolve_window(timezone="UTC", window_end=bad)


def test_no_interval_and_no_run_after_asks_for_report_day():
    with pytest.raises(WindowError, match="pass the report_day Param"):
        resolve_window(timezone="UTC")


@pytest.mark.parametrize(
    "end",
    [
        "0001-01-01T08:00:00+01:00",  # was "year 0 is out of range", retried
        "0001-01-02",
        "1969-12-31T08:00:00Z",
        "9999-12-31T08:00:00-05:00",
        "9999-12-31T23:59:59",
        "3000-01-01T08:00:00Z",
    ],
)
@pytest.mark.parametrize("timezone", ["Europe/Paris", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_window_end_beyond_the_representable_range_is_a_window_error_naming_the_param(
    end, timezone
):
    with pytest.raises(WindowError, match=r"window_end: '.+' is outside the range"):
        resolve_window(timezone=timezone, window_end=end)


def test_window_end_at_the_edges_of_the_range_gives_a_window():
    assert resolve_window(timezone="UTC", window_end="1970-01-03T08:00:00Z").end.year == 1970
    assert resolve_window(timezone="UTC", window_end="2999-12-31T08:00:00Z").end.year == 2999


def test_window_end_errors_show_the_value_clipped():
    with pytest.raises(WindowError) as caught:
        resolve_window(timezone="UTC", window_end="not a date " + "x" * 500)
    assert "x" * 50 not in str(caught.value)


def test_report_day_is_that_days_0800_to_the_next_days_0800_in_the_report_timezone():
    window = resolve_window(
        timezone="Europe/Paris",
        report_day="2026-11-26",
        # a logical date or run_after of another day does not move a picked day
        data_interval_start=datetime(2026, 12, 5, 7, tzinfo=UTC),
        data_interval_end=datetime(2026, 12, 6, 7, tzinfo=UTC),
        run_after=datetime(2026, 12, 6, 20, tzinfo=UTC),
    )
    assert (window.start, window.end) == (
        datetime(2026, 11, 26, 8, tzinfo=PARIS),
        datetime(2026, 11, 27, 8, tzinfo=PARIS),
    )
    assert window.report_day == date(2026, 11, 26)  # one meaning: the subject's day
    assert window.source == "report_day param"


def test_report_day_over_the_autumn_dst_change_is_25_hours():
    window = resolve_window(timezone="Europe/Paris", report_day=date(2026, 10, 24))
    assert window.end - window.start == timedelta(hours=25)
    assert window.report_day == date(2026, 10, 24)


@pytest.mark.parametrize("bad", ["26/11/2026", "2026-11-26T08:00", "tomorrow"])
def test_unparseable_report_day_names_the_param_and_the_form(bad):
    with pytest.raises(WindowError, match="report_day: expected a date such as 2026-11-26"):
        resolve_window(timezone="Europe/Paris", report_day=bad)


def test_window_end_at_midnight_from_a_date_time_picker_is_refused_naming_report_day():
    """The trigger form's date-time picker sets 00:00 when a day is picked: picking
    2026-11-27 sent 2026-11-26T23:00Z, which made a 16-hour "daily" report."""
    with pytest.raises(WindowError) as refused:
        resolve_window(timezone="Europe/Paris", window_end="2026-11-26T23:00:00.000Z")
    message = str(refused.value)
    assert "window_end 2026-11-27 00:00 Europe/Paris is not at the report time 08:00" in message
    assert "set report_day instead (e.g. 2026-11-26 for the window 2026-11-26 08:00" in message


@pytest.mark.parametrize("end", ["2026-11-27T08:00:01", "2026-11-27T07:00", "2026-11-27T08:00Z"])
def test_window_end_off_the_local_report_time_is_refused(end):
    with pytest.raises(WindowError, match="is not at the report time 08:00 Europe/Paris"):
        resolve_window(timezone="Europe/Paris", window_end=end)


def test_report_day_and_window_end_together_are_refused():
    with pytest.raises(WindowError, match="report_day and window_end are both set"):
        resolve_window(
            timezone="UTC", report_day="2026-11-26", window_end="2026-11-27T08:00:00+00:00"
        )


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("data_interval", "window from the schedule"),
        ("run_after", "latest full day before a run started by hand"),
        ("report_day param", "window chosen by hand"),
        ("window_end param", "window chosen by hand"),
    ],
)
def test_source_is_named_in_recipients_words_without_airflow_terms(source, words):
    window = Window(
        datetime(2026, 11, 26, 7, tzinfo=UTC),
        datetime(2026, 11, 27, 7, tzinfo=UTC),
        datetime(2026, 11, 25, 7, tzinfo=UTC),
        "Europe/Paris",
        source,
    )
    assert window.source_words == words
    for term in ("param", "data_interval", "run_after", "window_end", "logical"):
        assert term not in window.source_words


def test_local_span_names_the_zone_not_utc_offsets():
    window = resolve_window(timezone="Europe/Paris", report_day="2026-11-26")
    assert window.local_span() == "2026-11-26 08:00 -> 2026-11-27 08:00 Europe/Paris"


def test_local_span_across_a_dst_change_names_each_ends_abbreviation():
    window = resolve_window(timezone="Europe/Paris", report_day="2026-10-24")
    assert window.local_span() == ("2026-10-24 08:00 CEST -> 2026-10-25 08:00 CET (Europe/Paris)")


def test_report_time_label_names_the_local_time_and_zone():
    assert report_time_label("Europe/Paris") == "08:00 Europe/Paris"
