"""The real scheduler: Airflow's own processes on a PostgreSQL metadata DB, the
production DAG, the README's Operations commands run as they are written.

Quick form (in `make test`): one LocalExecutor cluster shared by the module's tests,
then one CeleryExecutor cluster for a triggered run. Full form (`make test-scheduler`,
SCHEDULER_TESTS=full): the tests marked `full_form` as well.

The process database holds, for every report day from FIRST_DAY to the latest the
scheduler may create, `finished_on(day)` finished processes of one client, so each
report's subject names the window it covered by its day and its count.
"""

from __future__ import annotations

import os
import secrets
import shlex
import socket
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest

from tests.support.airflow_cluster import AirflowCluster
from tests.support.embedded_db import drop_database, recreate_database
from tests.support.factories import insert_client, insert_process, insert_statuses
from tests.support.graph_standin import GraphStandIn
from tests.support.readme_commands import AIRFLOW_COMMANDS
from tests.support.sample_day import load_schema
from tests.support.scheduler_deployment import (
    ONEDRIVE_ROOT,
    TIMEZONE,
    SchedulerDeployment,
    prepare,
)

FULL_FORM = os.environ.get("SCHEDULER_TESTS", "quick") == "full"
full_form = pytest.mark.skipif(not FULL_FORM, reason="full form only: make test-scheduler")
FIRST_DAY = date(2026, 11, 1)
API_KEY = "5c0ffee5c0ffee5c0ffee5c0"
TZ = ZoneInfo(TIMEZONE)


def readme_command(
    prefix: str, *, having: str | None = None, lacking: str | None = None
) -> list[str]:
    """The one README Operations command that starts with `prefix`, has the word
    `having` and lacks the word `lacking`, as argv words after `airflow`."""
    found = [
        words
        for words in map(shlex.split, AIRFLOW_COMMANDS)
        if " ".join(words).startswith(prefix)
        and (having is None or having in words)
        and (lacking is None or lacking not in words)
    ]
    assert len(found) == 1, (prefix, having, lacking, found)
    return found[0][1:]


def option(words: list[str], name: str) -> str:
    return words[words.index(name) + 1]


def finished_on(day: date) -> int:
    """How many processes finish on report day `day`: 1 to 4, different for any three
    days in a row."""
    return day.toordinal() % 4 + 1


def report_start(day: date) -> datetime:
    """Report day D's window starts (and its scheduled run's logical date is) D 08:00."""
    return datetime.combine(day, time(8), tzinfo=TZ)


def latest_scheduled_day(now: datetime | None = None) -> date:
    """The report day of the latest complete interval: the run that unpausing creates."""
    now = (now or datetime.now(TZ)).astimezone(TZ)
    end = datetime.combine(now.date(), time(8), tzinfo=TZ)
    if now < end:
        end -= timedelta(days=1)
    return end.date() - timedelta(days=1)


def expected_subject(day: date) -> str:
    counts = f"{finished_on(day)} finished · 0 failed · 0 running"
    return f"Daily process report {day.isoformat()}: {counts}"


def expected_window_line(day: date) -> str:
    start = report_start(day)
    end = datetime.combine(day + timedelta(days=1), time(8), tzinfo=TZ)
    return f"Window {start:%Y-%m-%d %H:%M %Z} -> {end:%Y-%m-%d %H:%M %Z}"


class Mailbox:
    """What reached the Graph stand-in's outbox: reports are drafts sent with /send,
    alerts go through sendMail."""

    def __init__(self, standin: GraphStandIn):
        self.standin = standin

    def count(self) -> int:
        return len(self.standin.sent_messages())

    def since(self, count: int) -> list[EmailMessage]:
        return [
            message_from_bytes(path.read_bytes(), policy=default)
            for path in self.standin.sent_messages()[count:]
        ]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def skip_first_ci_pass() -> None:
    """In CI the metadata DB is the machine's PostgreSQL: `.ci/run` runs the integration
    tests twice, on the embedded server and then on the machine's, and these (minutes
    of real Airflow) run in the second pass only."""
    if os.environ.get("CI") == "true" and not os.environ.get("PROCESS_DB_TEST_URI"):
        pytest.skip("under CI the scheduler tests run in .ci/run's machine-PostgreSQL pass")


@pytest.fixture(scope="session")
def scheduler_standin(tmp_path_factory) -> Iterator[GraphStandIn]:
    with GraphStandIn(tmp_path_factory.mktemp("scheduler-graph")) as standin:
        standin.add_file(f"{ONEDRIVE_ROOT}/{API_KEY}/notes.txt", "text/plain")
        yield standin


@pytest.fixture(scope="session")
def scheduler_process_db(pg_server_uri) -> Iterator[str]:
    """The source schema with `finished_on(day)` finished processes per report day."""
    skip_first_ci_pass()
    name = "scheduler_processes_" + secrets.token_hex(3)  # the server may be shared
    uri = recreate_database(pg_server_uri, name)
    conn = psycopg2.connect(uri)
    load_schema(conn)
    insert_statuses(conn)
    source = insert_client(conn, "Aerovista Surveys", API_KEY)
    day = FIRST_DAY
    while day <= latest_scheduled_day() + timedelta(days=1):
        for n in range(finished_on(day)):
            start = report_start(day) + timedelta(hours=1 + n)
            insert_process(conn, source, "Finished", start, start, start + timedelta(minutes=30))
        day += timedelta(days=1)
    conn.close()
    yield uri
    drop_database(pg_server_uri, name)


@pytest.fixture(scope="session")
def scheduler_deployment(
    tmp_path_factory, pg_server_uri, scheduler_process_db, scheduler_standin
) -> Iterator[SchedulerDeployment]:
    root = Path(tmp_path_factory.mktemp("scheduler"))
    deployment = prepare(
        root, pg_server_uri, scheduler_process_db, scheduler_standin.airflow_connection()
    )
    yield deployment
    drop_database(pg_server_uri, deployment.metadata_db)


@pytest.fixture(scope="module")
def local_cluster(scheduler_deployment) -> Iterator[AirflowCluster]:
    env = scheduler_deployment.env("LocalExecutor")
    logs = scheduler_deployment.root / "local-cluster"
    with AirflowCluster(env, logs, port=scheduler_deployment.port, celery_worker=False) as c:
        yield c


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def celery_cluster(scheduler_deployment) -> Iterator[AirflowCluster]:
    if not redis_reachable():
        reason = "no Redis on 127.0.0.1:6379 for the Celery broker"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the Celery test must run)")
        pytest.skip(reason)
    env = scheduler_deployment.env("CeleryExecutor")
    logs = scheduler_deployment.root / "celery-cluster"
    with AirflowCluster(env, logs, port=scheduler_deployment.port, celery_worker=True) as c:
        yield c
