"""Report inputs with a history: a day whose failures have five different errors, the
lifecycle `history.lifecycle.compare` gives for them (one of each state, one
acknowledged, one whose acknowledgement expired, one not seen today, a gap) and a 7-day
trend, in the shapes of the history interface (briefs/history-interface.md, points 3-4).
For the rendering tests; the DAG tests get the real thing from real runs."""

from __future__ import annotations

from typing import Any

from process_report.logs.signatures import error_id, signature
from tests.support.report_days import report_inputs

ERRORS = {
    "new": "PermissionError: [Errno 13] Permission denied: '/mnt/export/job_7/out.mp4'",
    "back": "ValueError: corrupt frame 812 in /data/site-03-1/chunk_812.ts",
    "ongoing": "TimeoutError: upload to OneDrive timed out after 120 s",
    "acknowledged": "OSError: [Errno 28] No space left on device: '/scratch/job_4/out.mp4'",
    "expired": "RuntimeError: encoder exited with status 137",
}
NOT_SEEN = "ConnectionResetError: [Errno 104] Connection reset by peer"
TICKET = "https://tracker.example.net/OPS-412"


def history_inputs(count: int = 60) -> dict[str, Any]:
    """report_inputs(count) whose failures cycle through ERRORS, with `history` and
    `trend` for them."""
    inputs = report_inputs(count)
    errors = list(ERRORS.values())
    for n, failure in enumerate(inputs["failures"]):
        failure["key_error"] = errors[n % len(errors)]
        failure["signature"] = signature(failure["key_error"])
    return {**inputs, "history": lifecycle(), "trend": trend()}


def _state(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "state": kind,
        "streak": 1,
        "since": "2026-11-26",
        "days_seen": 1,
        "horizon": 14,
        "last_seen": None,
        "away_days": None,
        "acknowledged": None,
        **fields,
    }


def lifecycle() -> dict[str, Any]:
    """What compare() says of ERRORS on 2026-11-26, with 2026-11-21 and 2026-11-22
    not archived."""
    ack = {"note": "disk swap planned", "ticket": TICKET, "until": None}
    return {
        "first_run": False,
        "gaps": ["2026-11-21", "2026-11-22"],
        "signatures": {
            error_id(ERRORS["new"]): _state("new"),
            error_id(ERRORS["back"]): _state(
                "back", days_seen=3, last_seen="2026-11-23", away_days=3
            ),
            error_id(ERRORS["ongoing"]): _state(
                "ongoing", streak=4, since="2026-11-23", days_seen=6, last_seen="2026-11-25"
            ),
            error_id(ERRORS["acknowledged"]): _state(
                "ongoing",
                streak=2,
                since="2026-11-25",
                days_seen=2,
                last_seen="2026-11-25",
                acknowledged={**ack, "expired": False, "returned": False},
            ),
            error_id(ERRORS["expired"]): _state(
                "ongoing",
                streak=3,
                since="2026-11-24",
                days_seen=3,
                last_seen="2026-11-25",
                acknowledged={
                    "note": "vendor fix pending",
                    "ticket": "javascript:alert(1)",
                    "until": "2026-11-25",
                    "expired": True,
                    "returned": False,
                },
            ),
        },
        "not_seen_today": [
            {
                "signature": error_id(NOT_SEEN),
                "key_error": NOT_SEEN,
                "last_seen": "2026-11-25",
                "streak": 2,
                "clients": ["Client 03 Aerial Surveys"],
            }
        ],
        "counts": {"new": 1, "back": 1, "ongoing": 2, "acknowledged": 1, "not_seen_today": 1},
    }


def trend() -> dict[str, Any]:
    """Seven days ending on 2026-11-26; one client failing four days in a row."""
    return {
        "days": [f"2026-11-{day}" for day in range(20, 27)],
        "overall": {
            "finished": [40, 42, 38, 45, 41, 39, 48],
            "failed": [2, 0, 1, 4, 6, 5, 6],
            "running": [3, 2, 4, 3, 3, 5, 2],
        },
        "clients": [
            {"client": "Client 03 Aerial Surveys", "failed": [1, 0, 0, 2, 3, 1, 2], "streak": 4},
            {"client": "Client 07 Aerial Surveys", "failed": [1, 0, 1, 0, 1, 0, 1], "streak": 1},
        ],
    }
