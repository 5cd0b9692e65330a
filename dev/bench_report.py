"""`make bench-report`: the email's HTML size and render time for a small and a big day.

Render time is `report_email` end to end (context, templates, CSS inlining, the size
budget's re-renders, CSV and attachments, the failures' extracts zipped), best of
three. Writes out/bench/report.json.
"""

from __future__ import annotations

import sys
import time

from dev.figures import save
from process_report.report import report_email
from tests.support.report_days import extract_text, report_inputs


def main() -> int:
    figures = {}
    for count in (20, 20_000):
        inputs = report_inputs(count)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            email = report_email(**inputs, read_extract=extract_text)
            timings.append(time.perf_counter() - started)
        figures[f"day_{count}"] = {
            "processes": count,
            "html_bytes": len(email.body.html.encode()),
            "text_bytes": len(email.body.text.encode()),
            "render_s": round(min(timings), 3),
            "rows_per_list_in_body": email.row_limit,
            "attachments": {a.name: len(a.data) for a in email.attachments},
        }
    save("report.json", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
