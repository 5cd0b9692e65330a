"""deploy/helm/values.yaml, the values for the official Apache Airflow Helm chart.

Neither the chart nor a helm binary can be had from the package registries this project
installs from (no PyPI or npm package ships the chart or its values.schema.json), so
the values are not rendered here. What is checked is what this project's deployment
depends on: only top-level keys the chart defines (a misspelt one would otherwise go
unnoticed), the image and Airflow version of this checkout, a settings variable the
project accepts, and every path it names (logs, artifacts, connections file, token
cache) on a volume mounted the way the tasks use it.

Against the chart's own schema: with AIRFLOW_CHART_SCHEMA naming the official chart's
values.schema.json (`git show helm-chart/<version>:chart/values.schema.json` in a clone
of apache/airflow, or the file in `helm pull apache-airflow/airflow --untar`), the
values must validate (jsonschema, the schema's draft 7) and every key in them must be
one of the schema's own properties, not just tolerated: the chart's top level accepts
unknown keys, so a misspelt top-level key would validate.
Without the variable those tests are skipped, CI included: the schema cannot be had
from the registries CI installs from.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

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


# --- against the chart's own values.schema.json (AIRFLOW_CHART_SCHEMA) -------------------
@pytest.fixture(scope="module")
def chart_schema() -> dict:
    path = os.environ.get("AIRFLOW_CHART_SCHEMA")
    if not path:
        pytest.skip(
            "AIRFLOW_CHART_SCHEMA is not set: point it at the official chart's "
            "values.schema.json (`git show helm-chart/1.22.0:chart/values.schema.json` in "
            "an apache/airflow clone, or the file in `helm pull apache-airflow/airflow "
            "--untar`); no package registry ships it"
        )
    schema = json.loads(Path(path).read_text())
    # the chart's schema, not some other file: its title and the keys of its top level
    assert schema["description"].startswith("Default values for airflow")
    assert {"executor", "images", "config"} <= set(schema["properties"])
    return schema


def schema_errors(schema: dict, values: dict) -> list[str]:
    validator = Draft7Validator(schema)
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(values)
    ]


def resolve(schema: dict, node: dict) -> dict:
    """`node` with its local `$ref` (#/definitions/...) followed."""
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def keys_against_schema(
    schema: dict, node: dict, value: Any, path: str = ""
) -> Iterator[tuple[str, bool]]:
    """(path, whether the schema names it) for every key in `value`: a key is named when
    it is one of its object's `properties`, or the object's `additionalProperties` is
    itself a schema (free-form maps like `config`); a key merely tolerated (no
    `additionalProperties: false`) is not."""
    node = resolve(schema, node)
    if isinstance(value, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if key in properties:
                yield here, True
                yield from keys_against_schema(schema, properties[key], item, here)
            elif isinstance(extra, dict):
                yield here, True
                yield from keys_against_schema(schema, extra, item, here)
            else:
                yield here, False
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for n, item in enumerate(value):
            yield from keys_against_schema(schema, node["items"], item, f"{path}[{n}]")


def test_values_validate_against_the_charts_schema(values, chart_schema):
    assert schema_errors(chart_schema, values) == []


def test_every_key_of_the_values_is_a_property_of_the_charts_schema(values, chart_schema):
    keys = dict(keys_against_schema(chart_schema, chart_schema, values))
    assert [path for path, named in keys.items() if not named] == []
    # the walk reached the nested keys, not just the top level
    assert keys["volumes[0].secret.secretName"]
    assert keys["volumeMounts[1].readOnly"]
    assert keys["config.core.auth_manager"]


def test_the_schema_check_rejects_a_wrong_value_and_flags_a_misspelt_key(values, chart_schema):
    wrong = copy.deepcopy(values)
    wrong["images"]["airflow"]["pullPolicy"] = "Sometimes"
    wrong["volumeMounts"][0]["readOnly"] = "yes"
    errors = schema_errors(chart_schema, wrong)
    assert any(e.startswith("images.airflow.pullPolicy") for e in errors), errors
    assert any(e.startswith("volumeMounts.0.readOnly") for e in errors), errors
    misspelt = copy.deepcopy(values)
    misspelt["defaultAirflowtag"] = misspelt.pop("defaultAirflowTag")
    assert schema_errors(chart_schema, misspelt) == []  # the schema alone tolerates it
    keys = dict(keys_against_schema(chart_schema, chart_schema, misspelt))
    assert keys["defaultAirflowtag"] is False
