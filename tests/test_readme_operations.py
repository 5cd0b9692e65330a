"""The README's operations commands: every `airflow …` line parses with Airflow's own
CLI parser (a misspelt flag or subcommand fails here), has its Compose form right after
it, and the clear and backfill commands name exact logical-date instants, since a bare
date means 00:00 UTC and selects nothing (clear) or leaves out the last day (backfill).
"""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from tests.support import PROJECT_DIR
from tests.support.readme_commands import AIRFLOW_COMMANDS, COMMANDS

DAG_ID = "client_process_daily_report"
COMPOSE_RUN = "docker compose run --rm airflow-cli "
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def option(words: list[str], *names: str) -> list[str]:
    return [words[i + 1] for i, word in enumerate(words) if word in names]


@pytest.fixture(scope="module")
def parser():
    from airflow.cli.cli_parser import get_parser

    return get_parser()


def test_the_operations_section_has_the_commands_to_check():
    subcommands = {" ".join(shlex.split(c)[1:3]) for c in AIRFLOW_COMMANDS}
    assert {"tasks clear", "backfill create", "dags trigger", "dags test", "connections add"} <= (
        subcommands
    )


@pytest.mark.parametrize("command", AIRFLOW_COMMANDS)
def test_readme_command_parses_with_airflows_cli(parser, command):
    args = parser.parse_args(shlex.split(command)[1:])
    assert args.func


@pytest.mark.parametrize("command", AIRFLOW_COMMANDS)
def test_readme_command_has_its_compose_form(command):
    assert COMPOSE_RUN + command in COMMANDS


def test_compose_forms_name_the_cli_service_of_the_compose_file():
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yaml").read_text())
    assert "airflow-cli" in compose["services"]
    for command in COMMANDS:
        if command.startswith("docker compose run"):
            assert command.startswith(COMPOSE_RUN), command


@pytest.mark.parametrize(
    "command",
    [c for c in AIRFLOW_COMMANDS if c.startswith(("airflow tasks clear", "airflow backfill"))],
)
def test_date_bounds_are_logical_date_instants_not_bare_dates(command):
    words = shlex.split(command)
    bounds = option(words, "-s", "-e", "--start-date", "--end-date", "--from-date", "--to-date")
    assert len(bounds) == 2
    assert all(INSTANT.match(bound) for bound in bounds), bounds


def test_task_filter_selects_only_the_sending_task_as_airflows_clear_matches_it():
    """`airflow tasks clear -t` subsets the DAG as stored in the metadata DB; in Airflow
    3.3.2 that matches `-t` as a substring of the task id, so an anchored regex (which
    its help text suggests) would select nothing."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    dag = DagBag(dag_folder=str(PROJECT_DIR / "dags")).dags[DAG_ID]
    stored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    filters = [t for c in AIRFLOW_COMMANDS for t in option(shlex.split(c), "-t")]
    assert filters == ["compose_and_send_report"]

    def subset(task_filter: str) -> list[str]:  # as the CLI calls it without -u / -d
        return stored.partial_subset(
            task_ids=task_filter, include_upstream=False, include_downstream=False
        ).task_ids

    assert subset(filters[0]) == ["compose_and_send_report"]
    assert subset("^compose_and_send_report$") == []


def test_login_has_its_compose_and_kubernetes_forms():
    login = "python -m process_report.graph.login"
    assert COMPOSE_RUN + login in COMMANDS
    assert any(c.startswith("kubectl exec") and c.endswith(login) for c in COMMANDS)
