"""Finding include/ (SQL and templates) wherever the project is deployed."""

from __future__ import annotations

import shutil

import pytest

from process_report import paths
from tests.support import PROJECT_DIR


def test_checkout_include_is_found_when_nothing_else_is_configured(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.INCLUDE_ENV, raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    assert paths.include_dir() == PROJECT_DIR / "include"
    assert paths.sql_path("processes.sql").is_file()
    assert (paths.templates_dir() / "report.html.j2").is_file()


def test_airflow_home_include_wins_over_the_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.INCLUDE_ENV, raising=False)
    shutil.copytree(PROJECT_DIR / "include", tmp_path / "include")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    assert paths.include_dir() == tmp_path / "include"


def test_environment_variable_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.INCLUDE_ENV, str(tmp_path / "custom"))
    assert paths.templates_dir() == tmp_path / "custom" / "templates"


def test_missing_include_says_where_it_looked_and_what_to_set(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.INCLUDE_ENV, raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setattr(paths, "_CHECKOUT_INCLUDE", tmp_path / "gone")
    with pytest.raises(FileNotFoundError, match=paths.INCLUDE_ENV):
        paths.include_dir()
