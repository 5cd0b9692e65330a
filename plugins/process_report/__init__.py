"""The daily client-process report: everything the DAG calls, importable without Airflow."""
