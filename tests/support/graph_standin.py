"""A local stand-in for Microsoft Graph and the Microsoft identity platform.

Tests, `make demo` and `make bench-graph` talk to this instead of Microsoft 365. It
serves HTTPS on 127.0.0.1 with a CA it generates, and answers the way Graph does for
the calls this project makes:

- identity: openid-configuration, devicecode, and the token endpoint for
  client_credentials, device_code and refresh_token (AAD error bodies, refresh tokens
  that rotate and can be revoked, id_token and client_info so MSAL caches an account);
- OneDrive: path- and id-addressed `/children` with `$top` and `@odata.nextLink`,
  `search(q=...)`, `createLink`, 404 itemNotFound;
- `$batch` (at most 20 requests, unique ids, responses in shuffled order, per-item
  status and `Retry-After`);
- mail: create a draft from MIME (`Prefer: IdType="ImmutableId"` ids that survive
  sending; the MIME's Message-ID becomes `internetMessageId`), send it, read it back,
  list Drafts, Sent Items or the whole mailbox filtered by `internetMessageId`,
  `sendMail`; every accepted send is written to `outbox_dir` as one file (a second
  accepted send of the same draft is a second file: a duplicate email). Like Exchange,
  a sent draft leaves Drafts (`isDraft` false, listed in Sent Items) only
  `Faults.send_delay_s` after the 202; requests over 4 MB (or
  `Faults.max_request_bytes`) get 413;
- faults: 401 on missing, bad or expired tokens; a latency per request; a share of
  requests and batch items throttled with 429 and `Retry-After`; a one-shot "lose the
  response" after an action was carried out (`"create"` a draft, `"send"` it); a
  one-shot refusal (`refuse_once`, an error status, nothing done); `hold()` an
  action's next request until the test decides whether Graph carries it out (to kill
  a client while its request is in flight).
  response" after an action was carried out; short-lived access tokens; token-endpoint
  outages (503 with `Retry-After`) and AAD error answers; scripted statuses for the next
  Graph requests; `@odata.nextLink`s that point at another host; hostile answers
  (`always_throttled` batch items, `batch_rewrite`, `listing_rewrite`, `token_rewrite`:
  malformed `$batch` answers, folder listings and token answers); raw answers sent as
  they are (`graph_answers`, `identity_answers`: error bodies of any shape, HTML pages,
  307/308/302 redirects to another host, bodies dripped a byte at a time).
"""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import ssl
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import trustme

MAX_REQUEST_BYTES = 4 * 1024 * 1024
VIDEO_MIME = {
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
    ".webm": "video/webm",
    ".m4v": "video/x-m4v",
}


