"""docker-compose.yaml, validated statically (no Docker engine runs here): the official
Airflow 3 topology, built from this project, with its folders mounted and its
configuration wired from .env.example into values the project accepts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from process_report.settings import parse_settings
from tests.support import PROJECT_DIR

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}
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
        for folder in ("dags", "plugins", "include"):
            assert targets[f"/opt/airflow/{folder}"] == f"./{folder}"


def test_dockerfile_builds_on_the_pinned_airflow_with_the_lock():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    pinned = re.search(
        r"^apache-airflow==(\S+)$", (PROJECT_DIR / "requirements.txt").read_text(), re.M
    )[1]
    assert f"FROM apache/airflow:{pinned}-python3.11" in dockerfile
    assert "-c /tmp/project/constraints.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps /tmp/project" in dockerfile
    for folder in ("dags", "plugins", "include"):
        assert f"COPY {folder} /opt/airflow/{folder}" in dockerfile


def test_no_test_or_dev_tooling_is_mounted_into_airflow(compose):
    for name in AIRFLOW_SERVICES:
        sources = {v.split(":")[0] for v in compose["services"][name]["volumes"]}
        assert not {s for s in sources if s.rstrip("/") in ("./tests", "./dev", ".")}, name


def test_connections_are_valid_airflow_json_from_env(compose):
    env = compose["services"]["airflow-scheduler"]["environment"]
    example = env_example()
    database = json.loads(env["AIRFLOW_CONN_PROCESS_DB"])
    assert database == {
        "conn_type": "postgres",
        "host": example["DB_HOST"],
        "port": int(example["DB_PORT"]),
        "schema": example["DB_NAME"],
        "login": example["DB_USER"],
        "password": example["DB_PASSWORD"],
    }
    graph = json.loads(env["AIRFLOW_CONN_MSGRAPH_DEFAULT"])
    assert graph["conn_type"] == "msgraph"
    assert graph["login"] == example["CLIENT_ID"]
    assert graph["extra"]["tenant_id"] == example["TENANT_ID"]


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
