"""`make bench-report`: the email's HTML size and render time for a small and a big day,
and for the days that used to lose the report: 40,000 data-quality notes (links in the
logs folder) and 3,000 distinct failure signatures.

Render time is `report_email` end to end (context, templates, CSS inlining, the size
budget's re-renders, CSV and attachments, the failures' extracts zipped), best of
three; `message_bytes` is the Graph request that carries it. Writes
out/bench/report.json.
"""

from __future__ import annotations

import sys
import time

from dev.figures import save
from process_report.mail import build_message, graph_request_size
from process_report.report import report_email
from tests.support.report_days import distinct_errors, extract_text, report_inputs

LINK_NOTE = "/logs/archive/{:06d}.log skipped: it links outside the logs folder."


def days() -> dict[str, dict]:
    """The benchmarked days' inputs, by name."""
    return {
        "day_20": report_inputs(20),
        "day_20000": report_inputs(20_000),
        "notes_40000": {
            **report_inputs(200),
            "notes": [LINK_NOTE.format(n) for n in range(40_000)],
        },
        "signatures_3000": distinct_errors(report_inputs(3_000, statuses=["Failed"])),
    }


def main() -> int:
    figures = {}
    for name, inputs in days().items():
        count = len(inputs["process_data"]["processes"])
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            email = report_email(**inputs, read_extract=extract_text)
            timings.append(time.perf_counter() - started)
        message = build_message(email.body, ["ops@example.com"], email.attachments)
        figures[name] = {
            "processes": count,
            "notes": len(inputs["notes"]),
            "html_bytes": len(email.body.html.encode()),
            "text_bytes": len(email.body.text.encode()),
            "render_s": round(min(timings), 3),
            "rows_per_list_in_body": email.row_limit,
            "attachments": {a.name: len(a.data) for a in email.attachments},
            "message_bytes": graph_request_size(message),
        }
    save("report.json", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
