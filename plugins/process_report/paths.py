"""Where the project's non-Python files live (include/ beside plugins/).

Airflow puts plugins/ on sys.path; include/ sits next to it both in a checkout and in
the Docker image (/opt/airflow/include), so it is found relative to this package.
"""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
INCLUDE_DIR = PROJECT_DIR / "include"
SQL_DIR = INCLUDE_DIR / "sql"
TEMPLATES_DIR = INCLUDE_DIR / "templates"
