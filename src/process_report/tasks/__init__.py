"""The bodies of the DAG's tasks, one module per task (`videos` holds the plan and the
mapped lookup): the one place that reads Airflow variables, connections and hooks, and
turns bad configuration into a failure without retries.

Each function takes plain values from the task context and returns small JSON for
XCom; the work itself is done by the pure modules of the package. The first task fixes
the run's context (settings, window, folder: `run_context`); every later task gets it
from XCom instead of reading the settings variable again. The DAG file imports a task's
module only when that task runs, so parsing the DAG stays cheap.
"""
