"""Signing in to Microsoft Graph: the connection's settings and both sign-in modes.

- `client_credentials` (unattended; application permissions Files.Read.All, Mail.Send
  and Mail.ReadWrite): mail from `/users/{mailbox}`, videos from `/users/{drive_user}/
  drive` or `/drives/{drive_id}`.
- `delegated` (the original system's model): a person signs in once with a device code
  (`make login`), the MSAL token cache is kept at `token_cache`, and tasks only ever
  acquire tokens silently. When the refresh token is gone, a task fails at once saying
  which command to run; it never waits for a device code.

MSAL details that matter here: its `verify=` is ignored when REQUESTS_CA_BUNDLE is set,
so it gets an `http_client` session with the CA and `trust_env=False`; instance
discovery is off for authorities that are not Microsoft's. MSAL turns a 5xx from the
token endpoint into an `MsalServiceError` without its `Retry-After`, lets connection
errors through as they are, and caches 429/5xx answers (for their Retry-After) and 400
answers (60 s), so that an immediate retry gets the same error again. So the HTTP client
it gets raises the identity platform's transient failures itself (before its cache sees
them) as a transient `SignInError`, which the Graph client waits out; everything else
MSAL returns or raises becomes a permanent `SignInRequiredError`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from process_report.graph.client import (
    MAX_RESPONSE_BYTES,
    GraphError,
    NoRedirectSession,
    read_capped,
    refuse_redirect,
    retry_after,
    retryable,
)
from process_report.graph.deadline import deadline

log = logging.getLogger(__name__)
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
DELEGATED_SCOPES = ("Files.Read", "Mail.Send", "Mail.ReadWrite", "User.Read")
LOGIN_COMMAND = "make login"


class GraphConfigError(ValueError):
    """The msgraph_default connection is incomplete or malformed."""


class SignInError(GraphError):
    """Signing in to Microsoft 365 failed. Transient when the identity platform was
    busy or down (429, 5xx, `temporarily_unavailable`, no answer): the Graph client
    waits it out."""

    @staticmethod
    def describe(status: int, code: str, message: str, url: str) -> str:
        return message


class SignInRequiredError(SignInError):
    """Signing in cannot succeed until a person acts: the delegated sign-in is missing
    or expired (run LOGIN_COMMAND), or the identity platform refused the app
    (invalid_client, unauthorized_client, AADSTS7000218, a 400/401/403): retrying
    cannot help."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "SignInRequired", message, "")


@dataclass(frozen=True)
class GraphConfig:
    graph_origin: str  # https://graph.microsoft.com (or a national cloud, or the stand-in)
    authority: str  # https://login.microsoftonline.com/{tenant}
    client_id: str
    client_secret: str | None
    auth: str
    verify: bool | str
    mailbox: str | None
    drive_user: str | None
    drive_id: str | None
    token_cache: str | None

    @property
    def graph_url(self) -> str:
        return f"{self.graph_origin}/v1.0"

    @property
    def mail_root(self) -> str:
        return f"/users/{self.mailbox}" if self.auth == "client_credentials" else "/me"

    @property
    def drive_root(self) -> str:
        if self.drive_id:
            return f"/drives/{self.drive_id}"
        return f"/users/{self.drive_user}/drive" if self.drive_user else "/me/drive"

    @property
    def scopes(self) -> list[str]:
        if self.auth == "client_credentials":
            return [f"{self.graph_origin}/.default"]
        return [f"{self.graph_origin}/{scope}" for scope in DELEGATED_SCOPES]


