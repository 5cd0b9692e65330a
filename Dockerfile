# The official Airflow image with this project's dependencies, installed against the
# same lock (constraints.txt) the tests run with, and the project's own package
# (src/process_report) installed into site-packages, where the scheduler, the
# dag-processor, the workers and the api-server all import the one copy of it.
FROM apache/airflow:3.3.2-python3.11
COPY requirements.txt constraints.txt pyproject.toml /tmp/project/
COPY src /tmp/project/src
RUN pip install --no-cache-dir -r /tmp/project/requirements.txt -c /tmp/project/constraints.txt \
 && pip install --no-cache-dir --no-deps /tmp/project
# What runs in production; compose mounts the same folders over these for local edits.
COPY dags /opt/airflow/dags
COPY plugins /opt/airflow/plugins
COPY include /opt/airflow/include
