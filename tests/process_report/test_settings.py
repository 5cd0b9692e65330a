from __future__ import annotations

import json

import pytest

from process_report.settings import (
    EXAMPLE,
    SettingsError,
    parse_recipients,
    parse_settings,
    read_skip_file,
    schedule_timezone,
)

MINIMAL = {"logs_dir": "/logs", "onedrive_root": "Videos", "recipients": ["ops@example.com"]}


def test_minimal_settings_take_documented_defaults():
    settings = parse_settings(json.dumps(MINIMAL), default_artifacts_root="file:///tmp/a")
    assert settings.timezone == "UTC"
    assert settings.db_timezone == "UTC"
    assert settings.hung_after_minutes == 60
    assert settings.skip_api_keys == frozenset()
    assert settings.artifacts_root == "file:///tmp/a"
    assert settings.recipients == ("ops@example.com",)
    assert settings.log_patterns == ("*{uuid}*.log", "app_{date}*.log")
    assert settings.max_mapped_instances == 4


@pytest.mark.parametrize("value", [1, 8, 16])
def test_max_mapped_instances_takes_a_cap_for_bigger_workers(value):
    settings = parse_settings(
        {**MINIMAL, "max_mapped_instances": value}, default_artifacts_root="a"
    )
    assert settings.max_mapped_instances == value


@pytest.mark.parametrize("value", [0, 17, True, "4", 2.5])
def test_max_mapped_instances_outside_one_to_sixteen_is_refused(value):
    with pytest.raises(SettingsError, match="max_mapped_instances: expected a whole number"):
        parse_settings({**MINIMAL, "max_mapped_instances": value})


def test_documented_example_is_valid(tmp_path):
    skip = tmp_path / "skip.txt"
    skip.write_text("from-file\n")
    settings = parse_settings({**EXAMPLE, "skip_api_keys_file": str(skip)})
    assert settings.tz.key == "Europe/Paris"
    assert settings.skip_api_keys == {"test-api-key-1", "from-file"}


def test_skip_file_reads_original_format_with_comments_and_blanks(tmp_path):
    path = tmp_path / "folders_2_skip.txt"
    path.write_text(
        "# Test accounts to skip\ntest-api-key-1\n\n  staging-account-key  \n"
        "internal-testing # trailing comment\n"
    )
    assert read_skip_file(path) == {"test-api-key-1", "staging-account-key", "internal-testing"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"recipients": "ops@example.com"}, "recipients: expected a non-empty list"),
        ({"recipients": ["not-an-address"]}, "recipients[0]: 'not-an-address' is not one"),
        ({"timezone": "Mars/Olympus"}, "timezone: expected an IANA timezone"),
        ({"db_timezone": 5}, "db_timezone: expected an IANA timezone"),
        ({"hung_after_minutes": "60"}, "hung_after_minutes: expected a positive whole"),
        ({"hung_after_minutes": 0}, "hung_after_minutes: expected a positive whole"),
        ({"logs_dir": ""}, "logs_dir: expected a non-empty string"),
        ({"skip_api_keys": "abc"}, "skip_api_keys: expected a list"),
        ({"skip_api_keys_file": "/nonexistent/skip.txt"}, "skip_api_keys_file: expected a"),
        ({"recipient": ["ops@example.com"]}, "unknown key(s) ['recipient']"),
        ({"log_patterns": ["*.log"]}, "log_patterns: expected a list of file-name patterns"),
        ({"log_patterns": "*{uuid}*.log"}, "log_patterns: expected a list"),
        ({"logs_timezone": "CEST"}, "logs_timezone: expected an IANA timezone name"),
    ],
)
def test_invalid_key_is_named_with_expected_form(change, named):
    with pytest.raises(SettingsError) as caught:
        parse_settings({**MINIMAL, **change}, default_artifacts_root="file:///tmp/a")
    assert named in str(caught.value)
    assert "Example value:" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"skip_api_keys": "key-one-s3cret,key-two-s3cret"}, "skip_api_keys: expected a list"),
        ({"skip_api_keys": ["key-one-s3cret", 7, "key-two-s3cret"]}, "item 2 is a number"),
        ({"skip_api_keys": {"key-one-s3cret": "key-two-s3cret"}}, "got an object"),
        ({"skip_api_keys_file": ["key-one-s3cret"]}, "skip_api_keys_file: expected a"),
        ({"artifacts_root": {"key": "key-one-s3cret"}}, "artifacts_root: expected a folder"),
    ],
)
def test_malformed_secret_settings_are_named_without_echoing_their_values(change, named):
    """Validation errors land in task logs and the UI: they name the key and the expected
    form, and describe a bad value without repeating it (API keys are secrets)."""
    with pytest.raises(SettingsError) as caught:
        parse_settings({**MINIMAL, **change}, default_artifacts_root="file:///tmp/a")
    message = str(caught.value)
    assert named in message
    assert "s3cret" not in message


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"timezone": "nowhere"}, default_artifacts_root="file:///tmp/a")
    message = str(caught.value)
    for key in ("logs_dir", "onedrive_root", "recipients", "timezone"):
        assert f"- {key}:" in message


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_missing_or_malformed_variable_says_what_to_do(raw, named):
    with pytest.raises(SettingsError, match=named):
        parse_settings(raw)


