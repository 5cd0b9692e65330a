from __future__ import annotations

import logging
import os
import stat
import threading
import time
from types import SimpleNamespace

import pytest

from process_report.graph.auth import (
    GraphConfigError,
    HeldToken,
    SignInError,
    SignInRequiredError,
    config_from_connection,
    device_code_login,
    http_session,
    token_provider,
)
from process_report.graph.client import GraphError
from tests.support.graph_fixtures import client_for, config_for
from tests.support.graph_standin import Answer, redirect


def test_client_credentials_read_from_the_app_mailbox_and_drive(standin):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    assert config.mail_root == f"/users/{standin.mailbox}"
    assert config.drive_root == f"/users/{standin.mailbox}/drive"
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]


def test_delegated_login_stores_a_0600_cache_and_tasks_then_sign_in_silently(standin, tmp_path):
    cache = tmp_path / "cache" / "msal.json"
    config = config_for(standin, auth="delegated", token_cache=str(cache))
    threading.Timer(0.3, standin.approve_device_codes).start()
    shown: list[str] = []
    assert device_code_login(config, http_session(config), show=shown.append) == standin.mailbox
    assert "ABC123XYZ" in shown[0]
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    token = token_provider(config, http_session(config))  # a new process, same cache
    assert token(False).startswith("at-")
    assert token(True).startswith("at-")  # refreshed with the rotated refresh token
    assert config.mail_root == "/me"


def test_delegated_without_sign_in_fails_at_once_naming_the_command(standin, tmp_path):
    config = config_for(standin, auth="delegated", token_cache=str(tmp_path / "none.json"))
    with pytest.raises(SignInRequiredError, match="Run `make login`"):
        token_provider(config, http_session(config))(False)


def test_revoked_refresh_token_fails_at_once_naming_the_command(standin, tmp_path):
    config = config_for(standin, auth="delegated", token_cache=str(tmp_path / "c.json"))
    threading.Timer(0.3, standin.approve_device_codes).start()
    device_code_login(config, http_session(config), show=lambda _: None)
    standin.revoke_refresh_tokens()
    standin.expire_all_tokens()
    token = token_provider(config, http_session(config))
    with pytest.raises(SignInRequiredError, match=r"expired or was revoked.*make login"):
        token(True)


def test_the_configured_ca_is_used_even_when_requests_ca_bundle_points_elsewhere(
    standin, monkeypatch, tmp_path
):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bogus))
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]


def test_national_cloud_host_sets_graph_url_and_scopes():
    config = config_from_connection(
        host="graph.microsoft.us",
        schema="https",
        login="app",
        password="secret",
        extra={
            "tenant_id": "t",
            "authority": "https://login.microsoftonline.us",
            "mailbox": "m@x.us",
            "drive_id": "b!drive",
        },
    )
    assert config.graph_url == "https://graph.microsoft.us/v1.0"
    assert config.scopes == ["https://graph.microsoft.us/.default"]
    assert config.authority == "https://login.microsoftonline.us/t"
    assert config.drive_root == "/drives/b!drive"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"tenant_id": "t", "authority": "http://login.example"}, "authority: expected an https"),
        ({"authority": "https://login.example"}, "tenant_id"),
        ({"tenant_id": "t", "auth": "password"}, "auth: expected"),
        ({"tenant_id": "t", "auth": "delegated"}, "token_cache"),
    ],
)
def test_malformed_connection_names_the_field(extra, named):
    with pytest.raises(GraphConfigError, match=named):
        config_from_connection(
            host=None,
            schema=None,
            login="app",
            password="s",
            extra={"mailbox": "m@x", "drive_user": "m@x", **extra},
        )


def connection_fields(extra=None, **fields):
    """A valid client_credentials connection's fields, with `extra` and fields replaced."""
    return {
        "host": None,
        "schema": None,
        "login": "app",
        "password": "s",
        "extra": {"tenant_id": "t", "mailbox": "m@x", "drive_user": "m@x", **(extra or {})},
        **fields,
    }


@pytest.mark.parametrize("verify", [None, "", 0, 1, "0", "no", "off", "/nonexistent/ca.pem", []])
def test_verify_that_is_not_a_boolean_or_an_existing_ca_file_is_refused(verify):
    with pytest.raises(GraphConfigError, match=r"extra verify: expected true, false or"):
        config_from_connection(**connection_fields({"verify": verify}))


def test_verify_reads_booleans_their_strings_and_an_existing_ca_file(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    for given, read in [(True, True), (False, False), ("TRUE", True), ("false", False)]:
        assert config_from_connection(**connection_fields({"verify": given})).verify is read
    assert config_from_connection(**connection_fields({"verify": str(bundle)})).verify == str(
        bundle
    )
    assert config_from_connection(**connection_fields()).verify is True


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"schema": "http", "host": "graph.microsoft.com"}, "host / schema: expected https"),
        ({"schema": "ftp", "host": "127.0.0.1"}, "host / schema: expected https"),
        ({"extra": {"authority": "http://login.example"}}, "authority: expected an https"),
    ],
)
def test_plain_http_is_refused_for_graph_and_the_authority_off_loopback(fields, named):
    extra = fields.pop("extra", {})
    with pytest.raises(GraphConfigError, match=named):
        config_from_connection(**connection_fields(extra, **fields))