@dataclass
class Answer:
    """A raw answer, sent as it is, for faults no well-formed Graph answer shows: any
    status, body and headers (an error body of another shape, an HTML page, a redirect
    with its `Location`); `drip_s`: seconds between two bytes of the body (a slow drip).
    `match`: a substring of "METHOD /path" the answer is for ("" for the next request)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    match: str = ""
    drip_s: float = 0.0


def redirect(status: int, location: str, match: str = "") -> Answer:
    """A 3xx pointing at `location`, as a TLS-inspecting proxy or a gateway sends it."""
    return Answer(status, b"", {"Location": location}, match)


@dataclass
class Faults:
    """Knobs a test or benchmark turns; all off by default."""

    latency_s: float = 0.0
    throttle_rate: float = 0.0  # share of requests and batch items answered 429
    retry_after_s: int | float | str = 1  # the Retry-After header's text: any, for hostile values
    lose_response_once: set[str] = field(default_factory=set)  # {"create", "send"}
    send_delay_s: float = 0.0  # after a 202 on /send, the draft leaves Drafts this late
    refuse_once: dict[str, int] = field(default_factory=dict)  # {"send": 403}: not done
    # requests over this many bytes get 413 (Graph's 4 MB; lower: a gateway's limit)
    max_request_bytes: int = MAX_REQUEST_BYTES
    # Exchange's sending limit, per mailbox: at most N messages in any W seconds (30 a
    # minute in Exchange Online); a send past it is answered 429 with the Retry-After
    # that frees a slot, and nothing is sent
    mail_limit: tuple[int, float] | None = None
    seed: int = 7
    # identity platform
    token_ttl_s: int | None = None  # lifetime of the access tokens issued (else 3600 s)
    token_unavailable: int = 0  # the next N token requests get 503 with Retry-After
    token_retry_after_s: int = 1
    # the next token requests get these AAD errors, one each: (status, error, description)
    token_errors: list[tuple[int, str, str]] = field(default_factory=list)
    # Graph
    graph_statuses: list[int] = field(default_factory=list)  # the next requests' answers
    batch_item_statuses: list[int] = field(default_factory=list)  # the next $batch items'
    next_link_origin: str | None = None  # e.g. "https://elsewhere.example": a foreign host
    folders_list_themselves: bool = False  # each folder's children include itself: a loop
    # hostile answers, for attacks on the client's parsing; each rewrites what would be sent
    always_throttled: tuple[str, ...] = ()  # $batch items whose url contains one: 429, always
    # (the $batch's requests, its answer) -> the answer sent (bytes: sent as they are, not JSON)
    batch_rewrite: Callable[[list[dict[str, Any]], dict[str, Any]], Any] | None = None
    listing_rewrite: Callable[[str, dict[str, Any]], Any] | None = None  # (route, page) -> page
    token_rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # token answers
    # raw answers (Answer), each sent once to the first request it matches: Graph's
    # requests (`graph_answers`) and the identity platform's (`identity_answers`)
    graph_answers: list[Answer] = field(default_factory=list)
    identity_answers: list[Answer] = field(default_factory=list)


def fault_mix(drop_send_answer: bool = True) -> Faults:
    """A bad morning at Microsoft 365, for `make bench-faults` and the DAG's fault test:
    a fifth of requests and batch items throttled, 50 ms per request, access tokens that
    live 60 s, two 503s from the token endpoint, and (optionally) the send's answer
    lost after the message went out."""
    return Faults(
        throttle_rate=0.2,
        latency_s=0.05,
        token_ttl_s=60,
        token_unavailable=2,
        lose_response_once={"send"} if drop_send_answer else set(),
    )


class Gate:
    """Holds one request until the test decides whether Graph carries it out."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self._decided = threading.Event()
        self._perform = True

    def wait(self) -> bool:
        """Called by the request's handler; True when the action is to be carried out."""
        self.arrived.set()
        self._decided.wait()
        return self._perform

    def release(self, perform: bool) -> None:
        self._perform = perform
        self._decided.set()


@dataclass
class Item:
    id: str
    name: str
    path: str  # "/A/B/name" from the drive root
    folder: bool
    mime: str | None = None
    modified: str = "2026-11-26T10:00:00Z"
    children: list[str] = field(default_factory=list)  # ids, for folders


