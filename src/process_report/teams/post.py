"""The Teams post, at most once per clear of the run, kept in a record beside the
email's send record (`outbox/teams-record-N.json`, the same exclusive create).

A webhook has no way to ask afterwards whether a card arrived, so where the answer was
lost the post is not repeated: a channel message twice is worse than one the operator
is told may be missing. A definite failure (the webhook answered with an error, or no
connection was made) is recorded as such; a retry takes the record over and posts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from process_report.send_record import SendRecord
from process_report.teams.webhook import WebhookError

POSTED, POSTING, FAILED = "posted", "posting", "failed"


def post_once(record: SendRecord, post: Callable[[], int], attempt: str) -> str:
    """Post through `post()` unless this clear's record says it was done or may have
    been; returns what happened: "posted", "already posted" or "outcome unknown".
    A failed post raises its WebhookError after recording it."""
    data = record.read()
    if data is None:
        data = _state(POSTING, attempt, generation=0)
        if not record.claim(data):
            return _settled(record.read())
    elif data["state"] == FAILED:
        generation = int(data["generation"]) + 1
        if not record.take_over(generation):
            return _settled(record.read())
        data = _state(POSTING, attempt, generation=generation)
        record.write(data)
    else:
        return _settled(data)
    try:
        status = post()
    except WebhookError as exc:
        if exc.delivered is False:
            record.write({**data, "state": FAILED, "error": str(exc), "updated_at": _now()})
        raise
    record.write({**data, "state": POSTED, "status": status, "updated_at": _now()})
    return POSTED


def _settled(data: dict[str, Any] | None) -> str:
    """What an earlier or concurrent attempt's record means for this one."""
    if data and data["state"] == POSTED:
        return "already posted"
    return "outcome unknown"


def _state(state: str, attempt: str, *, generation: int) -> dict[str, Any]:
    return {
        "state": state,
        "message_id": attempt,  # the attempt that owns the post (SendRecord's field)
        "generation": generation,
        "updated_at": _now(),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat()