def test_plain_http_is_allowed_on_a_loopback_host():
    config = config_from_connection(
        **connection_fields(
            {"authority": "http://localhost:8081"}, schema="http", host="127.0.0.1:8080"
        )
    )
    assert config.graph_url == "http://127.0.0.1:8080/v1.0"
    assert config.authority == "http://localhost:8081/t"


def delegated_sign_in(standin, tmp_path):
    """A person's device-code sign-in, done; returns the connection's extra for it."""
    cache = str(tmp_path / "msal.json")
    config = config_for(standin, auth="delegated", token_cache=cache)
    threading.Timer(0.3, standin.approve_device_codes).start()
    device_code_login(config, http_session(config), show=lambda _: None)
    standin.expire_all_tokens()  # the next Graph call gets 401 and signs in again
    return {"auth": "delegated", "token_cache": cache}


@pytest.mark.parametrize("auth", ["client_credentials", "delegated"])
def test_token_endpoint_503s_are_waited_out_inside_the_call(standin, tmp_path, caplog, auth):
    standin.add_file("Videos/a/x.mp4")
    overrides = delegated_sign_in(standin, tmp_path) if auth == "delegated" else {}
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps, **overrides)
    standin.faults.token_unavailable, standin.faults.token_retry_after_s = 2, 2
    with caplog.at_level(logging.INFO, logger="process_report.graph.client"):
        assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert sleeps == [2, 2]
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert len(waits) == 2
    assert all("Sign-in failed (503" in line and "2.0 s (Retry-After)" in line for line in waits)


def test_temporarily_unavailable_from_the_token_endpoint_is_retried(standin):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.token_errors = [
        (400, "temporarily_unavailable", "AADSTS50196: The server is temporarily busy.")
    ]
    assert client.get_json(f"{config.drive_root}/root/children") == {"value": []}
    assert len(sleeps) == 1


def test_unreachable_identity_platform_is_a_transient_sign_in_error(standin):
    config = config_for(standin, extra={"authority": "https://127.0.0.1:1"})
    token = token_provider(config, http_session(config))  # nothing asked yet
    with pytest.raises(SignInError, match="got no answer") as caught:
        token(False)
    assert caught.value.transient
    sleeps: list[float] = []
    client, _ = client_for(standin, sleeps=sleeps, extra={"authority": "https://127.0.0.1:1"})
    with pytest.raises(GraphError, match="RetryBudgetExhausted") as caught:
        client.get_json("/me/drive/root/children")
    assert caught.value.transient
    assert sleeps
    assert sum(sleeps) <= 30


@pytest.mark.parametrize(
    "answer",
    [
        (401, "invalid_client", "AADSTS7000215: Invalid client secret provided."),
        (400, "unauthorized_client", "AADSTS700016: Application not found in the directory."),
        (400, "invalid_client", "AADSTS7000218: The request body must contain client_secret."),
        (403, "access_denied", "AADSTS50105: The app is not assigned to a role."),
    ],
)
def test_configuration_and_permission_errors_from_the_token_endpoint_fail_at_once(standin, answer):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.token_errors = [answer]
    with pytest.raises(SignInRequiredError, match=answer[2].split(":")[0]) as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert isinstance(caught.value, GraphError)
    assert not caught.value.transient
    assert sleeps == []
    assert sum("oauth2/v2.0/token" in r for r in standin.requests) == 1


@pytest.mark.parametrize("auth", ["client_credentials", "delegated"])
def test_short_lived_tokens_are_used_again_instead_of_one_sign_in_per_request(
    standin, tmp_path, auth
):
    standin.add_file("Videos/a/x.mp4")
    overrides = delegated_sign_in(standin, tmp_path) if auth == "delegated" else {}
    client, config = client_for(standin, **overrides)
    standin.faults.token_ttl_s = 60  # under MSAL's 5-minute margin: it would refresh each time
    signed_in = len(token_requests(standin))
    for _ in range(5):
        assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert len(token_requests(standin)) - signed_in == 1


def test_a_401_still_gets_a_new_token_while_the_held_one_looks_fresh(standin):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    signed_in = len(token_requests(standin))
    standin.expire_all_tokens()
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert len(token_requests(standin)) - signed_in == 1


def token_requests(standin) -> list[str]:
    return [r for r in standin.requests if r.startswith("POST") and "/oauth2/v2.0/token" in r]