def test_recipients_param_is_validated_like_the_variable():
    assert parse_recipients(["a@example.com", "a@example.com"], "param") == ("a@example.com",)
    with pytest.raises(SettingsError, match=r"param\[0\]: 'nobody' is not one email address"):
        parse_recipients(["nobody"], "param")


@pytest.mark.parametrize(
    "entry",
    [
        "ops@[example.com",  # a domain literal left open: crashed the send
        "a,b@c.co",  # two addresses in one entry once in the To header
        "a@b.co, c@d.co",
        "Ops <ops@example.com>",  # a display name
        '"o p"@example.com',  # a quoted local part
        "ops@[192.0.2.1]",  # a domain literal
        "ops@example",  # no dot in the domain
        "ops@-example.com",
        "ops@exa mple.com",
        "ops@@example.com",
        "ops@example.com\r\nBcc: x@evil.example",  # header injection
    ],
)
def test_recipient_that_is_not_exactly_one_plain_address_is_refused_by_index(entry):
    with pytest.raises(SettingsError) as caught:
        parse_recipients(["lead@example.com", entry], "recipients param")
    message = str(caught.value)
    assert message.startswith("recipients param[1]: ")
    assert "is not one email address" in message
    assert "\n" not in message


def test_recipient_errors_are_clipped_and_redacted_never_the_whole_value():
    secret = "password=Hunter2-" + "x" * 300
    with pytest.raises(SettingsError) as caught:
        parse_recipients(["ops@example.com", secret], "recipients param")
    message = str(caught.value)
    assert "Hunter2" not in message
    assert "x" * 60 not in message  # clipped
    assert "recipients param[1]" in message
    with pytest.raises(SettingsError) as caught:
        parse_recipients("api-key-Z9yT7 ops@example.com", "recipients param")
    assert "api-key-Z9yT7" not in str(caught.value)
    assert "a string of 29 characters" in str(caught.value)


def test_recipients_are_normalized_and_limited_to_exchanges_500_per_message():
    assert parse_recipients(["Ops@Example.COM "], "r") == ("Ops@example.com",)
    with pytest.raises(SettingsError, match="at most 500 addresses"):
        parse_recipients([f"u{n}@example.com" for n in range(501)], "r")


def test_schedule_timezone_comes_from_the_environment_form_only():
    assert schedule_timezone({}) == "UTC"
    env = {"AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": json.dumps({"timezone": "Asia/Tokyo"})}
    assert schedule_timezone(env) == "Asia/Tokyo"


@pytest.mark.parametrize("raw", ["{broken", json.dumps({"timezone": "Nowhere/City"}), "[]"])
def test_schedule_timezone_falls_back_to_utc_on_a_bad_variable(raw):
    assert schedule_timezone({"AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": raw}) == "UTC"


def test_alerts_go_to_alert_recipients_else_to_the_report_recipients():
    base = {"logs_dir": "/l", "onedrive_root": "V", "recipients": ["ops@example.com"]}
    base["artifacts_root"] = "file:///a"
    assert parse_settings(base).alert_to == ("ops@example.com",)
    with_alerts = parse_settings({**base, "alert_recipients": ["oncall@example.com"]})
    assert with_alerts.alert_to == ("oncall@example.com",)


