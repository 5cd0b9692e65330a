from __future__ import annotations

import os
import stat
import threading

import pytest

from process_report.graph.auth import (
    GraphConfigError,
    SignInRequiredError,
    config_from_connection,
    device_code_login,
    http_session,
    token_provider,
)
from tests.support.graph_fixtures import client_for, config_for


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