# --- odd token lifetimes --------------------------------------------------------------
DROP = object()


def reported_lifetime(expires_in):
    """A `token_rewrite`: the token answer reports `expires_in` (DROP: none), while the
    token itself stays valid at the stand-in for the usual hour."""

    def rewrite(body):
        body = {k: v for k, v in body.items() if k != "expires_in"}
        return body if expires_in is DROP else {**body, "expires_in": expires_in}

    return rewrite


def test_short_lived_token_whose_lifetime_is_a_string_is_used_again(standin):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    standin.faults.token_rewrite = reported_lifetime("60")  # AAD v1-like endpoints: a string
    for _ in range(5):
        assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert len(token_requests(standin)) == 1


@pytest.mark.parametrize("expires_in", [DROP, 0, -5, 1e12], ids=["missing", "0", "-5", "1e12"])
def test_token_with_an_odd_lifetime_is_used_at_most_until_graph_refuses_it(standin, expires_in):
    standin.add_file("Videos/a/x.mp4")
    client, config = client_for(standin)
    standin.faults.token_rewrite = reported_lifetime(expires_in)
    for _ in range(5):
        assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert 1 <= len(token_requests(standin)) <= 5  # never more than one sign-in per call
    signed_in = len(token_requests(standin))
    standin.expire_all_tokens()  # revoked while held: Graph's 401 gets one new token
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert len(token_requests(standin)) - signed_in == 1


@pytest.mark.parametrize("expires_in", ["soon", float("inf")], ids=["not a number", "infinite"])
def test_token_answer_with_an_unreadable_lifetime_is_a_clear_sign_in_error(standin, expires_in):
    client, config = client_for(standin)
    standin.faults.token_rewrite = reported_lifetime(expires_in)
    with pytest.raises(SignInRequiredError, match="failed") as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert not caught.value.transient
    assert len(token_requests(standin)) == 1


def test_held_token_follows_the_monotonic_clock_not_the_wall_clock(monkeypatch):
    clock = SimpleNamespace(monotonic=time.monotonic, time=time.time)
    monkeypatch.setattr("process_report.graph.auth.time", clock)
    held = HeldToken()
    held.keep("at-1", 60)
    start = time.monotonic()
    clock.time = lambda: 0.0  # the wall clock set back to 1970, or forward a day
    assert held.fresh()
    clock.time = lambda: 86400.0 * 20000
    assert held.fresh()
    clock.monotonic = lambda: start + 44
    assert held.fresh()
    clock.monotonic = lambda: start + 46  # three quarters of 60 s
    assert not held.fresh()


@pytest.mark.parametrize("status", [302, 307, 308])
def test_redirect_from_the_token_endpoint_is_refused_and_the_secret_stays_home(
    standin, elsewhere, status
):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    target = f"{elsewhere.origin}/{standin.tenant}/oauth2/v2.0/token"
    standin.faults.identity_answers = [redirect(status, target, match="/token")]
    with pytest.raises(SignInError, match="redirects to") as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.status == status
    assert elsewhere.origin in str(caught.value)
    assert not caught.value.transient
    assert sleeps == []
    assert elsewhere.connections == 0
    assert standin.client_secret.encode() not in elsewhere.received


NOT_A_TOKEN = {
    "html": Answer(200, b"<html><body>Sign in to the proxy</body></html>", match="/token"),
    "truncated": Answer(200, b'{"token_type": "Bearer", "access_tok', match="/token"),
    "no access_token": Answer(200, b'{"token_type": "Bearer", "expires_in": 3599}', match="/token"),
    "a list": Answer(200, b"[]", match="/token"),
}


@pytest.mark.parametrize("answer", NOT_A_TOKEN.values(), ids=NOT_A_TOKEN)
@pytest.mark.parametrize("auth", ["client_credentials", "delegated"])
def test_token_answer_that_is_not_a_token_is_waited_out_not_sign_in_required(
    standin, tmp_path, answer, auth
):
    standin.add_file("Videos/a/x.mp4")
    overrides = delegated_sign_in(standin, tmp_path) if auth == "delegated" else {}
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps, **overrides)
    standin.faults.identity_answers = [answer]
    assert client.get_json(f"{config.drive_root}/root:/Videos/a:/children")["value"]
    assert len(sleeps) == 1  # one wait, then the next token answer is a token


def test_token_answer_that_is_never_a_token_fails_as_transient_after_the_budget(standin):
    sleeps: list[float] = []
    client, config = client_for(standin, sleeps=sleeps)
    standin.faults.identity_answers = [
        Answer(200, b"<html>proxy</html>", match="/token") for _ in range(100)
    ]
    with pytest.raises(GraphError, match="RetryBudgetExhausted") as caught:
        client.get_json(f"{config.drive_root}/root/children")
    assert caught.value.transient
    assert not isinstance(caught.value, SignInRequiredError)
