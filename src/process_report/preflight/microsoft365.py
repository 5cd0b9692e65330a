"""Preflight checks of Microsoft 365 through the one Graph client: a token in the
configured sign-in mode, the sending mailbox, and the OneDrive root that holds the
client folders. Only reads: nothing is sent or created.

The fixes are the original system's troubleshooting list in our terms: admin consent
missing, a wrong or expired client secret, `Files.Read` instead of `Files.Read.All`, a
wrong OneDrive root."""

from __future__ import annotations

import re
from urllib.parse import quote

from process_report.graph.auth import GraphConfig, SignInError
from process_report.graph.client import GraphClient, GraphError
from process_report.preflight import Check, failed, passed, skipped
from process_report.redact import Redactor

CONN_ID = "msgraph_default"
# AADSTS codes (Microsoft identity platform error codes) → the fix.
_SIGN_IN_FIXES = {
    "7000215": f"the client secret ({CONN_ID}'s password) is wrong: copy the secret's value "
    "(not its id) from the app registration's Certificates & secrets",
    "7000222": f"the client secret has expired: create a new one and put it in {CONN_ID}",
    "700016": f"no application with this client id ({CONN_ID}'s login) in the tenant: check "
    "login and extra tenant_id",
    "90002": f"no such tenant: check {CONN_ID}'s extra tenant_id",
    "65001": "admin consent is missing: an administrator opens the app registration's API "
    "permissions and grants admin consent",
    "7000218": "device-code sign-in needs 'Allow public client flows' on the app registration",
    "700082": "the delegated sign-in has expired or was revoked: run `make login` again",
}
PROBE_ID = "<preflight@client-process-report.invalid>"  # matches no message
_CONSENT = (
    "Graph refused the token: grant admin consent for the app's application permissions "
    "(Mail.Send, Mail.ReadWrite, Files.Read.All)"
)


def check_microsoft365(client: GraphClient, config: GraphConfig, onedrive_root: str) -> list[Check]:
    """Three lines: sign-in, mailbox, OneDrive root; a failed sign-in skips the others."""
    sign_in = f"sign-in ({config.auth})"
    try:
        drafts = client.get_json(
            f"{config.mail_root}/mailFolders/drafts/messages",
            # the look-up the send path makes before resending (Mail.ReadWrite)
            params={"$filter": f"internetMessageId eq '{PROBE_ID}'", "$select": "id,isDraft"},
        )
    except SignInError as exc:
        return [
            failed(sign_in, _said(exc), _sign_in_fix(exc, config)),
            skipped("mailbox", "no token"),
            skipped("OneDrive root", "no token"),
        ]
    except GraphError as exc:
        if exc.status == 401:
            return [
                failed(sign_in, _said(exc), _CONSENT),
                skipped("mailbox", "the token is refused"),
                skipped("OneDrive root", "the token is refused"),
            ]
        mailbox = failed("mailbox", _said(exc), _mailbox_fix(exc, config))
    else:
        shown = config.mailbox or "the signed-in user"
        mailbox = passed(
            "mailbox",
            f"{shown}: drafts searchable ({len(drafts.get('value', []))} match the probe); "
            "sending itself is proven by the first report",
        )
    token = passed(sign_in, f"token issued for application {config.client_id}")
    return [token, mailbox, _check_onedrive(client, config, onedrive_root)]


def _check_onedrive(client: GraphClient, config: GraphConfig, root: str) -> Check:
    name = "OneDrive root"
    path = root.strip("/")
    try:
        listing = client.get_json(f"{config.drive_root}/root:/{quote(path)}:/children?$top=5")
    except GraphError as exc:
        return failed(name, _said(exc), _onedrive_fix(exc, config, path))
    folders = sum(1 for item in listing.get("value", []) if "folder" in item)
    more = " or more" if listing.get("@odata.nextLink") else ""
    return passed(name, f"{path}: readable, {folders}{more} client folder(s) on its first page")


def _sign_in_fix(exc: GraphError, config: GraphConfig) -> str:
    code = re.search(r"AADSTS(\d+)", str(exc))
    if code and code[1] in _SIGN_IN_FIXES:
        return _SIGN_IN_FIXES[code[1]]
    if config.auth == "delegated":
        return f"run `make login` where the workers share {CONN_ID}'s token_cache"
    if exc.transient:
        return "the identity platform did not answer in time: run the check again"
    return f"check {CONN_ID}: login (client id), password (client secret), extra tenant_id"


def _mailbox_fix(exc: GraphError, config: GraphConfig) -> str:
    if exc.status == 404:
        return (
            f"no mailbox {config.mailbox!r}: set {CONN_ID}'s extra mailbox to the sending address"
        )
    if exc.status == 403:
        return (
            "access denied: the app needs Mail.ReadWrite and Mail.Send (application permissions, "
            "admin consent); an application access policy may also exclude this mailbox"
        )
    return "see the error above; run the check again if Graph was throttling"


def _onedrive_fix(exc: GraphError, config: GraphConfig, path: str) -> str:
    if exc.status == 404:
        owner = config.drive_id or config.drive_user or "the signed-in user"
        return (
            f"no folder {path!r} in the OneDrive of {owner}: set onedrive_root to the path from "
            "the drive's root (no leading slash), and drive_user / drive_id to its owner"
        )
    if exc.status == 403:
        return (
            "access denied: the app needs Files.Read.All (application permission, admin "
            "consent); Files.Read covers only a signed-in user's own files"
        )
    return "see the error above; run the check again if Graph was throttling"


def _said(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return Redactor().redact_text(first[:300])
