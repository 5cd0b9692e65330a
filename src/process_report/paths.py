"""Where the files an operator may customize live: `include/sql` and `include/templates`.

They stay outside the package on purpose: the email templates were the original
system's customization point, so an operator edits them in the mounted `include/`
folder without rebuilding the image. The folder is, in this order:

1. `$PROCESS_REPORT_INCLUDE_DIR`, when set;
2. `$AIRFLOW_HOME/include`, the official image's layout (`/opt/airflow/include`);
3. the `include/` folder of the source checkout, for an editable install.
"""

from __future__ import annotations

import os
from pathlib import Path

INCLUDE_ENV = "PROCESS_REPORT_INCLUDE_DIR"
_CHECKOUT_INCLUDE = Path(__file__).resolve().parents[2] / "include"


def include_dir() -> Path:
    """The first of the places above that holds the project's SQL; read at call time, so
    a test or a deployment can point it elsewhere through the environment."""
    configured = os.environ.get(INCLUDE_ENV)
    if configured:
        return Path(configured)
    airflow_home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow"))
    candidates = (airflow_home / "include", _CHECKOUT_INCLUDE)
    for candidate in candidates:
        if (candidate / "sql" / "processes.sql").is_file():
            return candidate
    raise FileNotFoundError(
        f"The project's include/ folder (sql/, templates/) is not in "
        f"{', '.join(map(str, candidates))}; set {INCLUDE_ENV} to it."
    )


def sql_path(name: str) -> Path:
    return include_dir() / "sql" / name


def templates_dir() -> Path:
    return include_dir() / "templates"
