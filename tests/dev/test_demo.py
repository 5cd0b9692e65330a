"""`make demo` as a newcomer runs it (its Python entry point; the Makefile only installs
first): real runs of the DAG over the sample's earlier days and the report day, and what
the README promises it shows."""

from __future__ import annotations

import subprocess
import sys

from tests.support import PROJECT_DIR


def test_the_demo_shows_every_history_state_the_owners_and_the_teams_card():
    done = subprocess.run(
        [sys.executable, "-m", "dev.run_demo"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    for shown in ("[NEW] ", "[BACK] ", "[ONGOING] ", "NOT SEEN TODAY (FIXED?)", "ACKNOWLEDGED (1)"):
        assert shown in out, shown
    assert "th day in a row, since 2026-11-" in out  # the ongoing error's streak
    assert "7-DAY TREND (2026-11-20 to 2026-11-26" in out
    assert "\n  ana.lopez@example.com       Your clients 2026-11-26: " in out
    assert "\n  ben.ito@example.com         nothing (when: failures" in out
    assert "Teams card posted to the channel (teams_report):" in out
    demo = PROJECT_DIR / "out" / "demo"
    for png in (
        "report-375px-outlook-gmail-apps.png",
        "teams-card.png",
        "ui-run-process-report-1280px.png",
    ):
        assert (demo / png).stat().st_size > 10_000, png
