"""resolve_window: bad settings and Params fail unretried, naming the key; the run's
context fixes the settings for the whole run and holds no secret."""

from __future__ import annotations

import json
import logging

import pytest
from airflow.sdk.exceptions import AirflowFailException

from process_report.run_context import RunContext
from process_report.tasks import resolve_window as task
from tests.process_report.tasks.runs import DAY_END, SETTINGS, resolve


def test_invalid_settings_fail_without_retry_naming_the_key(settings_variable):
    settings_variable({**SETTINGS, "hung_after_minutes": -5})
    with pytest.raises(AirflowFailException, match="hung_after_minutes: expected a positive"):
        resolve()


def test_bad_recipients_param_fails_without_retry(settings_variable):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match=r"recipients param\[0\]: 'not-an-address'"):
        resolve({"recipients": ["not-an-address"]})


@pytest.mark.parametrize("entry", ["ops@[example.com", "a,b@c.co"])
def test_recipients_param_the_send_could_not_use_fails_at_the_first_task(settings_variable, entry):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match=r"recipients param\[1\]: .* is not one email"):
        resolve({"recipients": ["lead@example.com", entry]})


@pytest.mark.parametrize("end", ["0001-01-01T08:00:00+01:00", "9999-12-31T08:00:00-05:00"])
def test_window_end_beyond_the_representable_range_fails_at_the_first_task(settings_variable, end):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match=r"window_end: .* is outside the range"):
        resolve({"window_end": end})


def test_bad_window_end_param_fails_without_retry(settings_variable):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match="window_end: expected an ISO-8601"):
        resolve({"window_end": "tomorrow"})


def test_schedule_parsed_in_another_timezone_is_noted_for_the_report(settings_variable):
    settings_variable(SETTINGS)
    assert resolve()["notes"] == []
    notes = resolve(schedule_timezone="UTC")["notes"]
    assert len(notes) == 1
    assert "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS" in notes[0]


def test_settings_edited_mid_run_do_not_reach_later_tasks_of_that_run(settings_variable):
    settings_variable(SETTINGS)
    run = resolve()
    settings_variable({**SETTINGS, "onedrive_root": "Elsewhere", "hung_after_minutes": 5})
    kept = RunContext.from_xcom(run).settings
    assert kept.onedrive_root == "Videos"
    assert kept.hung_after_minutes == 60


def test_run_context_in_xcom_holds_no_skip_listed_api_key(settings_variable):
    settings_variable({**SETTINGS, "skip_api_keys": ["test-key-9f8e7d"]})
    run = resolve({"recipients": ["other@example.com"], "dry_run": True})
    assert "test-key-9f8e7d" not in json.dumps(run)
    context = RunContext.from_xcom(run)
    assert context.settings.skip_api_keys == frozenset({"test-key-9f8e7d"})
    assert context.recipients == ("other@example.com",)
    assert context.dry_run is True


@pytest.mark.parametrize(
    "params", [{"window_end": "2026-11-20T08:00:00+01:00"}, {"report_day": "2026-11-19"}]
)
def test_a_chosen_day_on_a_backfill_run_is_refused_without_retry(settings_variable, params):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match="refused on backfill runs"):
        task.resolve_window_task(
            params=params,
            schedule_timezone="Europe/Paris",
            data_interval_start=DAY_END.replace(day=26),
            data_interval_end=DAY_END,
            run_after=DAY_END,
            run_id="backfill__2026-11-27T07:00:00+00:00",
            run_type="backfill",
        )


def test_report_day_param_picks_the_day_whatever_the_runs_own_window(settings_variable):
    settings_variable(SETTINGS)
    window = RunContext.from_xcom(resolve({"report_day": "2026-11-20"})).window
    assert window.report_day.isoformat() == "2026-11-20"
    assert window.local_span() == "2026-11-20 08:00 -> 2026-11-21 08:00 Europe/Paris"


def test_window_end_off_the_report_time_fails_without_retry_naming_report_day(settings_variable):
    settings_variable(SETTINGS)
    with pytest.raises(AirflowFailException, match="set report_day instead"):
        resolve({"window_end": "2026-11-26T23:00:00.000Z"})  # the picker's 00:00 Paris


def test_log_says_the_window_in_local_time_with_the_zones_name(settings_variable, caplog):
    settings_variable(SETTINGS)
    with caplog.at_level(logging.INFO, logger=task.__name__):
        resolve({"dry_run": True})
    (line,) = [r.getMessage() for r in caplog.records if r.name == task.__name__]
    assert line.startswith(
        "Report day 2026-11-26: window 2026-11-26 08:00 -> 2026-11-27 08:00 Europe/Paris "
        "(window from the schedule); 1 recipient(s), dry run; run folder "
    )
    assert "+00:00" not in line
    assert "+01:00" not in line
