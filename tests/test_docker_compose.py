"""docker-compose.yaml: the official Airflow 3 topology, built from this project, with
its folders mounted, its connections read from a file and its settings wired from
.env.example into values the project accepts.

No Docker engine runs here. The structure is checked on the file itself; what Compose
makes of it (interpolation, secrets) is checked with `docker-compose config` (Debian's
docker-compose, installed by `make compose-cli`; skipped without it, an error under
CI=true), and the connections Airflow would then read with Airflow's own classes."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from airflow.secrets.environment_variables import EnvironmentVariablesBackend

from process_report.graph.connect import graph_config
from process_report.settings import parse_settings
from tests.support import PROJECT_DIR
from tests.support.tools import program

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
    "airflow-cli",
}
# Every character that broke the connection when .env values were interpolated into
# JSON or a URI, and those Compose or a shell would interpret.
PASSWORD = "p\"a\\ss@w'rd$x #y"
_VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (PROJECT_DIR / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}` / `${VAR:-default}` interpolation; `$$` is a literal `$`."""

    def value(match: re.Match) -> str:
        found = env.get(match["name"], "")
        return found if found else (match["default"] or "")

    return _VARIABLE.sub(value, text).replace("$$", "$")


@pytest.fixture(scope="module")
def compose() -> dict:
    text = (PROJECT_DIR / "docker-compose.yaml").read_text()
    return yaml.safe_load(interpolate(text, env_example()))


def operator_files(folder: Path) -> Path:
    """What an operator writes, as the example files say: the connections file with
    PASSWORD single-quoted (a ' doubled), and .env pointing at it. A DB_PASSWORD left in
    .env from the earlier layout, which interpolated it into JSON, must not matter."""
    connections = folder / "connections.yaml"
    example = (PROJECT_DIR / "connections.example.yaml").read_text()
    quoted = "'" + PASSWORD.replace("'", "''") + "'"
    connections.write_text(example.replace("password: 'your_password'", f"password: {quoted}"))
    env = (PROJECT_DIR / ".env.example").read_text()
    env = re.sub(r"(?m)^CONNECTIONS_FILE=.*$", f"CONNECTIONS_FILE={connections}", env)
    env_file = folder / ".env"
    env_file.write_text(f"{env}\nDB_PASSWORD={PASSWORD}\n")
    return env_file