def test_settings_survive_their_own_json_form_unchanged():
    settings = parse_settings(
        {
            "logs_dir": "/l",
            "onedrive_root": "V",
            "recipients": ["ops@example.com"],
            "skip_api_keys": ["k1-abcdef"],
            "report_deadline_minutes": 90,
            "artifacts_root": "file:///a",
        }
    )
    assert parse_settings(json.loads(json.dumps(settings.to_dict()))) == settings


def test_deadline_minutes_are_read_at_parse_time_from_the_environment_form():
    from process_report.settings import report_deadline_minutes

    env = {"AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": json.dumps({"report_deadline_minutes": 45})}
    assert report_deadline_minutes(env) == 45
    assert report_deadline_minutes({}) == 60
    assert report_deadline_minutes({"AIRFLOW_VAR_PROCESS_REPORT_SETTINGS": "not json"}) == 60


def test_history_settings_default_to_fourteen_days_and_no_known_issues():
    settings = parse_settings(MINIMAL, default_artifacts_root="file:///tmp/a")
    assert settings.history_days == 14
    assert settings.known_issues == ()


@pytest.mark.parametrize("days", [0, 61, "14", True, 2.5])
def test_history_days_outside_one_to_sixty_is_refused(days):
    with pytest.raises(SettingsError, match="history_days: expected a whole number of days from 1"):
        parse_settings({**MINIMAL, "history_days": days, "artifacts_root": "file:///a"})


def test_known_issues_problems_name_each_entry_by_index():
    entries = [
        {"signature": "a1d3883b77f1", "note": "fine"},
        {"pattern": "([", "note": "bad regex"},
        {"signature": "a1d3883b77f1", "pattern": "x", "note": "both"},
        {"signature": "A1D3", "note": "not an id", "ticket": "javascript:alert(1)"},
        {"pattern": "timeout", "until": "31/12/2026"},
        "just a string",
    ]
    with pytest.raises(SettingsError) as raised:
        parse_settings({**MINIMAL, "known_issues": entries, "artifacts_root": "file:///a"})
    message = str(raised.value)
    assert "known_issues[0]" not in message
    assert "known_issues[1].pattern: not a valid regular expression" in message
    assert "known_issues[2]: expected exactly one of 'signature'" in message
    assert "known_issues[3].signature: expected a signature id of 12 hex digits" in message
    assert "known_issues[3].ticket: expected an http(s) URL" in message
    assert "known_issues[4].note: required" in message
    assert "known_issues[4].until: expected a date YYYY-MM-DD" in message
    assert "known_issues[5]: expected an object" in message


def test_known_issues_survive_the_settings_json_form():
    settings = parse_settings(
        {**MINIMAL, "artifacts_root": "file:///a", "history_days": 30,
         "known_issues": [{"pattern": "No space", "note": "disk", "until": "2026-12-31"},
                          {"signature": "a1d3883b77f1", "note": "x", "ticket": "https://t.example.com/1"}]}
    )  # fmt: skip
    assert settings.known_issues[0]["pattern"] == "No space"
    assert parse_settings(json.loads(json.dumps(settings.to_dict()))) == settings


def test_an_invalid_recipients_value_is_echoed_redacted_and_clipped():
    """Issue 17: the error reaches the task log and the UI; a misplaced secret in the
    Param must not, nor a megabyte of it."""
    with pytest.raises(SettingsError) as caught:
        parse_recipients(["ops@example.com", "password=Hunter2x", "x" * 100_000], "recipients")
    assert "Hunter2x" not in str(caught.value)
    assert "[REDACTED]" in str(caught.value)
    assert len(str(caught.value)) < 400


def test_logs_timezone_defaults_to_the_report_timezone():
    settings = parse_settings({**MINIMAL, "timezone": "Europe/Paris"}, default_artifacts_root="x")
    assert settings.logs_timezone == "Europe/Paris"


def test_logs_timezone_is_kept_when_the_logs_run_on_another_clock():
    settings = parse_settings(
        {**MINIMAL, "timezone": "Europe/Paris", "logs_timezone": "UTC"}, default_artifacts_root="x"
    )
    assert settings.logs_timezone == "UTC"
    assert parse_settings(settings.to_dict()) == settings  # the run's snapshot keeps it
