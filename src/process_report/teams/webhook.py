"""One POST of a card to a Teams Workflows webhook, checked before it is believed.

The webhook URL is a secret (its `sig` parameter signs the request), so it never
appears in an error: errors name the host only. A redirect is never followed (the card
and the URL's signature would go to another host), and the whole exchange has one
deadline, body included, so a peer that drips its answer cannot hold the task.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

DEADLINE_S = 30.0
MAX_ANSWER_BYTES = 64 * 1024


class WebhookError(RuntimeError):
    """The post failed. `delivered` is False when the channel certainly did not get the
    card (the webhook answered with an error, or no connection was made), None when it
    may have (the request went out and no answer came back)."""

    def __init__(self, message: str, *, status: int = 0, transient: bool, delivered: bool | None):
        super().__init__(message)
        self.status, self.transient, self.delivered = status, transient, delivered


def webhook_session(verify: bool | str = True) -> requests.Session:
    """A session that verifies with `verify` (True, or a CA bundle's path) and ignores
    REQUESTS_CA_BUNDLE, which requests would otherwise let override it."""
    session = requests.Session()
    session.trust_env = False
    session.verify = verify
    return session


def post_message(
    session: requests.Session,
    url: str,
    message: Mapping[str, Any],
    *,
    deadline_s: float = DEADLINE_S,
) -> int:
    """POST `message` as JSON; the status (200 or 202) when the webhook accepted it."""
    host = urlsplit(url).hostname or "?"
    if urlsplit(url).scheme != "https" and host not in ("127.0.0.1", "::1", "localhost"):
        raise WebhookError(
            f"The Teams webhook must be an https URL (host {host})",
            transient=False,
            delivered=False,
        )
    started = time.monotonic()
    try:
        response = session.post(
            url, json=message, allow_redirects=False, stream=True, timeout=(10, deadline_s)
        )
    except (requests.ConnectTimeout, requests.exceptions.SSLError) as exc:
        raise WebhookError(
            f"Cannot reach the Teams webhook at {host}: {type(exc).__name__}",
            transient=True,
            delivered=False,
        ) from None
    except requests.ConnectionError as exc:
        # refused before a connection existed: nothing went out; reset after: maybe
        refused = isinstance(getattr(exc.args[0], "reason", None), NewConnectionError)
        raise WebhookError(
            f"No answer from the Teams webhook at {host}: {type(exc).__name__}",
            transient=True,
            delivered=False if refused else None,
        ) from None
    except requests.Timeout:
        raise WebhookError(
            f"The Teams webhook at {host} did not answer within {deadline_s:.0f} s",
            transient=True,
            delivered=None,
        ) from None
    with response:
        _read_within(response, started + deadline_s, host)
        return _checked(response, host)


def _read_within(response: requests.Response, deadline: float, host: str) -> None:
    """Read the (small) answer, giving up at the deadline or past MAX_ANSWER_BYTES."""
    size = 0
    for chunk in response.iter_content(4096):
        size += len(chunk)
        if time.monotonic() > deadline or size > MAX_ANSWER_BYTES:
            raise WebhookError(
                f"The Teams webhook at {host} sent its answer too slowly or too long",
                status=response.status_code,
                transient=True,
                delivered=None,
            )


def _checked(response: requests.Response, host: str) -> int:
    status = response.status_code
    if status in (200, 201, 202):
        return status
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("Location", "")).hostname or "?"
        raise WebhookError(
            f"The Teams webhook at {host} answered {status}, a redirect to {target}: not "
            "followed (the card and the webhook's signature stay here); check the URL",
            status=status,
            transient=False,
            delivered=False,
        )
    transient = status in (408, 429) or status >= 500
    raise WebhookError(
        f"The Teams webhook at {host} answered {status}"
        + ("" if transient else ": check the teams_report connection (URL, flow enabled)"),
        status=status,
        transient=transient,
        delivered=False,
    )