def compose_config(env_file: Path) -> dict:
    """`docker-compose config`: the file as Compose resolves it, or the test fails."""
    tool = program(
        "docker-compose", "run `make compose-cli` as root (apt-get install docker-compose)"
    )
    result = subprocess.run(
        [
            tool,
            "--project-directory",
            str(PROJECT_DIR),
            "-f",
            str(PROJECT_DIR / "docker-compose.yaml"),
            "--env-file",
            str(env_file),
            "config",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def airflow_connection(config: dict, service: str, conn_id: str):
    """The connection as Airflow in `service` finds it, with Airflow's own classes: the
    configured secrets backend first, then AIRFLOW_CONN_<ID>. The container paths of the
    service's Compose secrets are mapped back to their files."""
    settings = config["services"][service]
    env = settings.get("environment", {})
    if backend := env.get("AIRFLOW__SECRETS__BACKEND"):
        mounted = {
            "/run/secrets/" + secret.get("target", secret["source"]): config["secrets"][
                secret["source"]
            ]["file"]
            for secret in settings.get("secrets", [])
        }
        kwargs = json.loads(env.get("AIRFLOW__SECRETS__BACKEND_KWARGS") or "{}")
        module, _, name = backend.rpartition(".")
        backend_class = getattr(importlib.import_module(module), name)
        found = backend_class(**{k: mounted.get(v, v) for k, v in kwargs.items()})
        if connection := found.get_connection(conn_id):
            return connection
    value = env.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    return EnvironmentVariablesBackend().deserialize_connection(conn_id, value) if value else None


def test_every_variable_the_compose_file_uses_is_documented_in_env_example():
    used = {
        m["name"]
        for m in _VARIABLE.finditer((PROJECT_DIR / "docker-compose.yaml").read_text())
        if m["default"] is None
    }
    assert used - set(env_example()) == set()


def test_official_celery_topology_is_complete(compose):
    assert set(compose["services"]) == AIRFLOW_SERVICES | {"postgres", "redis"}
    for name in AIRFLOW_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_dependencies_name_existing_services(compose):
    services = compose["services"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name


def test_airflow_services_run_the_project_image_with_its_folders(compose):
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        assert service["build"] == "."
        targets = {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}
        for folder in ("dags", "plugins", "include", "config"):
            assert targets[f"/opt/airflow/{folder}"] == f"./{folder}"


def test_cli_service_runs_one_off_commands_like_the_official_file(compose):
    """`docker compose run --rm airflow-cli airflow ...` (or `python -m ...`): only when
    asked for (a profile), without waiting for the metadata DB check."""
    cli = compose["services"]["airflow-cli"]
    assert cli["profiles"] == ["debug"]
    assert cli["command"] == ["bash", "-c", "airflow"]
    assert cli["environment"]["CONNECTION_CHECK_MAX_COUNT"] == "0"
    assert "airflow-init" not in cli["depends_on"]


def test_init_gives_the_folders_the_services_write_to_the_airflow_user(compose):
    """As the official airflow-init does: logs, artifacts and config (the delegated
    token cache) belong to AIRFLOW_UID:0, the user every service runs as."""
    init = compose["services"]["airflow-init"]
    script = init["command"][1]
    chowns = [shlex.split(line) for line in script.splitlines() if line.strip().startswith("chown")]
    owned = {path for words in chowns for path in words[3:] if words[1] == "-R"}
    owner = {words[2] for words in chowns}
    service_user = compose["services"]["airflow-worker"]["user"]
    assert owner == {service_user}
    written = {
        volume.split(":")[1]
        for volume in compose["services"]["airflow-worker"]["volumes"]
        if not volume.endswith(":ro")
        and volume.split(":")[1]
        not in ("/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/include")
    }
    assert written == {"/opt/airflow/logs", "/opt/airflow/artifacts", "/opt/airflow/config"}
    assert written <= owned


def dockerfile_run(dockerfile: str) -> str:
    """The Dockerfile's RUN instruction, its continuation lines joined."""
    words = []
    for line in dockerfile.split("\nRUN ", 1)[1].splitlines():
        words.append(line.removesuffix("\\").strip())
        if not line.endswith("\\"):
            return " ".join(words)
    raise AssertionError("the RUN instruction does not end")


def test_dockerfile_installs_on_top_of_the_official_images_constraints():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    pinned = re.search(
        r"^apache-airflow==(\S+)$", (PROJECT_DIR / "requirements.txt").read_text(), re.M
    )[1]
    assert f"FROM apache/airflow:{pinned}-python3.11" in dockerfile
    install = dockerfile_run(dockerfile)
    assert "/home/airflow/constraints.txt /tmp/project/constraints.txt" in install
    assert "-c /tmp/project/image-constraints.txt" in install
    assert '"apache-airflow==${AIRFLOW_VERSION}" /tmp/project' in install
    assert install.split("&&")[-1].split() == ["pip", "check"]
    for folder in ("dags", "plugins", "include"):
        assert f"COPY {folder} /opt/airflow/{folder}" in dockerfile


def test_image_constraints_keep_the_official_versions_and_add_only_what_the_image_lacks(
    tmp_path,
):
    official = tmp_path / "official.txt"
    official.write_text("# the image's\nFlask-AppBuilder==4.0.0\ntyping_extensions==4.0.0\n")
    merged = subprocess.run(
        [
            "awk",
            "-F==",
            "-f",
            str(PROJECT_DIR / "deploy/docker/image-constraints.awk"),
            str(official),
            str(PROJECT_DIR / "constraints.txt"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    lock = [
        line
        for line in (PROJECT_DIR / "constraints.txt").read_text().splitlines()
        if line and not line.lstrip().startswith("#")
    ]
    assert merged[:2] == ["Flask-AppBuilder==4.0.0", "typing_extensions==4.0.0"]
    assert "flask-appbuilder==5.2.2" in lock
    added = [
        line for line in lock if not line.startswith(("flask-appbuilder==", "typing-extensions=="))
    ]
    assert merged[2:] == added


def test_no_test_or_dev_tooling_is_mounted_into_airflow(compose):
    for name in AIRFLOW_SERVICES:
        sources = {v.split(":")[0] for v in compose["services"][name]["volumes"]}
        assert not {s for s in sources if s.rstrip("/") in ("./tests", "./dev", ".")}, name


def test_no_connection_is_built_from_env_values(compose):
    """Interpolating .env values into a JSON or URI connection breaks on " \\ @."""
    text = (PROJECT_DIR / "docker-compose.yaml").read_text()
    assert "AIRFLOW_CONN_" not in text
    for name in AIRFLOW_SERVICES:
        assert not [
            k for k in compose["services"][name]["environment"] if k.startswith("AIRFLOW_CONN_")
        ]


def test_a_password_with_quote_backslash_and_at_reaches_every_airflow_service_unchanged(
    tmp_path,
):
    config = compose_config(operator_files(tmp_path))
    for service in AIRFLOW_SERVICES:
        connection = airflow_connection(config, service, "process_db")
        assert connection is not None, service
        assert connection.password == PASSWORD, service
        assert connection.conn_type == "postgres"
        assert connection.port == 5432


def test_the_example_graph_connection_is_one_the_project_accepts(tmp_path):
    config = compose_config(operator_files(tmp_path))
    connection = airflow_connection(config, "airflow-worker", "msgraph_default")
    fields = {name: getattr(connection, name) for name in ("host", "schema", "login", "password")}
    config = graph_config({**fields, "extra": connection.extra_dejson})
    assert config.auth == "client_credentials"
    assert config.mailbox == "reports@example.com"


def test_settings_variable_from_env_is_accepted_by_the_project(compose, tmp_path):
    raw = json.loads(
        compose["services"]["airflow-dag-processor"]["environment"][
            "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"
        ]
    )
    assert raw["skip_api_keys_file"] == "/opt/airflow/include/folders_2_skip.txt"
    # The container path maps to ./include, which ships the (empty) skip file.
    raw["skip_api_keys_file"] = str(PROJECT_DIR / "include" / "folders_2_skip.txt")
    settings = parse_settings(raw)
    assert settings.recipients == (env_example()["NOTIFICATION_EMAIL"],)
    assert settings.timezone == env_example()["REPORT_TIMEZONE"]


def test_process_logs_are_mounted_read_only(compose):
    volumes = compose["services"]["airflow-worker"]["volumes"]
    assert any(v.endswith(":/opt/airflow/process-logs:ro") for v in volumes)


IMPORT_EXECUTOR_AND_AUTH_MANAGER = """
from airflow.api_fastapi.app import get_auth_manager_cls
from airflow.executors.executor_loader import ExecutorLoader
executor = ExecutorLoader.import_default_executor_cls()[0]
auth_manager = get_auth_manager_cls()
print(executor.__module__ + "." + executor.__name__)
print(auth_manager.__module__)
"""


def test_the_executor_and_auth_manager_the_compose_file_names_load_in_the_locked_env(
    compose, tmp_path
):
    """CeleryExecutor and FabAuthManager come from providers the lock must hold, at
    versions that import (celery 5.7 broke the Celery provider's executor)."""
    common = compose["services"]["airflow-scheduler"]["environment"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__EXECUTOR": common["AIRFLOW__CORE__EXECUTOR"],
        "AIRFLOW__CORE__AUTH_MANAGER": common["AIRFLOW__CORE__AUTH_MANAGER"],
    }
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EXECUTOR_AND_AUTH_MANAGER],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-2:] == [
        "airflow.providers.celery.executors.celery_executor.CeleryExecutor",
        "airflow.providers.fab.auth_manager.fab_auth_manager",
    ]


def test_the_locked_environment_passes_pip_check():
    result = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_init_creates_the_pool_the_graph_tasks_run_in(compose):
    from dags.client_process_daily_report import GRAPH_POOL

    command = "\n".join(compose["services"]["airflow-init"]["command"])
    assert f"airflow pools set {GRAPH_POOL} " in command
