"""The one Microsoft Graph client: every Graph call of the project goes through it.

It owns what Graph asks of a well-behaved caller, so callers never build paging or
batching URLs or sleep themselves:

- 429 is waited out on any request (Graph refused it, so sending it again is safe); 5xx
  and a lost answer only on idempotent requests: a POST that is not idempotent may have
  been carried out and only the answer lost, so the caller decides (`AmbiguousSendError`,
  or the `GraphError` of the 5xx);
- a transient sign-in failure (the token endpoint's 429/5xx or no answer, raised by
  `token()` as a transient `GraphError`) is waited out the same way, before anything
  was sent;
- waits honour `Retry-After` (also per item inside `$batch`, which SDK retry handlers do
  not do), else exponential backoff with jitter; the total wait of one call (for a
  `crawl`, since its last progress) is bounded, after which it fails with a transient
  `GraphError`. Each wait is one INFO line with
  the status and the seconds, never the URL: paths name client folders, which are
  API keys;
- 401 refreshes the token once; a second 401 in the same call is a clear error;
- absolute URLs (`@odata.nextLink`) are followed only on the configured Graph scheme and
  host, so the bearer token never goes anywhere else;
- answers are read streamed and refused beyond a size cap, and each request has a total
  deadline (graph/deadline.py), not only a per-read timeout: a dripped answer is cut;
- no redirect is followed (`NoRedirectSession`): a 3xx is an error naming its target;
- `pages()` follows `@odata.nextLink`; `batch()` and `crawl()` send at most 20
  requests per `$batch` and retry throttled or failed items on their own, while the
  others' rounds go on.

Not the provider's KiotaRequestAdapterHook: kiota's retry handler retries POST on 429
and 5xx, a duplicate-send risk for mail, and does not retry batch items.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from process_report.graph.deadline import deadline, mount_deadlines

log = logging.getLogger(__name__)

BATCH_LIMIT = 20
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# 5xx that another try will not cure: Not Implemented, HTTP Version, Insufficient Storage.
_LASTING_5XX = frozenset({501, 505, 507})
_DEFAULT_PORTS = {"https": 443, "http": 80}
_CHUNK = 64 * 1024
_REFUSED_FRESH_TOKEN = (
    "Graph refused a freshly issued token (check the app registration's permissions and "
    "the connection's Graph host): "
)


class GraphError(RuntimeError):
    """Graph, or signing in to it, failed; `status` and `code` say how.

    `transient`: the same call may well succeed later (throttling, an outage, no
    answer), so a task should be retried rather than give up on it; `retry_after` is
    the server's `Retry-After` in seconds, if it sent one."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        url: str,
        *,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(self.describe(status, code, message, url))
        self.status, self.code = status, code
        self.transient, self.retry_after = transient, retry_after

    @staticmethod
    def describe(status: int, code: str, message: str, url: str) -> str:
        return f"Graph {status} {code} for {url}: {message}"


class AmbiguousSendError(RuntimeError):
    """A non-idempotent request may or may not have been carried out."""


@dataclass(frozen=True)
class RetryPolicy:
    max_wait_s: float = 120.0  # total sleeping per call, across its retries
    base_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    timeout_s: float = 60.0  # per socket operation (connect, each read)
    deadline_s: float = 120.0  # per request, connect plus the whole answer
    max_response_bytes: int = MAX_RESPONSE_BYTES


def retryable(status: int, idempotent: bool) -> bool:
    """Whether an answer with `status` may be sent again: 429 always (Graph refused the
    request), a 5xx only when sending twice does no harm."""
    return status == 429 or (idempotent and status >= 500 and status not in _LASTING_5XX)


class RetryBudget:
    """The waits of one call: `Retry-After`, else jittered exponential backoff; each
    logged; their total bounded by the policy, past which the call fails (transient)."""

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None], url: str = "") -> None:
        self.policy, self._sleep, self.url = policy, sleep, url
        self.tries, self.waited = 1, 0.0

    def wait(
        self,
        failure: str,
        status: int,
        retry_after_s: float | None,
        backoff_s: float | None = None,
    ) -> None:
        """Sleep before the next try, or raise when that would exceed the budget.
        `failure` says what happened, without a URL ("Graph answered 503 to GET");
        without a `Retry-After`, the wait is `backoff_s` if given, else the next backoff."""
        delay = retry_after_s or backoff_s or self.backoff()
        if self.waited + delay > self.policy.max_wait_s:
            raise GraphError(
                status,
                "RetryBudgetExhausted",
                f"{failure}; gave up after {self.tries} tries and {self.waited:.0f} s of waiting",
                self.url,
                transient=True,
            )
        source = "Retry-After" if retry_after_s else "backoff"
        log.info("%s; waiting %.1f s (%s) before try %d", failure, delay, source, self.tries + 1)
        self._sleep(delay)
        self.tries += 1
        self.waited += delay

    def backoff(self) -> float:
        ceiling = min(self.policy.max_backoff_s, self.policy.base_backoff_s * 2 ** (self.tries - 1))
        return random.uniform(ceiling / 2, ceiling)