class GraphStandIn:
    """The server and its state. Use as a context manager; `base_url` is Graph's host."""

    def __init__(
        self,
        root: Path,
        *,
        tenant: str = "contoso-tenant",
        client_id: str = "report-app",
        client_secret: str = "s3cret-app",
        mailbox: str = "reports@contoso.example",
        faults: Faults | None = None,
    ):
        self.root, self.tenant, self.client_id = root, tenant, client_id
        self.client_secret, self.mailbox = client_secret, mailbox
        self.faults = faults or Faults()
        self.outbox_dir = root / "outbox"
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        self._ca = trustme.CA()
        self.ca_path = root / "standin-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_path))
        self.items: dict[str, Item] = {}
        self._by_path: dict[str, str] = {}
        self.root_id = self._add("/", "root", folder=True)
        self.tokens: dict[str, tuple[float, str]] = {}  # access token -> (expiry, subject)
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user
        self.device_codes: dict[str, bool] = {}  # device code -> approved
        self.auto_approve = False  # as if the person completed sign-in at once
        self.messages: dict[str, dict[str, Any]] = {}
        self.gates: dict[str, Gate] = {}  # action -> the gate its next request waits at
        self._deliveries = 0
        self.requests: list[str] = []  # "METHOD path" of every HTTP request, for figures
        self.sends_at: list[float] = []  # accepted sends within Faults.mail_limit's window
        self.mail_throttled = 0  # sends answered 429 for the mailbox's limit
        self.batch_items: list[tuple[float, str, int]] = []  # (monotonic time, url, status)
        self.token_lifetime_s = 3600
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- drive content -------------------------------------------------------------
    def add_file(self, path: str, mime: str | None = None) -> Item:
        """Add a file (and its folders) at `path`, e.g. "Videos/key1/2026/a.mp4"."""
        parts = [p for p in path.strip("/").split("/") if p]
        parent = self.root_id
        for depth, name in enumerate(parts):
            full = "/" + "/".join(parts[: depth + 1])
            is_folder = depth < len(parts) - 1
            if full not in self._by_path:
                suffix = Path(name).suffix.lower()
                child = self._add(
                    full,
                    name,
                    folder=is_folder,
                    mime=None
                    if is_folder
                    else mime or VIDEO_MIME.get(suffix, "application/octet-stream"),
                )
                self.items[parent].children.append(child)
            parent = self._by_path[full]
        return self.items[parent]

    def _add(self, path: str, name: str, *, folder: bool, mime: str | None = None) -> str:
        item_id = "01" + secrets.token_hex(8).upper()
        self.items[item_id] = Item(item_id, name, path, folder, mime)
        self._by_path[path] = item_id
        return item_id

    # --- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> GraphStandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def airflow_connection(
        self, auth: str = "client_credentials", token_cache: str | None = None
    ) -> str:
        """The `msgraph_default` connection (JSON form) that points at this stand-in."""
        extra = {
            "tenant_id": self.tenant,
            "authority": self.base_url,
            "verify": str(self.ca_path),
            "auth": auth,
            "mailbox": self.mailbox,
            "drive_user": self.mailbox,
        }
        if token_cache:
            extra["token_cache"] = token_cache
        return json.dumps(
            {
                "conn_type": "msgraph",
                "host": self.base_url.split("://")[1],
                "schema": "https",
                "login": self.client_id,
                "password": self.client_secret if auth == "client_credentials" else "",
                "extra": extra,
            }
        )

    def expire_all_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self.refresh_tokens.clear()

    def approve_device_codes(self) -> None:
        with self._lock:
            for code in self.device_codes:
                self.device_codes[code] = True

    def sent_messages(self) -> list[Path]:
        """One file per accepted send, in the order Graph accepted them."""
        return sorted(self.outbox_dir.glob("*.eml"))

    def hold(self, action: str) -> Gate:
        """Hold the next request of `action` ("create", "send") before Graph acts on it."""
        gate = self.gates[action] = Gate()
        return gate

    def delete_message(self, message_id: str) -> None:
        """As if someone deleted the message in Outlook."""
        with self._lock:
            del self.messages[message_id]

    def refusal(self, action: str) -> int | None:
        """The error status to answer `action` with once, without carrying it out."""
        with self._lock:
            return self.faults.refuse_once.pop(action, None)

    def is_draft(self, stored: dict[str, Any]) -> bool:
        """A sent message stays a draft until `send_delay_s` after its first 202."""
        sent_at = stored.get("sent_at")
        return sent_at is None or time.time() < sent_at + self.faults.send_delay_s

    def over_mail_limit(self) -> int | None:
        """Seconds until the mailbox may send again when this send is past its limit
        (counted in `mail_throttled`); None, and the send counted, otherwise."""
        if self.faults.mail_limit is None:
            return None
        limit, window = self.faults.mail_limit
        now = time.time()
        with self._lock:
            self.sends_at = [t for t in self.sends_at if t > now - window]
            if len(self.sends_at) >= limit:
                self.mail_throttled += 1
                return max(1, int(self.sends_at[0] + window - now + 0.999))
            self.sends_at.append(now)
        return None

    def throttled(self) -> bool:
        with self._lock:
            return self.faults.throttle_rate > 0 and self._rng.random() < self.faults.throttle_rate

    def token_fault(self) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The token endpoint's next injected answer, if any: outages, then AAD errors."""
        with self._lock:
            if self.faults.token_unavailable > 0:
                self.faults.token_unavailable -= 1
                status, body = _aad_error(
                    503, "temporarily_unavailable", "AADSTS90033: A transient error occurred."
                )
                return status, body, {"Retry-After": str(self.faults.token_retry_after_s)}
            if self.faults.token_errors:
                return (*_aad_error(*self.faults.token_errors.pop(0)), {})
        return None

    def scripted_answer(
        self, batch_item: bool = False
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The next Graph request's (or `$batch` item's) injected status, if any."""
        script = self.faults.batch_item_statuses if batch_item else self.faults.graph_statuses
        with self._lock:
            if not script:
                return None
            status = script.pop(0)
        headers = {"Retry-After": str(self.faults.retry_after_s)} if status in (429, 503) else {}
        code = _STATUS_CODES.get(status, "generalException")
        return status, _graph_error(code, f"Injected {status}."), headers

    def raw_answer(self, identity: bool, request: str) -> Answer | None:
        """The first injected raw answer that matches `request` ("METHOD /path"), taken."""
        script = self.faults.identity_answers if identity else self.faults.graph_answers
        with self._lock:
            for n, answer in enumerate(script):
                if answer.match in request:
                    return script.pop(n)
        return None

    def lose_response(self, action: str) -> bool:
        with self._lock:
            if action in self.faults.lose_response_once:
                self.faults.lose_response_once.discard(action)
                return True
            return False

    # --- identity ------------------------------------------------------------------
    def issue_tokens(self, subject: str, scope: str, with_refresh: bool) -> dict[str, Any]:
        access = "at-" + secrets.token_urlsafe(24)
        lifetime = self.faults.token_ttl_s
        lifetime = self.token_lifetime_s if lifetime is None else lifetime
        with self._lock:
            self.tokens[access] = (time.time() + lifetime, subject)
        body = {
            "token_type": "Bearer",
            "access_token": access,
            "scope": scope,
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
        }
        if with_refresh:
            refresh = "rt-" + secrets.token_urlsafe(24)
            with self._lock:
                self.refresh_tokens[refresh] = subject
            uid, utid = "user-oid-1", self.tenant
            claims = {
                "aud": self.client_id,
                "iss": f"{self.base_url}/{self.tenant}/v2.0",
                "oid": uid,
                "tid": utid,
                "sub": uid,
                "preferred_username": subject,
                "name": "Report Sender",
                "iat": int(time.time()),
                "exp": int(time.time()) + 3600,
            }
            body.update(
                {
                    "refresh_token": refresh,
                    "id_token": _unsigned_jwt(claims),
                    "client_info": _b64(json.dumps({"uid": uid, "utid": utid}).encode()),
                }
            )
        return self.faults.token_rewrite(body) if self.faults.token_rewrite else body

    def subject_of(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self._lock:
            entry = self.tokens.get(authorization[7:])
        if entry is None or entry[0] < time.time():
            return None
        return entry[1]


class _Handler(BaseHTTPRequestHandler):
    standin: GraphStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        standin = self.standin
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with standin._lock:
            standin.requests.append(f"{method} {self.path}")
        if standin.faults.latency_s:
            time.sleep(standin.faults.latency_s)
        if length > standin.faults.max_request_bytes:
            limit = standin.faults.max_request_bytes
            return self._reply(
                413,
                _graph_error(
                    "RequestEntityTooLarge", f"The request exceeds the {limit:,} bytes limit."
                ),
            )
        path = urlsplit(self.path).path
        tenant_prefix = f"/{standin.tenant}/"
        raw = standin.raw_answer(path.startswith(tenant_prefix), f"{method} {self.path}")
        if raw:
            return self._reply_raw(raw)
        if path.startswith(tenant_prefix):
            return self._reply(*_identity(standin, method, path[len(tenant_prefix) :], body))
        if not path.startswith("/v1.0/"):
            return self._reply(404, _graph_error("BadRequest", "Unknown host path."))
        scripted = standin.scripted_answer()
        if scripted:
            return self._reply(*scripted)
        if standin.throttled():
            return self._reply(
                429,
                _graph_error("TooManyRequests", "Throttled."),
                {"Retry-After": str(standin.faults.retry_after_s)},
            )
        subject = standin.subject_of(self.headers.get("Authorization"))
        if subject is None:
            return self._reply(
                401,
                _graph_error(
                    "InvalidAuthenticationToken", "Access token is empty, invalid or expired."
                ),
            )
        status, payload, headers = _graph(
            standin, method, self.path[len("/v1.0") :], body, dict(self.headers), subject
        )
        if status is None:  # the action was carried out; the response is "lost"
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        return self._reply(status, payload, headers)

    def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None):
        if isinstance(payload, bytes):
            data = payload
        else:
            data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _reply_raw(self, answer: Answer) -> None:
        headers = {"Content-Type": "text/html", **answer.headers}
        self.send_response(answer.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        try:
            if not answer.drip_s:
                self.wfile.write(answer.body)
                return
            for byte in answer.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(answer.drip_s)
        except OSError:  # the client hung up, as it should on a drip
            self.close_connection = True


# --- identity endpoints ------------------------------------------------------------------
def _identity(standin: GraphStandIn, method: str, path: str, body: bytes):
    base = f"{standin.base_url}/{standin.tenant}"
    if path == "v2.0/.well-known/openid-configuration":
        return 200, {
            "issuer": f"{base}/v2.0",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "tenant_region_scope": None,
        }
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    if path == "oauth2/v2.0/devicecode" and method == "POST":
        code = "dc-" + secrets.token_urlsafe(16)
        with standin._lock:
            standin.device_codes[code] = standin.auto_approve
        return 200, {
            "device_code": code,
            "user_code": "ABC123XYZ",
            "expires_in": 900,
            "interval": 1,
            "verification_uri": f"{base}/devicelogin",
            "message": "To sign in, open the verification page and enter ABC123XYZ.",
        }
    if path != "oauth2/v2.0/token" or method != "POST":
        return 404, {"error": "not_found"}
    fault = standin.token_fault()
    if fault:
        return fault
    if form.get("client_id") != standin.client_id:
        return _aad_error(400, "unauthorized_client", "AADSTS700016: Application not found.")
    grant, scope = form.get("grant_type"), form.get("scope", "")
    if grant == "client_credentials":
        if form.get("client_secret") != standin.client_secret:
            return _aad_error(401, "invalid_client", "AADSTS7000215: Invalid client secret.")
        return 200, standin.issue_tokens(f"app:{standin.client_id}", scope, False)
    if grant == "urn:ietf:params:oauth:grant-type:device_code":
        with standin._lock:
            approved = standin.device_codes.get(form.get("device_code", ""))
        if approved is None:
            return _aad_error(400, "expired_token", "AADSTS70020: The device code expired.")
        if not approved:
            return _aad_error(400, "authorization_pending", "AADSTS70016: Pending.")
        return 200, standin.issue_tokens(standin.mailbox, scope, True)
    if grant == "refresh_token":
        with standin._lock:
            user = standin.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if user is None:
            return _aad_error(
                400, "invalid_grant", "AADSTS700082: The refresh token has expired or was revoked."
            )
        return 200, standin.issue_tokens(user, scope, True)
    return _aad_error(400, "unsupported_grant_type", f"AADSTS70003: {grant} not supported.")


def _aad_error(status: int, error: str, description: str):
    return status, {
        "error": error,
        "error_description": description,
        "error_codes": [int(re.search(r"\d+", description)[0])],
    }


# --- Graph endpoints ---------------------------------------------------------------------
_STATUS_CODES = {
    401: "InvalidAuthenticationToken",
    429: "TooManyRequests",
    500: "generalException",
    502: "BadGateway",
    503: "serviceNotAvailable",
    504: "GatewayTimeout",
}
_DRIVE = re.compile(r"^/(?:users/(?P<upn>[^/]+)/drive|drives/(?P<drive>[^/]+)|me/drive)")


def _graph(standin, method, url, body, headers, subject):
    """(status, payload, headers); status None means: done, but drop the response."""
    split = urlsplit(url)
    path, query = unquote(split.path), parse_qs(split.query)
    if path == "/$batch" and method == "POST":
        return _batch(standin, json.loads(body or b"{}"), subject)
    mailbox = re.match(
        r"^/(?:users/(?P<upn>[^/]+)|me)/(?P<rest>messages.*|mailFolders/.*|sendMail)$", path
    )
    if mailbox:
        return _mail(standin, method, mailbox["rest"], body, headers, query)
    drive = _DRIVE.match(path)
    if drive:
        return _drive(standin, method, path[drive.end() :], query)
    return 404, _graph_error("BadRequest", f"Unsupported path {path}"), {}


def _batch(standin, payload, subject):
    requests = payload.get("requests", [])
    ids = [r.get("id") for r in requests]
    if not requests or len(requests) > 20 or len(set(ids)) != len(ids):
        return (
            400,
            _graph_error("BadRequest", "A batch holds 1 to 20 requests with unique ids."),
            {},
        )
    responses = []
    for request in requests:
        scripted = standin.scripted_answer(batch_item=True)
        if scripted:
            status, body, headers = scripted
            responses.append(
                {"id": request["id"], "status": status, "headers": headers, "body": body}
            )
            continue
        if standin.throttled() or any(s in request["url"] for s in standin.faults.always_throttled):
            responses.append(
                {
                    "id": request["id"],
                    "status": 429,
                    "headers": {"Retry-After": str(standin.faults.retry_after_s)},
                    "body": _graph_error("TooManyRequests", "Throttled."),
                }
            )
            continue
        url = request["url"] if request["url"].startswith("/") else "/" + request["url"]
        status, body, headers = _graph(
            standin,
            request.get("method", "GET"),
            url,
            json.dumps(request.get("body", {})).encode(),
            {},
            subject,
        )
        responses.append(
            {"id": request["id"], "status": status, "headers": headers or {}, "body": body}
        )
    answered = time.monotonic()
    with standin._lock:
        standin.batch_items.extend(
            (answered, request["url"], response["status"])
            for request, response in zip(requests, responses, strict=True)
        )
    standin._rng.shuffle(responses)
    if standin.faults.batch_rewrite:
        return 200, standin.faults.batch_rewrite(requests, {"responses": responses}), {}
    return 200, {"responses": responses}, {}


def _drive(standin, method, rest, query):
    children = re.match(r"^/(?:root:(?P<path>/.*?):|items/(?P<id>[^/]+)|root)/children$", rest)
    if children and method == "GET":
        item = _find(standin, children["path"], children["id"])
        if item is None or not item.folder:
            return 404, _graph_error("itemNotFound", "The resource could not be found."), {}
        listed = (
            [*item.children, item.id] if standin.faults.folders_list_themselves else item.children
        )
        page = _page(standin, listed, query, f"/{rest.lstrip('/')}")
        if standin.faults.listing_rewrite:
            page = standin.faults.listing_rewrite(rest, page)
        return 200, page, {}
    search = re.match(r"^/root/search\(q='(?P<q>.*)'\)$", rest)
    if search and method == "GET":
        needle = search["q"].lower()
        found = [i.id for i in standin.items.values() if needle in i.name.lower()]
        return 200, _page(standin, found, query, f"/root/search(q='{quote(search['q'])}')"), {}
    link = re.match(r"^/items/(?P<id>[^/]+)/createLink$", rest)
    if link and method == "POST":
        item = standin.items.get(link["id"])
        if item is None:
            return 404, _graph_error("itemNotFound", "The resource could not be found."), {}
        return (
            200,
            {
                "link": {
                    "type": "view",
                    "scope": "organization",
                    "webUrl": f"https://contoso.example/share/{item.id}",
                }
            },
            {},
        )
    return 404, _graph_error("BadRequest", f"Unsupported drive path {rest}"), {}


def _find(standin, path, item_id):
    if item_id:
        return standin.items.get(item_id)
    key = "/" + (path or "").strip("/") if path else "/"
    found = standin._by_path.get(key)
    return standin.items.get(found) if found else None


def _page(standin, ids, query, route):
    top = min(int(query.get("$top", ["200"])[0]), 1000)
    skip = int(query.get("$skiptoken", ["0"])[0])
    page = ids[skip : skip + top]
    result: dict[str, Any] = {"value": [_item_json(standin.items[i]) for i in page]}
    if skip + top < len(ids):
        origin = standin.faults.next_link_origin or standin.base_url
        result["@odata.nextLink"] = (
            f"{origin}/v1.0/users/{standin.mailbox}/drive{route}?$top={top}&$skiptoken={skip + top}"
        )
    return result


def _item_json(item: Item) -> dict[str, Any]:
    parent = item.path.rsplit("/", 1)[0] or "/"
    data = {
        "id": item.id,
        "name": item.name,
        "lastModifiedDateTime": item.modified,
        "webUrl": "https://contoso.example/personal/reports/Documents" + quote(item.path),
        "parentReference": {"path": "/drive/root:" + (parent if parent != "/" else "")},
    }
    if item.folder:
        data["folder"] = {"childCount": len(item.children)}
    else:
        data["file"] = {"mimeType": item.mime}
        data["size"] = 1024
    return data


def _mail(standin, method, rest, body, headers, query):
    if rest == "sendMail" and method == "POST":
        _store_message(standin, _parse_mime(body), "sendmail-" + secrets.token_hex(6))
        return 202, None, {}
    if rest == "messages" and method == "POST":
        return _create_draft(standin, body, headers)
    listing = re.match(r"^(?:mailFolders/(?P<folder>[^/]+)/)?messages$", rest)
    if listing and method == "GET":
        return _list_messages(standin, (listing["folder"] or "").lower(), query)
    match = re.match(r"^messages/(?P<id>[^/]+)(?P<send>/send)?$", rest)
    if not match:
        return 404, _graph_error("BadRequest", "Unsupported mail path."), {}
    with standin._lock:
        stored = standin.messages.get(match["id"])
    if stored is None:
        return 404, _graph_error("ErrorItemNotFound", "The specified object was not found."), {}
    if match["send"] and method == "POST":
        return _send_draft(standin, match["id"], stored)
    if method == "GET":
        return 200, _message_json(standin, match["id"], stored), {}
    return 405, _graph_error("BadRequest", "Method not allowed."), {}


def _create_draft(standin, body, headers):
    message = _parse_mime(body)
    if message is None:
        return 400, _graph_error("ErrorMimeContentInvalid", "Invalid MIME content."), {}
    gate = standin.gates.pop("create", None)
    if gate and not gate.wait():
        return None, None, {}  # the request never reached the mailbox
    immutable = 'IdType="ImmutableId"' in headers.get("Prefer", "")
    message_id = ("imm-" if immutable else "AAMk-") + uuidlib.uuid4().hex
    internet_id = message["Message-ID"] or f"<{uuidlib.uuid4().hex}@standin.example>"
    stored = {"mime": message, "internetMessageId": str(internet_id).strip(), "sent_at": None}
    with standin._lock:
        standin.messages[message_id] = stored
    if standin.lose_response("create"):
        return None, None, {}
    return 201, _message_json(standin, message_id, stored), {}


def _send_draft(standin, message_id, stored):
    """Deliver the draft: every accepted send is an email. The draft leaves Drafts only
    `send_delay_s` later, as Exchange moves it once transport has taken it."""
    if not standin.is_draft(stored):
        return 400, _graph_error("ErrorInvalidOperation", "Message already sent."), {}
    gate = standin.gates.pop("send", None)
    if gate and not gate.wait():
        return None, None, {}
    refused = standin.refusal("send")
    if refused:
        return refused, _graph_error("ErrorAccessDenied", "Access is denied."), {}
    wait = standin.over_mail_limit()
    if wait is not None:
        return (
            429,
            _graph_error("ApplicationThrottled", "Mailbox send limit exceeded."),
            {"Retry-After": str(wait)},
        )
    with standin._lock:
        if stored["sent_at"] is None:
            stored["sent_at"] = time.time()
    _store_message(standin, stored["mime"], message_id)
    if standin.lose_response("send"):
        return None, None, {}
    return 202, None, {}


def _list_messages(standin, folder, query):
    """Drafts, Sent Items or the whole mailbox, filtered by internetMessageId only."""
    if folder not in ("", "drafts", "sentitems"):
        return 404, _graph_error("ErrorInvalidIdMalformed", f"Unknown folder {folder}."), {}
    wanted = re.fullmatch(
        r"internetMessageId eq '((?:[^']|'')*)'", query.get("$filter", [""])[0].strip()
    )
    if not wanted:
        return 400, _graph_error("ErrorInvalidUrlQueryFilter", "Unsupported $filter."), {}
    internet_id = wanted[1].replace("''", "'")
    with standin._lock:
        found = [
            _message_json(standin, message_id, stored)
            for message_id, stored in standin.messages.items()
            if stored["internetMessageId"] == internet_id
        ]
    if folder:
        found = [m for m in found if m["isDraft"] == (folder == "drafts")]
    return 200, {"value": found}, {}


def _message_json(standin, message_id, stored) -> dict[str, Any]:
    draft = standin.is_draft(stored)
    return {
        "id": message_id,
        "isDraft": draft,
        "internetMessageId": stored["internetMessageId"],
        "parentFolderId": "drafts" if draft else "sentitems",
        "subject": stored["mime"]["Subject"],
    }


def _parse_mime(body: bytes):
    try:
        return message_from_bytes(base64.b64decode(body, validate=True), policy=default_policy)
    except ValueError:
        return None


def _store_message(standin, message, message_id: str) -> None:
    with standin._lock:
        standin._deliveries += 1
        number = standin._deliveries
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = standin.outbox_dir / f"{number:04d}-{stamp}-{message_id}.eml"
    path.write_bytes(message.as_bytes())


def _graph_error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "request-id": str(uuidlib.uuid4()),
                "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
        }
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}.sig"
