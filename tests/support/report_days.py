"""Representative report inputs of any size, for the report tests and `make bench-report`.

A day of `count` processes across clients, with failures (summaries with key errors,
error lines and signatures, and extracts that `extract_text` reads), finished processes
with videos in their client's OneDrive folder (named by its API key) or lookup errors,
running (some hung) and other statuses, and the run's links. `payload`, when given, is
written into every text field a person reads, to prove the report escapes all of them.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from process_report.links import RunLinks
from process_report.logs.signatures import signature
from process_report.processes import categorize
from process_report.window import Window, resolve_window

WINDOW = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00")
GENERATED = datetime(2026, 11, 27, 7, 0, 12, tzinfo=UTC)
STATUSES = ["Finished"] * 16 + ["Failed", "Failed", "Running", "Queued"]
LINKS = RunLinks(
    "https://airflow.example.net/",
    "client_process_daily_report",
    "scheduled__2026-11-26T07:00:00+00:00",
)
EXTRACT_ROOT = "file:///opt/airflow/artifacts/2026-11-26/scheduled__2026-11-26T07_00_00_00_00"


def api_key(client: int) -> str:
    """A client's API key: its OneDrive folder's name, a secret."""
    return f"ak{client:02d}f3c9e1b7d5a2"


def extract_text(url: str) -> str:
    """The redacted extract stored at `url`: the failure's log records."""
    uuid = url.rsplit("/", 1)[-1].split(".")[0]
    return "".join(
        f"2026-11-26 10:{minute:02d}:07 INFO {uuid} step {minute} done\n" for minute in range(30)
    ) + (
        f"2026-11-26 10:30:00 ERROR {uuid} encode failed\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/encoder/pipeline.py", line 88, in run\n'
        f"ValueError: corrupt frame in /data/{uuid}/in.ts\n"
    )


def report_inputs(
    count: int,
    payload: str | None = None,
    window: Window = WINDOW,
    statuses: Sequence[str] = STATUSES,
) -> dict:
    """Keyword arguments for report_email / render_report; `statuses` repeat in turn."""
    rows, failures, videos = [], [], {}
    for n in range(count):
        process_uuid = str(uuidlib.UUID(int=n + 1, version=4))
        status = statuses[n % len(statuses)]
        start = window.start + timedelta(minutes=n % 1400)
        rows.append(
            {
                "process_uuid": process_uuid,
                "client_id": n % 40,
                "client_name": payload or f"Client {n % 40:02d} Aerial Surveys",
                "api_key": api_key(n % 40),
                "status_name": payload if payload and status == "Queued" else status,
                "status_id": 1,
                "start_time": start,
                "ping_time": start + timedelta(minutes=5 if n % 7 else 600),
                "stop_time": None
                if status in ("Running", "Queued")
                else start + timedelta(minutes=30),
                "source_uri": payload or f"rtsp://cam{n % 40}.example.net/live",
                "source_alias": payload or f"site-{n % 40}",
                "source_uuid": "s",
            }
        )
        if status == "Failed":
            error = payload or f"ValueError: corrupt frame {n} in /data/job_{n % 9}/in.ts"
            failures.append(
                {
                    "uuid": process_uuid,
                    "found": True,
                    "key_error": error,
                    "signature": signature(error),
                    "error_lines": _error_lines(n, payload),
                    "first_error_at": "2026-11-26 10:00:00",
                    "last_error_at": "2026-11-26 10:05:00",
                    "extract": f"{EXTRACT_ROOT}/failure_logs/{process_uuid}.log",
                    "note": None,
                }
            )
        elif status == "Finished":
            name = (payload or "cam") + f"_{process_uuid}.mp4"
            url = payload or (
                f"https://contoso.example/personal/ops/Documents/Videos/{api_key(n % 40)}/{name}"
            )
            videos[process_uuid] = (
                {"videos": [], "error": payload or "link unavailable: x"}
                if n % 13 == 0
                else {
                    "videos": [{"name": name, "url": url, "modified": "2026-11-26T10:00:00Z"}],
                    "error": None,
                }
            )
    process_set = categorize(rows, window_end=window.end, hung_after_minutes=60)
    return {
        "window": window,
        "process_data": process_set.to_dict(),
        "previous_counts": {"finished": count // 2},
        "generated_at": GENERATED,
        "notes": [payload] if payload else [],
        "failures": failures,
        "videos": videos,
        "links": LINKS,
    }


def _error_lines(n: int, payload: str | None) -> list[dict[str, str]]:
    """Five error lines a minute apart, as the summary keeps them (oldest first)."""
    lines = []
    for minute in range(5):
        at = f"2026-11-26 10:0{minute}:00"
        text = (
            payload
            or f"retry {minute} of job {n}: /data/job_{n % 9}/segment_{minute}.ts unreadable"
        )
        lines.append({"at": at, "line": f"{at} ERROR {text}"})
    return lines


def distinct_errors(inputs: dict) -> dict:
    """`inputs` with every failure's key error of its own signature (a word of letters
    per failure: signatures mask numbers, hex and paths, never words)."""
    for n, failure in enumerate(inputs["failures"]):
        word = "".join(chr(ord("a") + (n // 26**i) % 26) for i in range(4))
        failure["key_error"] = f"EncoderError: stage {word} rejected the stream"
        failure["signature"] = signature(failure["key_error"])
    return inputs
