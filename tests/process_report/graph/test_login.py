"""`make login`: the one-time device-code sign-in, run as the command a person runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_login(connection: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_CONN_MSGRAPH_DEFAULT"}
    if connection is not None:
        env["AIRFLOW_CONN_MSGRAPH_DEFAULT"] = connection
    return subprocess.run(
        [sys.executable, "-m", "process_report.graph.login"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_login_command_signs_in_with_the_connection_and_says_where_the_cache_is(standin, tmp_path):
    cache = tmp_path / "msal.json"
    standin.auto_approve = True
    result = run_login(standin.airflow_connection(auth="delegated", token_cache=str(cache)))
    assert result.returncode == 0, result.stderr
    assert "enter ABC123XYZ" in result.stdout
    assert f"Signed in as {standin.mailbox}; token cache: {cache} (mode 0600)." in result.stdout
    assert cache.stat().st_mode & 0o777 == 0o600
    assert json.loads(cache.read_text())["RefreshToken"]


def test_login_with_client_credentials_says_there_is_nothing_to_sign_in_to(standin):
    result = run_login(standin.airflow_connection())
    assert result.returncode == 0, result.stderr
    assert "nothing to sign in to" in result.stdout


def test_login_without_the_connection_says_in_one_line_how_to_create_it():
    result = run_login(None)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "'msgraph_default'" in result.stderr
    assert "AIRFLOW_CONN_MSGRAPH_DEFAULT" in result.stderr


def test_login_with_an_invalid_connection_lists_the_bad_fields_without_a_traceback():
    result = run_login(json.dumps({"conn_type": "msgraph", "extra": {"auth": "delegated"}}))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Airflow connection 'msgraph_default' is invalid:")
    assert "- extra token_cache: expected a file path" in result.stderr
