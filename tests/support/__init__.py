"""What the tests, the demo and the benchmarks need and production never does: the
Microsoft Graph stand-in, the embedded PostgreSQL, sample days, logs and videos, and a
headless browser. Never installed, never mounted into Airflow."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