def config_from_connection(
    *,
    host: str | None,
    schema: str | None,
    login: str | None,
    password: str | None,
    extra: Mapping[str, Any],
) -> GraphConfig:
    """Validate the connection's fields; the error names the field and its expected form."""
    problems = []
    auth = extra.get("auth", "client_credentials")
    if auth not in ("client_credentials", "delegated"):
        problems.append(f"extra auth: expected 'client_credentials' or 'delegated'; got {auth!r}")
    if not login:
        problems.append("login: expected the application (client) id")
    tenant = extra.get("tenant_id")
    if not tenant:
        problems.append("extra tenant_id: expected the directory (tenant) id")
    authority = str(extra.get("authority") or MICROSOFT_AUTHORITY).rstrip("/")
    if not _secure(authority):
        problems.append(
            f"extra authority: expected an https:// URL (http:// only on a loopback host); "
            f"got {authority!r}"
        )
    graph_origin = f"{schema or 'https'}://{host or 'graph.microsoft.com'}".rstrip("/")
    if not _secure(graph_origin):
        problems.append(
            f"host / schema: expected https and the Graph host (http only on a loopback "
            f"host); got {graph_origin!r}"
        )
    verify = _verify(extra.get("verify", True))
    if verify is None:
        problems.append(
            f"extra verify: expected true, false or the path of an existing CA bundle "
            f"file; got {extra.get('verify')!r}"
        )
    if auth == "client_credentials":
        if not password:
            problems.append("password: expected the client secret (client_credentials)")
        if not extra.get("mailbox"):
            problems.append("extra mailbox: expected the address that sends the report")
        if not (extra.get("drive_user") or extra.get("drive_id")):
            problems.append(
                "extra drive_user or drive_id: expected the OneDrive that holds the videos"
            )
    elif not extra.get("token_cache"):
        problems.append("extra token_cache: expected a file path for the delegated token cache")
    if problems:
        raise GraphConfigError(
            "Airflow connection 'msgraph_default' is invalid:\n- " + "\n- ".join(problems)
        )
    return GraphConfig(
        graph_origin=graph_origin,
        authority=f"{authority}/{tenant}",
        client_id=login,
        client_secret=password or None,
        auth=auth,
        verify=verify,
        mailbox=extra.get("mailbox"),
        drive_user=extra.get("drive_user"),
        drive_id=extra.get("drive_id"),
        token_cache=extra.get("token_cache"),
    )


def http_session(config: GraphConfig) -> requests.Session:
    """A session that verifies with the configured CA, ignores REQUESTS_CA_BUNDLE and
    never follows a redirect (neither Graph's nor the identity platform's)."""
    session = NoRedirectSession()
    session.trust_env = False
    session.verify = config.verify
    return session


def token_provider(config: GraphConfig, session: requests.Session) -> Callable[[bool], str]:
    """`token(force_refresh) -> access token` for the configured sign-in mode; raises a
    SignInError, transient when waiting may help.

    The MSAL application is made at the first call, not here: making it asks the
    identity platform for its configuration, which fails like any sign-in does and
    must be waited out inside the Graph client's retries like one."""
    http = IdentityHttp(session, config.authority)
    acquire = _app_token if config.auth == "client_credentials" else _user_token
    apps: list[Any] = []
    held = HeldToken()

    def token(force_refresh: bool) -> str:
        if not force_refresh and held.fresh():
            return held.value
        try:
            if not apps:
                apps.append(_application(config, http))
            result = acquire(apps[0], config, force_refresh)
        # discovery refused, a bad answer (MSAL's int() of an expires_in of 1e400: Overflow)
        except (msal.exceptions.MsalError, ValueError, OverflowError) as exc:
            raise SignInRequiredError(
                f"Sign-in to {config.authority} as {config.client_id} failed: {exc}"
            ) from exc
        return held.keep(_access_token(result, config), result.get("expires_in"))

    return token