class GraphClient:
    def __init__(
        self,
        base_url: str,
        token: Callable[[bool], str],
        *,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`token(force_refresh)` returns a bearer token, or raises a GraphError
        (transient if signing in may work later); `base_url` ends in /v1.0."""
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.session = session or NoRedirectSession()
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._origin = _origin(self.base_url)

    # --- single requests ---------------------------------------------------------
    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        idempotent: bool | None = None,
        budget: RetryBudget | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send with retries; returns the successful response or raises GraphError.
        `budget`: the retry budget of the call this request is part of (a crawl's rounds
        share one), else its own."""
        url = self.url(path_or_url)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        budget = budget or RetryBudget(self.policy, self._sleep, url)
        refresh = refreshed = False
        while True:
            response = self._send_or_wait(method, url, refresh, idempotent, budget, **kwargs)
            if response is None:
                continue
            status = response.status_code
            refresh = status == 401 and not refreshed  # one new token, not one per retry
            if refresh:
                refreshed = True
                continue
            if retryable(status, idempotent):
                budget.wait(
                    f"Graph answered {status} to {method}", status, retry_after(response.headers)
                )
                continue
            _raise_for_graph(response, url, _REFUSED_FRESH_TOKEN if status == 401 else "")
            return response

    def get_json(self, path_or_url: str, **kwargs: Any) -> dict[str, Any]:
        return json_object(self.request("GET", path_or_url, **kwargs))

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following `@odata.nextLink`."""
        url: str | None = path
        while url:
            page = self.get_json(url)
            yield from page.get("value", [])
            url = page.get("@odata.nextLink")

    def url(self, path_or_url: str) -> str:
        """The absolute URL of a path under the version root; an absolute URL only if it
        is on the configured Graph scheme and host, since the bearer token goes with it."""
        parts = urlsplit(path_or_url)
        if not (parts.scheme or parts.netloc):
            return self.base_url + path_or_url
        if _origin(path_or_url) != self._origin:
            scheme, host, port = self._origin
            raise GraphError(
                0,
                "UntrustedUrl",
                f"the link is not the configured Graph host ({scheme}://{host}:{port}); "
                f"the token is not sent there",
                _where(path_or_url),
            )
        return path_or_url

    def relative(self, url: str) -> str:
        """`url` relative to the version root, as `$batch` takes it; like `url()`, only
        for links on the configured Graph host."""
        parts = urlsplit(self.url(url))
        root = urlsplit(self.base_url).path
        if not parts.path.startswith(root + "/"):
            raise GraphError(0, "UntrustedUrl", f"the link is not under {root}", _where(url))
        return parts.path[len(root) :] + (f"?{parts.query}" if parts.query else "")

    # --- $batch -------------------------------------------------------------------
    def batch(self, requests_: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Run requests (`{"id", "url"}`, GET unless `method` says) through `$batch`;
        returns each id's final response (`status`, `body`); failures are returned, not
        raised. See `crawl` for the rounds and the retries."""
        results: dict[str, dict[str, Any]] = {}

        def keep(request: dict[str, Any], answer: dict[str, Any]) -> list[dict[str, Any]]:
            results[request["id"]] = {**answer, "id": request["id"]}
            return []

        self.crawl(requests_, keep)
        return results

    def crawl(
        self,
        requests_: Iterable[dict[str, Any]],
        handle: Callable[[dict[str, Any], dict[str, Any]], Iterable[dict[str, Any]]],
    ) -> None:
        """Run requests (`{"url"}`, GET unless `method` says, any other keys the caller's)
        through `$batch`, 20 per round, as a queue: `handle(request, answer)` gets each
        final answer and returns follow-up requests (the next level of a folder walk),
        which go out in the next round.

        An item answered 429 (or 5xx, when idempotent) joins the queue again once its
        own `Retry-After` (else backoff) has passed, and meanwhile the other items' rounds
        go on: a throttled folder holds back neither its siblings nor their subfolders.
        Only when every queued item is waiting does the crawl sleep, until all of them
        may go (one logged wait). The retry budget bounds the waiting since the crawl's
        last progress (an item's final answer), not the whole walk: a big walk that Graph
        throttles round after round still finishes, however long (the task's timeout
        bounds that), while a crawl that gets nowhere fails once the budget is spent,
        handing its waiting items over as failed."""
        ready: deque[dict[str, Any]] = deque(requests_)
        waiting: list[tuple[float, dict[str, Any], dict[str, Any]]] = []  # (due, request, answer)
        budget = RetryBudget(self.policy, self._sleep, "/$batch")
        while ready or waiting:
            now = time.monotonic()
            ready.extend(request for due, request, _ in waiting if due <= now)
            waiting = [entry for entry in waiting if entry[0] > now]
            if not ready:
                statuses = sorted({answer["status"] for _, _, answer in waiting})
                delay = max(due for due, _, _ in waiting) - now
                told = any(retry_after(answer.get("headers")) for _, _, answer in waiting)
                try:
                    budget.wait(
                        f"Graph answered {'/'.join(map(str, statuses))} to "
                        f"{len(waiting)} batch item(s)",
                        statuses[-1],
                        delay if told else None,
                        backoff_s=delay,
                    )
                except GraphError as exc:
                    for _, request, answer in waiting:
                        ready.extend(handle(request, _exhausted(answer, str(exc))))
                    waiting = []
                    continue
                ready.extend(request for _, request, _ in waiting)
                waiting = []
                continue
            chunk = [ready.popleft() for _ in range(min(BATCH_LIMIT, len(ready)))]
            progressed = False
            for request, answer in self._batch_round(chunk, budget):
                method = request.get("method", "GET")
                if retryable(answer["status"], method in IDEMPOTENT_METHODS):
                    delay = retry_after(answer.get("headers")) or budget.backoff()
                    waiting.append((time.monotonic() + delay, request, answer))
                else:
                    progressed = True
                    ready.extend(handle(request, answer))
            if progressed:
                budget = RetryBudget(self.policy, self._sleep, "/$batch")

    def _batch_round(
        self, chunk: list[dict[str, Any]], budget: RetryBudget
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """One `$batch` of at most 20 requests: each request with its answer. An item the
        answer leaves out or gives no HTTP status (a malformed answer, which a proxy or a
        bad day can make of it) counts as unanswered. The `$batch` itself is retried
        within the crawl's budget: a whole round throttled spends the crawl's waiting."""
        body = {
            "requests": [
                {"id": str(n), "method": r.get("method", "GET"), "url": r["url"]}
                for n, r in enumerate(chunk)
            ]
        }
        response = self.request("POST", "/$batch", json=body, idempotent=True, budget=budget)
        by_id = {str(item.get("id")): item for item in _batch_items(response)}
        for n, request in enumerate(chunk):
            yield request, by_id.get(str(n), _UNANSWERED)

    # --- internals ----------------------------------------------------------------
    def _send_or_wait(
        self,
        method: str,
        url: str,
        refresh: bool,
        idempotent: bool,
        budget: RetryBudget,
        **kwargs: Any,
    ) -> requests.Response | None:
        """One try: Graph's answer, or None once a failure that may pass was waited out
        (a sign-in outage, before anything was sent; no answer to an idempotent
        request). No answer to any other request is the caller's to settle."""
        try:
            return self._send(method, url, refresh, **kwargs)
        except GraphError as exc:  # signing in failed, or the answer was too large
            if not exc.transient:
                raise
            failure = f"Sign-in failed ({exc.status or 'no answer'} {exc.code})"
            budget.wait(failure, exc.status, exc.retry_after)
        except requests.RequestException as exc:
            if not idempotent:
                raise AmbiguousSendError(
                    f"{method} {url} failed without an answer ({exc}); it may have been "
                    f"carried out, so it is not retried blindly"
                ) from exc
            budget.wait(f"Graph gave no answer to {method} ({type(exc).__name__})", 0, None)
        return None

    def _send(self, method: str, url: str, refresh: bool, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._token(refresh)}", **kwargs.pop("headers", {})}
        with deadline(self.policy.deadline_s, f"Graph's answer to {method}"):
            response = self.session.request(
                method,
                url,
                headers=headers,
                timeout=self.policy.timeout_s,
                stream=True,
                allow_redirects=False,
                **kwargs,
            )
            read_capped(response, self.policy.max_response_bytes, url)
        refuse_redirect(response, url)
        return response


class NoRedirectSession(requests.Session):
    """A session that never follows a redirect, whoever calls it (this client, MSAL):
    a 3xx from a TLS-inspecting proxy, a gateway or a wrong cloud endpoint would take
    the client secret, the report or the bearer token's answers to another host, and
    that host's answers would be believed as Microsoft's. The 3xx is returned as it
    is, for `refuse_redirect` to turn into an error."""

    max_redirects = 0

    def __init__(self) -> None:
        super().__init__()
        mount_deadlines(self)  # and each request's total deadline can reach its socket

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def refuse_redirect(response: requests.Response, url: str) -> None:
    """A GraphError (permanent) for a 3xx answer, naming the host it pointed to: no
    redirect is followed, and another try would be redirected again."""
    if not 300 <= response.status_code < 400:
        return
    location = response.headers.get("Location") or ""
    target = _where(location) if urlsplit(location).netloc else "the same host"
    raise GraphError(
        response.status_code,
        "Redirected",
        f"the answer redirects to {target}, which is not followed: the request, its "
        f"token and its content stay on the configured host. A proxy, a gateway or a "
        f"wrong Graph or sign-in endpoint sent it; check the connection's host and "
        f"the network path to Microsoft 365",
        _where(url),
    )


def json_object(response: requests.Response) -> dict[str, Any]:
    """A successful answer's JSON object; a body that is not one (an HTML page from a
    proxy, a truncated answer, `[]`) is a transient GraphError, never an
    AttributeError further on."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise GraphError(
            response.status_code,
            "MalformedAnswer",
            f"the answer is not a JSON object ({_clip(response.text, 80) or 'empty'})",
            _where(response.url or ""),
            transient=True,
        )
    return body


def read_capped(response: requests.Response, cap: int, url: str) -> None:
    """Read a streamed response's body, counting: one over `cap` bytes fails (the
    connection is dropped) instead of taking the worker's memory. Afterwards the
    response reads like an unstreamed one (`.json()`, `.text`)."""
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > cap:
            response.close()
            raise GraphError(
                response.status_code,
                "ResponseTooLarge",
                f"the answer is larger than the {cap}-byte cap; refused",
                url,
            )
    response._content = bytes(body)  # what requests itself keeps for .content/.json()


def retry_after(headers: Any) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds form), if any. Delta-seconds
    are whole seconds: a fraction is rounded up, so that "0.001" (or "1e-300") cannot
    have a call retry with no wait at all, spinning without spending its budget.
    `headers` that are not a mapping (a malformed `$batch` item) have none."""
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == "retry-after":
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return None
            if math.isnan(seconds):
                return None
            return float(math.ceil(seconds)) if 0 < seconds < math.inf else max(0.0, seconds)
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # out of range or not a number: no origin this client trusts
        return scheme, (parts.hostname or ""), None
    return scheme, (parts.hostname or ""), port or _DEFAULT_PORTS.get(scheme)


def _where(url: str) -> str:
    """A refused link, for messages: its scheme, host and port, never its path or query,
    which can name client folders (API keys)."""
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}" + (f":{port}" if port else "")


