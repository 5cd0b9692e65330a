"""Where the code lives: the library is the installed package, plugins/ holds only
Airflow plugins, include/ only what runs in production, and the tests mirror the
package module by module."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PROJECT_DIR

PACKAGE_DIR = PROJECT_DIR / "src" / "process_report"
LIBRARY_NAMES = sorted(
    {p.stem for p in PACKAGE_DIR.rglob("*.py") if p.stem != "__init__"}
    | {p.name for p in PACKAGE_DIR.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
)
LOAD_PLUGINS = """
import json, sys
from airflow import plugins_manager
plugins_manager.ensure_plugins_loaded()
print(json.dumps({
    "errors": plugins_manager.get_import_errors(),
    "modules": sorted(sys.modules),
    "process_report": getattr(sys.modules.get("process_report"), "__file__", None),
}))
"""


def load_plugins(plugins_folder: Path, airflow_home: Path) -> dict:
    """Load Airflow's plugins from `plugins_folder` in a fresh interpreter, as every
    Airflow component does at start; what it imported, and any import errors."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD_PLUGINS], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def bare_library_modules(loaded: dict) -> list[str]:
    return [name for name in LIBRARY_NAMES if name in loaded["modules"]]


def test_loading_airflows_plugins_imports_no_library_module_under_a_bare_name(tmp_path):
    loaded = load_plugins(PROJECT_DIR / "plugins", tmp_path / "airflow")
    assert loaded["errors"] == {}
    assert bare_library_modules(loaded) == []


def test_the_bare_module_check_catches_a_library_module_kept_in_plugins(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(PACKAGE_DIR / "window.py", plugins / "window.py")
    loaded = load_plugins(plugins, tmp_path / "airflow")
    assert bare_library_modules(loaded) == ["window"]


def test_the_library_is_the_installed_package_not_a_path_entry():
    import process_report

    assert Path(process_report.__file__).resolve().is_relative_to(PACKAGE_DIR)
    assert importlib.metadata.distribution("client-process-daily-report").version
    assert not (PROJECT_DIR / "plugins" / "process_report").exists()


def test_plugins_folder_holds_only_airflow_plugins():
    for path in (PROJECT_DIR / "plugins").rglob("*.py"):
        assert "AirflowPlugin" in path.read_text(), f"{path} is not an Airflow plugin"


def test_include_holds_only_sql_templates_and_operator_examples():
    files = [
        p.relative_to(PROJECT_DIR / "include").as_posix()
        for p in (PROJECT_DIR / "include").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert files
    for name in files:
        assert (
            (name.startswith("sql/") and name.endswith(".sql"))
            or (name.startswith("templates/") and name.endswith(".j2"))
            or name in ("folders_2_skip.txt",)
        ), name


@pytest.mark.parametrize(
    "module",
    sorted(p.relative_to(PACKAGE_DIR) for p in PACKAGE_DIR.rglob("*.py") if p.stem != "__init__"),
    ids=str,
)
def test_every_module_has_its_test_module(module: Path):
    expected = PROJECT_DIR / "tests" / "process_report" / module.parent / f"test_{module.name}"
    assert expected.is_file(), f"{module} has no {expected.relative_to(PROJECT_DIR)}"