@dataclass
class HeldToken:
    """The last access token, used again for the first three quarters of its life.

    MSAL asks the identity platform for a new token whenever the one it holds expires
    within five minutes, so tokens shorter-lived than that (a Conditional Access policy,
    a bad morning) would cost one sign-in request per Graph request. A Graph 401 still
    forces a new one (`force_refresh`)."""

    value: str = ""
    until: float = 0.0

    def fresh(self) -> bool:
        return bool(self.value) and time.monotonic() < self.until

    def keep(self, value: str, expires_in: Any) -> str:
        """Hold `value` for 3/4 of `expires_in`: seconds, as a number or (AAD v1-like
        endpoints, which MSAL reads the same way) a numeric string; a token without a
        readable, positive lifetime is not held."""
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = 0.0
        lifetime = lifetime if lifetime > 0 else 0.0  # also NaN
        self.value, self.until = value, time.monotonic() + 0.75 * lifetime
        return value


class IdentityHttp:
    """The HTTP client MSAL gets (its `HttpClient` interface: get and post): the shared
    session with a timeout and the answer size cap, and the identity platform's
    transient failures raised as a transient SignInError with their Retry-After,
    instead of being returned to MSAL (which would cache them and drop the
    Retry-After)."""

    def __init__(
        self,
        session: requests.Session,
        authority: str,
        timeout_s: float = 60.0,
        deadline_s: float = 120.0,
    ):
        self.session, self.authority = session, authority
        self.timeout_s, self.deadline_s = timeout_s, deadline_s

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("POST", url, **kwargs)

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        kwargs["allow_redirects"] = False  # the client secret goes to the authority only
        try:
            with deadline(self.deadline_s, f"Sign-in to {self.authority}"):
                response = self.session.request(method, url, stream=True, **kwargs)
                read_capped(response, MAX_RESPONSE_BYTES, url)
        except requests.RequestException as exc:
            raise SignInError(
                0,
                "NoAnswer",
                f"Sign-in to {self.authority} got no answer ({type(exc).__name__})",
                self.authority,
                transient=True,
            ) from exc
        try:
            refuse_redirect(response, url)
        except GraphError as exc:
            raise SignInError(
                exc.status, exc.code, f"Sign-in to {self.authority}: {exc}", self.authority
            ) from None
        code = _aad_error_code(response)
        if retryable(response.status_code, idempotent=True) or code == "temporarily_unavailable":
            raise SignInError(
                response.status_code,
                code or "Unavailable",
                f"Sign-in to {self.authority} answered {response.status_code} {code}".strip(),
                self.authority,
                transient=True,
                retry_after=retry_after(response.headers),
            )
        not_a_token = _not_a_token(response, url)
        if not_a_token:
            raise SignInError(
                response.status_code,
                "NotAToken",
                f"Sign-in to {self.authority} answered {response.status_code} with "
                f"{not_a_token}: a proxy or an outage, waited out like a 5xx",
                self.authority,
                transient=True,
            )
        return response


def _application(config: GraphConfig, http: IdentityHttp) -> msal.ClientApplication:
    if config.auth == "client_credentials":
        return msal.ConfidentialClientApplication(
            config.client_id,
            client_credential=config.client_secret,
            **_msal_options(config, http),
        )
    return public_app(config, http)


def _app_token(
    app: msal.ConfidentialClientApplication, config: GraphConfig, force: bool
) -> dict[str, Any] | None:
    if force:
        app.remove_tokens_for_client()
    return app.acquire_token_for_client(config.scopes)


def _user_token(
    app: msal.PublicClientApplication, config: GraphConfig, force: bool
) -> dict[str, Any]:
    """Silently, from the token cache `make login` filled; never a device code."""
    accounts = app.get_accounts()
    if not accounts:
        raise SignInRequiredError(
            f"No Microsoft 365 sign-in in {config.token_cache}. Run "
            f"`{LOGIN_COMMAND}` once to sign in with a device code."
        )
    result = app.acquire_token_silent(config.scopes, account=accounts[0], force_refresh=force)
    if not result or "access_token" not in result:
        reason = (result or {}).get("error_description", "no usable refresh token")
        raise SignInRequiredError(
            f"The Microsoft 365 sign-in expired or was revoked ({reason}). "
            f"Run `{LOGIN_COMMAND}` to sign in again."
        )
    return result


