"""`make screenshots-ui` against a real API server and Chromium: signed in, the DAG's
Details tab and doc name the report time and zone, and the trigger form shows the
Report day date picker (each screenshot waits for its text, or fails naming it)."""

from __future__ import annotations

from PIL import Image

from dev.ui_screenshots import main
from tests.support.devtools import WIDTH


def test_ui_screenshots_show_the_report_time_zone_and_the_report_day_picker(tmp_path):
    assert main(tmp_path / "ui") == 0
    for name in ("dag-details.png", "dag-doc.png", "trigger-form.png"):
        with Image.open(tmp_path / "ui" / name) as image:
            assert image.width == WIDTH, name
    assert not (tmp_path / "ui" / "not-shown.png").exists()
