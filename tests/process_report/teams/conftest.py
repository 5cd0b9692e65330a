"""The Teams webhook stand-in, empty and without faults."""

from __future__ import annotations

import pytest

from tests.support.teams_standin import TeamsStandIn


@pytest.fixture
def teams(tmp_path):
    with TeamsStandIn(tmp_path / "teams") as standin:
        yield standin
