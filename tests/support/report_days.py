"""Representative report inputs of any size, for the report tests and `make bench-report`.

A day of `count` processes across clients, with failures (summaries with key errors
and signatures), finished processes with videos or lookup errors, running (some hung)
and other statuses. `payload`, when given, is written into every text field a person
reads, to prove the report escapes all of them.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime, timedelta

from process_report.logs.signatures import signature
from process_report.processes import categorize
from process_report.window import Window, resolve_window

WINDOW = resolve_window(timezone="Europe/Paris", window_end="2026-11-27T08:00")
GENERATED = datetime(2026, 11, 27, 7, 0, 12, tzinfo=UTC)
STATUSES = ["Finished"] * 16 + ["Failed", "Failed", "Running", "Queued"]


def report_inputs(count: int, payload: str | None = None, window: Window = WINDOW) -> dict:
    """Keyword arguments for report_email / render_report."""
    rows, failures, videos = [], [], {}
    for n in range(count):
        process_uuid = str(uuidlib.UUID(int=n + 1, version=4))
        status = STATUSES[n % len(STATUSES)]
        start = window.start + timedelta(minutes=n % 1400)
        rows.append(
            {
                "process_uuid": process_uuid,
                "client_id": n % 40,
                "client_name": payload or f"Client {n % 40:02d} Aerial Surveys",
                "api_key": f"key-{n % 40}",
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
                    "error_lines": [],
                    "first_error_at": None,
                    "last_error_at": None,
                    "extract": f"file:///artifacts/failure_logs/{process_uuid}.log",
                    "note": None,
                }
            )
        elif status == "Finished":
            name = (payload or "cam") + f"_{process_uuid}.mp4"
            url = payload or f"https://contoso.example/Videos/{process_uuid}.mp4"
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
    }
