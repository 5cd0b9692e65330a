"""What git must leave out (secrets, runtime output) and what it must keep (the code):
an ignore rule that is too wide silently drops source files from every commit."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.support import PROJECT_DIR

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (PROJECT_DIR / ".git").exists(),
    reason="needs a git checkout",
)


def ignored(path: str) -> bool:
    """Whether .gitignore excludes `path` (tracked or not, existing or not)."""
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", path], cwd=PROJECT_DIR, check=False
    )
    return result.returncode == 0


@pytest.mark.parametrize(
    "path",
    [
        "config/msal_token_cache.json",
        "msal_token_cache.json",
        "msal_token_cache.json.lockfile",
        "config/msal_token_cache.json.lockfile",
        "logs/scheduler/latest",
        "logs/dag_id=client_process_daily_report/run_id=x/task_id=y/attempt=1.log",
        ".env",
        "out/bench/logs.json",
    ],
)
def test_secrets_and_runtime_output_are_ignored(path):
    assert ignored(path)


@pytest.mark.parametrize(
    "path",
    [
        "src/process_report/logs/format.py",
        "src/process_report/logs/__init__.py",
        "tests/process_report/logs/__init__.py",
        "tests/process_report/logs/test_scan.py",
        "config/README.md",
        ".env.example",
    ],
)
def test_source_files_are_never_ignored(path):
    assert not ignored(path)