def public_app(
    config: GraphConfig, session: requests.Session | IdentityHttp
) -> msal.PublicClientApplication:
    cache, kind = token_cache(config.token_cache)
    log.info("Microsoft 365 token cache: %s (%s)", config.token_cache, kind)
    return msal.PublicClientApplication(
        config.client_id, token_cache=cache, **_msal_options(config, session)
    )


def device_code_login(
    config: GraphConfig, session: requests.Session, show: Callable[[str], None] = print
) -> str:
    """The one-time interactive sign-in for `delegated`; returns the signed-in account."""
    app = public_app(config, session)
    flow = app.initiate_device_flow(scopes=config.scopes)
    if "user_code" not in flow:
        raise SignInRequiredError(
            f"Device sign-in could not start: {flow.get('error_description')}"
        )
    show(flow["message"])
    result = app.acquire_token_by_device_flow(flow)
    _access_token(result, config)
    os.chmod(config.token_cache, 0o600)
    return result.get("id_token_claims", {}).get("preferred_username", "signed in")


def token_cache(path: str) -> tuple[msal.SerializableTokenCache, str]:
    """An encrypted cache where a keyring exists, else a file readable by its owner only."""
    from msal_extensions import FilePersistence, PersistedTokenCache, build_encrypted_persistence

    try:
        persistence = build_encrypted_persistence(path)
        persistence.load() if os.path.exists(path) else persistence.save("{}")
        kind = "encrypted with the system keyring"
    except Exception as exc:  # libsecret or its D-Bus keyring missing: headless servers
        persistence = FilePersistence(path)
        kind = f"plain file with mode 0600: no keyring available ({exc.__class__.__name__})"
    return PersistedTokenCache(persistence), kind


def _msal_options(config: GraphConfig, session: requests.Session | IdentityHttp) -> dict[str, Any]:
    microsoft = urlsplit(config.authority).hostname in (
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.microsoftonline.de",
    )
    return {"authority": config.authority, "http_client": session, "instance_discovery": microsoft}


def _access_token(result: dict[str, Any] | None, config: GraphConfig) -> str:
    if result and "access_token" in result:
        return result["access_token"]
    error = (result or {}).get("error_description") or (result or {}).get("error")
    raise SignInRequiredError(
        f"Sign-in to {config.authority} as {config.client_id} failed: {error}"
    )


def _verify(value: Any) -> bool | str | None:
    """True or False (or their strings), or the path of an existing CA bundle; None for
    anything else: null, "", 0 or a missing file are mistakes, not a way to turn TLS
    verification off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, str) and os.path.isfile(value):
        return value
    return None


def _secure(url: str) -> bool:
    """https, or plain http to a loopback host (a local stand-in): a token sent over
    plain http anywhere else can be read on the way."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return bool(parts.hostname) and (
        scheme == "https" or (scheme == "http" and _loopback(parts.hostname))
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def _not_a_token(response: requests.Response, url: str) -> str:
    """What is wrong with a successful identity answer that is not what it says (an
    HTML page from a proxy or a captive portal, a truncated JSON, a token answer without
    `access_token`), or "" when it is fine. MSAL would read any of these as a failed
    sign-in, which only a person could fix; they are a passing fault."""
    if not 200 <= response.status_code < 300:
        return ""
    try:
        body = response.json()
    except ValueError:
        return "a body that is not JSON"
    if not isinstance(body, dict):
        return "JSON that is not an object"
    token_endpoint = urlsplit(url).path.rstrip("/").endswith("/token")
    if token_endpoint and not isinstance(body.get("access_token"), str) and "error" not in body:
        return "no access_token"
    return ""


def _aad_error_code(response: requests.Response) -> str:
    """The OAuth2 `error` of an identity platform answer, if it has one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""
