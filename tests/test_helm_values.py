"""deploy/helm/values.yaml, the values for the official Apache Airflow Helm chart.

Neither the chart nor a helm binary can be had from the package registries this project
installs from, so the values are not rendered here. What is checked is what this
project's deployment depends on: only top-level keys the chart defines (a misspelt
one would otherwise go unnoticed), the image and Airflow version of this checkout,
a settings variable the project accepts, and every path it names (logs, artifacts,
connections file, token cache) on a volume mounted the way the tasks use it.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import pytest
import yaml

from process_report.settings import parse_settings
from tests.support import PROJECT_DIR

# The chart's top-level keys this file may use, as named in the chart's values.yaml
# (apache/airflow, chart/values.yaml and values.schema.json).
CHART_KEYS = {
    "defaultAirflowRepository",
    "defaultAirflowTag",
    "airflowVersion",
    "images",
    "executor",
    "config",
    "env",
    "volumes",
    "volumeMounts",
}
TOKEN_CACHE = "/opt/airflow/token-cache/msal_token_cache.json"


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((PROJECT_DIR / "deploy" / "helm" / "values.yaml").read_text())


def mount_of(values: dict, path: str) -> tuple[dict, dict]:
    """The volume mount holding `path` (the deepest one), and its volume."""
    mounts = [
        m for m in values["volumeMounts"] if PurePosixPath(path).is_relative_to(m["mountPath"])
    ]
    assert mounts, f"{path} is on no mounted volume"
    mount = max(mounts, key=lambda m: len(m["mountPath"]))
    (volume,) = [v for v in values["volumes"] if v["name"] == mount["name"]]
    return mount, volume


def settings(values: dict) -> dict:
    (entry,) = [e for e in values["env"] if e["name"] == "AIRFLOW_VAR_PROCESS_REPORT_SETTINGS"]
    return json.loads(entry["value"])


def test_only_keys_the_chart_defines(values):
    assert set(values) <= CHART_KEYS


def test_image_and_airflow_version_are_this_checkouts(values):
    pinned = re.search(
        r"^apache-airflow==(\S+)$", (PROJECT_DIR / "requirements.txt").read_text(), re.M
    )[1]
    assert values["airflowVersion"] == pinned
    image = values["images"]["airflow"]
    assert image["repository"].endswith("/client-process-report")
    assert (image["repository"], image["tag"]) == (
        values["defaultAirflowRepository"],
        values["defaultAirflowTag"],
    )


def test_executor_and_auth_manager_match_the_compose_file(values):
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yaml").read_text())
    env = compose["x-airflow-common"]["environment"]
    assert values["executor"] == env["AIRFLOW__CORE__EXECUTOR"]
    assert values["config"]["core"]["auth_manager"] == env["AIRFLOW__CORE__AUTH_MANAGER"]


def test_settings_variable_is_accepted_by_the_project(values):
    raw = settings(values)
    # The image's include/ is this checkout's; the skip file is the one it ships.
    assert raw["skip_api_keys_file"] == "/opt/airflow/include/folders_2_skip.txt"
    raw["skip_api_keys_file"] = str(PROJECT_DIR / "include" / "folders_2_skip.txt")
    assert parse_settings(raw).timezone == "Europe/Paris"


def test_process_logs_are_on_a_read_only_volume(values):
    mount, volume = mount_of(values, settings(values)["logs_dir"])
    assert mount["readOnly"] is True
    assert volume["persistentVolumeClaim"]["readOnly"] is True


def test_artifacts_are_on_a_writable_claim_every_worker_mounts(values):
    path = settings(values)["artifacts_root"].removeprefix("file://")
    mount, volume = mount_of(values, path)
    assert not mount.get("readOnly")
    assert "persistentVolumeClaim" in volume  # top-level volumes: every Airflow container


def test_connections_file_comes_read_only_from_a_kubernetes_secret(values):
    secrets = values["config"]["secrets"]
    assert secrets["backend"] == "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    path = json.loads(secrets["backend_kwargs"])["connections_file_path"]
    assert path.endswith(".yaml")  # the backend picks its parser by extension
    mount, volume = mount_of(values, path)
    assert mount["readOnly"] is True
    assert volume["secret"]["secretName"] == "process-report-connections"


def test_token_cache_is_on_a_writable_claim(values):
    mount, volume = mount_of(values, TOKEN_CACHE)
    assert not mount.get("readOnly")
    assert "persistentVolumeClaim" in volume


def test_the_deployment_page_gives_the_token_cache_path_the_values_mount():
    page = (PROJECT_DIR / "docs" / "deployment.md").read_text()
    assert f"token_cache: {TOKEN_CACHE}" in page


def test_every_mount_names_a_defined_volume(values):
    names = [v["name"] for v in values["volumes"]]
    assert len(names) == len(set(names))
    assert {m["name"] for m in values["volumeMounts"]} == set(names)
