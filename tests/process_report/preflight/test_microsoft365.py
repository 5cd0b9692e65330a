"""Preflight checks of Microsoft 365 against the local Graph stand-in (real HTTPS): a
good setup passes; a wrong client secret, missing admin consent, a missing mailbox or
OneDrive folder and a refused mailbox each fail with the fix the operator needs."""

from __future__ import annotations

import json

from process_report.graph.client import RetryPolicy
from process_report.graph.connect import graph_client
from process_report.preflight.microsoft365 import check_microsoft365

POLICY = RetryPolicy(max_wait_s=2.0, timeout_s=10.0)


def checks_for(standin, root="Videos", **connection_changes):
    connection = {**json.loads(standin.airflow_connection()), **connection_changes}
    client, config = graph_client(connection, policy=POLICY)
    return check_microsoft365(client, config, root)


def test_a_good_setup_passes_sign_in_mailbox_and_onedrive(standin):
    standin.add_file("Videos/key-1/a.mp4")
    standin.add_file("Videos/key-2/b.mp4")
    sign_in, mailbox, onedrive = checks_for(standin)
    assert sign_in.passed, sign_in
    assert mailbox.passed, mailbox
    assert onedrive.passed, onedrive
    assert "2 client folder(s)" in onedrive.detail
    assert standin.sent_messages() == []  # nothing sent


def test_a_wrong_client_secret_fails_sign_in_and_says_which_value(standin):
    sign_in, mailbox, onedrive = checks_for(standin, password="not-the-secret")
    assert not sign_in.passed
    assert "secret's value" in sign_in.fix
    assert "not-the-secret" not in sign_in.detail
    assert not mailbox.passed
    assert not onedrive.passed


def test_missing_admin_consent_says_to_grant_it(standin):
    standin.faults.token_errors.append(
        (400, "invalid_grant", "AADSTS65001: The user or administrator has not consented.")
    )
    sign_in, _, _ = checks_for(standin)
    assert not sign_in.passed
    assert "grants admin consent" in sign_in.fix


def test_a_missing_onedrive_root_fails_naming_the_setting(standin):
    standin.add_file("Videos/key-1/a.mp4")
    sign_in, mailbox, onedrive = checks_for(standin, root="Videoz/Client")
    assert sign_in.passed
    assert mailbox.passed
    assert not onedrive.passed
    assert "no folder 'Videoz/Client'" in onedrive.fix


def test_a_refused_mailbox_names_the_mail_permissions(standin):
    standin.add_file("Videos/key-1/a.mp4")
    standin.faults.graph_statuses.append(403)
    sign_in, mailbox, onedrive = checks_for(standin)
    assert sign_in.passed
    assert not mailbox.passed
    assert "Mail.ReadWrite and Mail.Send" in mailbox.fix
    assert onedrive.passed
