"""Without Chromium or docker-compose (Debian packages, installed as root by `make
browser` / `make compose-cli`): the make goes on, the demo skips its screenshots, and a
test that needs the program is skipped with the reason, except under CI, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dev.run_demo import show_email_screenshots
from tests.support import PROJECT_DIR
from tests.support.browser import MISSING

BROWSER_TEST = """
from pathlib import Path
from tests.support.browser import overflow_px

def test_needs_a_browser(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>hi</body></html>")
    assert overflow_px(page, 375) == 0
"""


def path_without_chromium(tmp_path: Path, *programs: str) -> str:
    """A PATH holding only this Python and the named programs (as symlinks)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in programs:
        (bin_dir / name).symlink_to(shutil.which(name))
    return f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"


def run_browser_test(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_page.py").write_text(BROWSER_TEST)
    # The inner run is on its own: no CI flag, test id or options of the outer run.
    outer = ("CI", "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS")
    env = {k: v for k, v in os.environ.items() if k not in outer}
    env.update(PATH=path_without_chromium(tmp_path), PYTHONPATH=str(PROJECT_DIR))
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider", "test_page.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_browser_test_without_chromium_is_skipped_with_the_reason(tmp_path):
    result = run_browser_test(tmp_path, ci=None)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert MISSING in result.stdout


def test_under_ci_a_browser_test_without_chromium_fails_instead_of_skipping(tmp_path):
    result = run_browser_test(tmp_path, ci="true")
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout
    assert "CI=true: a missing program is an error, not a skip" in result.stdout


def test_demo_screenshots_without_chromium_are_skipped_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", path_without_chromium(tmp_path))
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # as in `make demo`, outside pytest
    report = tmp_path / "report.html"
    report.write_text("<html><body>report</body></html>")
    assert show_email_screenshots(report, tmp_path) is False
    assert capsys.readouterr().out == f"Screenshots skipped: {MISSING}\n"
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another user needs root")
def test_make_browser_without_root_says_why_and_lets_make_go_on():
    """As `nobody`, with apt-get and id on PATH but no chromium: the target cannot
    install, prints one line, and exits 0, so `make demo` and `make test` continue."""
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o755)  # pytest's tmp_path is private to root
        path = path_without_chromium(Path(work), "id", "apt-get", "cat", "cksum", "cut")
        result = subprocess.run(
            [
                shutil.which("setpriv"),
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                shutil.which("make"),
                "--no-print-directory",
                "-C",
                str(PROJECT_DIR),
                "browser",
            ],
            env={"PATH": path, "HOME": work},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [
        "chromium is not installed and could not be (needs root and apt-get: apt-get "
        "install chromium); make demo skips its screenshots and the browser tests are skipped"
    ]
