"""The one Microsoft Graph client: every Graph call of the project goes through it.

It owns what Graph asks of a well-behaved caller, so callers never build paging or
batching URLs or sleep themselves:

- 429, 503 and 504 honour `Retry-After` (also per item inside `$batch`, which SDK retry
  handlers do not do); without one, exponential backoff with jitter; the total wait of
  one call is bounded, after which it fails clearly;
- 401 refreshes the token once;
- a POST that is not idempotent is never retried after an ambiguous failure (the
  request may have been carried out and only the answer lost): the caller decides;
- `pages()` follows `@odata.nextLink`; `batch()` sends at most 20 requests per
  `$batch` and retries throttled items on their own.

Not the provider's KiotaRequestAdapterHook: kiota's retry handler retries POST on 429,
a duplicate-send risk for mail, and does not retry batch items.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

RETRY_STATUSES = {429, 503, 504}
BATCH_LIMIT = 20


class GraphError(RuntimeError):
    """Graph answered with an error; `status` and `code` say which."""

    def __init__(self, status: int, code: str, message: str, url: str) -> None:
        super().__init__(f"Graph {status} {code} for {url}: {message}")
        self.status, self.code = status, code


class AmbiguousSendError(RuntimeError):
    """A non-idempotent request may or may not have been carried out."""


@dataclass(frozen=True)
class RetryPolicy:
    max_wait_s: float = 120.0  # total sleeping per call, across its retries
    base_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    timeout_s: float = 60.0


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
        """`token(force_refresh)` returns a bearer token; `base_url` ends in /v1.0."""
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.session = session or requests.Session()
        self.policy = policy or RetryPolicy()
        self._sleep = sleep

    # --- single requests ---------------------------------------------------------
    def request(
        self, method: str, path_or_url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send with retries; returns the successful response or raises GraphError."""
        url = path_or_url if path_or_url.startswith("http") else self.base_url + path_or_url
        idempotent = (
            method in ("GET", "HEAD", "PUT", "DELETE") if idempotent is None else idempotent
        )
        waited, attempt, refreshed = 0.0, 0, False
        while True:
            attempt += 1
            try:
                response = self._send(method, url, refreshed, **kwargs)
            except requests.RequestException as exc:
                if not idempotent:
                    raise AmbiguousSendError(
                        f"{method} {url} failed without an answer ({exc}); it may have been "
                        f"carried out, so it is not retried blindly"
                    ) from exc
                response = None
                delay = self._backoff(attempt)
            else:
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    continue
                if response.status_code not in RETRY_STATUSES:
                    _raise_for_graph(response, url)
                    return response
                delay = retry_after(response.headers) or self._backoff(attempt)
            if waited + delay > self.policy.max_wait_s:
                raise GraphError(
                    getattr(response, "status_code", 0),
                    "RetryBudgetExhausted",
                    f"gave up after {attempt} attempts and {waited:.0f} s of waiting",
                    url,
                )
            self._sleep(delay)
            waited += delay

    def get_json(self, path_or_url: str, **kwargs: Any) -> dict[str, Any]:
        return self.request("GET", path_or_url, **kwargs).json()

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following `@odata.nextLink`."""
        url: str | None = path
        while url:
            page = self.get_json(url)
            yield from page.get("value", [])
            url = page.get("@odata.nextLink")

    # --- $batch -------------------------------------------------------------------
    def batch(self, requests_: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Run GET requests (`{"id", "url"}`) through `$batch`, 20 at a time, retrying
        throttled items after their own `Retry-After`. Returns each id's final response
        (`status`, `body`); failures other than throttling are returned, not raised."""
        results: dict[str, dict[str, Any]] = {}
        pending = list(requests_)
        waited = 0.0
        while pending:
            throttled, delay = [], 0.0
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start : start + BATCH_LIMIT]
                body = {
                    "requests": [
                        {"id": r["id"], "method": r.get("method", "GET"), "url": r["url"]}
                        for r in chunk
                    ]
                }
                answer = self.request("POST", "/$batch", json=body, idempotent=True).json()
                by_id = {r["id"]: r for r in chunk}
                for item in answer["responses"]:
                    if item["status"] in RETRY_STATUSES:
                        throttled.append(by_id[item["id"]])
                        delay = max(delay, retry_after(item.get("headers", {})) or 1.0)
                    else:
                        results[item["id"]] = item
            if throttled:
                if waited + delay > self.policy.max_wait_s:
                    for item in throttled:
                        results[item["id"]] = {
                            "id": item["id"],
                            "status": 429,
                            "body": {
                                "error": {
                                    "code": "RetryBudgetExhausted",
                                    "message": "still throttled after retries",
                                }
                            },
                        }
                    break
                self._sleep(delay)
                waited += delay
            pending = throttled
        return results

    # --- internals ----------------------------------------------------------------
    def _send(self, method: str, url: str, refresh: bool, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._token(refresh)}", **kwargs.pop("headers", {})}
        return self.session.request(
            method, url, headers=headers, timeout=self.policy.timeout_s, **kwargs
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.max_backoff_s, self.policy.base_backoff_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def retry_after(headers: Any) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds form), if any."""
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _raise_for_graph(response: requests.Response, url: str) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    raise GraphError(
        response.status_code,
        error.get("code", "Unknown"),
        error.get("message", response.text[:200]),
        url,
    )
