# The official Airflow image with this project's package (src/process_report) installed
# into site-packages, where the scheduler, the dag-processor, the workers and the
# api-server all import the one copy of it.
#
# Installed on top of the image's own constraints, not the project's lock: installing
# another lock over the image could move the versions its providers (celery, fab) need.
# The project's lock only adds what the image lacks (deploy/docker/image-constraints.awk),
# the Airflow version is held, and `pip check` fails the build on any conflict.
FROM apache/airflow:3.3.2-python3.11
COPY constraints.txt pyproject.toml deploy/docker/image-constraints.awk /tmp/project/
COPY src /tmp/project/src
RUN awk -F'==' -f /tmp/project/image-constraints.awk \
        /home/airflow/constraints.txt /tmp/project/constraints.txt \
        > /tmp/project/image-constraints.txt \
 && pip install --no-cache-dir -c /tmp/project/image-constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" /tmp/project \
 && pip check
# What runs in production; compose mounts the same folders over these for local edits.
COPY dags /opt/airflow/dags
COPY plugins /opt/airflow/plugins
COPY include /opt/airflow/include