# A `$batch` item Graph's answer left out: like a 503, tried again when idempotent.
_UNANSWERED: dict[str, Any] = {
    "status": 503,
    "body": {"error": {"code": "NoAnswer", "message": "the $batch answer left this item out"}},
}


def _batch_items(response: requests.Response) -> list[dict[str, Any]]:
    """The items of a `$batch` answer that have an HTTP status; none when the answer is
    not the object with a `responses` list it should be."""
    try:
        answer = response.json()
    except ValueError:  # not JSON at all
        return []
    items = answer.get("responses") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and _is_status(item.get("status"))]


def _is_status(status: Any) -> bool:
    return isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599


def _exhausted(item: dict[str, Any], reason: str) -> dict[str, Any]:
    """A batch item's final answer once the retry budget is spent."""
    return {
        "id": item.get("id"),  # none when the item was never answered
        "status": item["status"],
        "body": {"error": {"code": "RetryBudgetExhausted", "message": reason}},
    }


def _raise_for_graph(response: requests.Response, url: str, prefix: str = "") -> None:
    """A GraphError for an error answer: transient for 429 and the 5xx worth retrying
    (whether this request could be sent again is the caller's business)."""
    status = response.status_code
    if status < 400:
        return
    code, message = error_fields(response)
    raise GraphError(
        status,
        code,
        prefix + message,
        url,
        transient=retryable(status, idempotent=True),
        retry_after=retry_after(response.headers),
    )


def error_fields(response: requests.Response) -> tuple[str, str]:
    """The error code and message of an error answer, whatever its body: Graph's
    `{"error": {"code", "message"}}`, an OAuth-style `{"error": "invalid_request",
    "error_description"}` a gateway sends, any other JSON (`[]`, a string), an HTML
    page or nothing. Clipped: a hostile body must not fill the log or the alert."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
    elif isinstance(body, dict):
        code = error
        message = body.get("error_description") or body.get("message")
    else:
        code = message = None
    if not isinstance(code, str | int) or isinstance(code, bool) or code == "":
        code = "Unknown"
    if not isinstance(message, str) or not message.strip():
        message = response.text or f"HTTP {response.status_code} with an empty body"
    return _clip(str(code), 80), _clip(message, 300)


def _clip(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
