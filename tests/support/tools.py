"""Debian-packaged programs the tests need (chromium, docker-compose), installed by
`make test` when it runs as root with apt-get (`make browser`, `make compose-cli`).

Without one, a test that needs it is skipped with the reason, so `make test` still
works on a machine where nobody can install packages. Under CI (CI=true) it is an
error instead: a CI run must not go green by skipping what it was meant to check.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def program(name: str, install: str) -> str:
    """The path of `name`, or skip (fail under CI) saying how to install it."""
    return shutil.which(name) or missing(f"{name} is not installed: {install}")


def missing(reason: str) -> NoReturn:
    """Skip the current test with `reason`; under CI=true, fail it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing program is an error, not a skip)")
    pytest.skip(reason)
