"""Headless Chromium (Debian's `chromium`) for looking at the report as a person would.

`screenshot` renders an HTML file at a width to PNG; `overflow_px` loads a copy of the
page with a probe script and reads back, through `--dump-dom`, how far the page is wider
than the viewport: 0 means nothing scrolls sideways on a phone.

Chromium comes from Debian's packages (`make browser`, as root). When it is missing,
a test that needs it is skipped with that reason (an error under CI=true, see
tests/support/tools.py), and anything else (`make demo`) gets ChromiumMissingError.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.tools import missing

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-quic",
]
_PROBE = (
    "<script>document.documentElement.setAttribute('data-overflow', "
    "String(Math.max(0, document.documentElement.scrollWidth - window.innerWidth)));"
    "</script>"
)


MISSING = "chromium is not installed: run `make browser` as root (apt-get install chromium)"


class ChromiumMissingError(RuntimeError):
    """No `chromium` on PATH."""


def chromium() -> str:
    """The browser's path. Under pytest (PYTEST_CURRENT_TEST is set while a test runs)
    a missing browser skips the test, or fails it under CI; elsewhere it raises."""
    found = shutil.which("chromium")
    if found:
        return found
    if "PYTEST_CURRENT_TEST" in os.environ:
        missing(MISSING)
    raise ChromiumMissingError(MISSING)


def screenshot(html: Path, width: int, png: Path, height: int = 2400) -> Path:
    _run([f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri()])
    return png


def overflow_px(html: Path, width: int) -> int:
    with tempfile.TemporaryDirectory() as work:
        probe = Path(work) / "probe.html"
        probe.write_text(html.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>", 1))
        dom = _run([f"--window-size={width},900", "--dump-dom", probe.as_uri()])
    found = re.search(r'data-overflow="(\d+)"', dom)
    if not found:
        raise RuntimeError("chromium did not run the overflow probe")
    return int(found.group(1))


def _run(arguments: list[str]) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return result.stdout
