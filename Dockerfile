# The official Airflow image with this project's dependencies, installed against the
# same lock (constraints.txt) the tests run with.
FROM apache/airflow:3.3.2-python3.11
COPY requirements.txt constraints.txt /tmp/project/
RUN pip install --no-cache-dir -r /tmp/project/requirements.txt -c /tmp/project/constraints.txt
