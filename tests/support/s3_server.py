"""A real S3-compatible server on 127.0.0.1 for the artifacts_root-on-S3 tests: moto's
S3 backend behind Werkzeug, in a process of its own, with one bucket.

It serves one request at a time on purpose. moto checks PutObject's `If-None-Match: *`
and then stores the object as two steps without a lock, so its threaded server (its
CLI's and `ThreadedMotoServer`'s) can let two conditional PUTs of the same key both
succeed, which S3 itself never does. Served one at a time, each request is atomic, as
S3 promises for a conditional write; a client that checked and then wrote (HEAD, then a
plain PUT) would still lose the race here, so the race tests stay able to fail.

Run as `python -m tests.support.s3_server`: it prints its port once it listens and stops
when its standard input closes (the test run ended, however it ended).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from tests.support import PROJECT_DIR

BUCKET = "process-report-tests"
REGION = "us-east-1"
# moto accepts any keys; these name the test server, and are no one's credentials.
ACCESS_KEY = "process-report-test-key"
SECRET_KEY = "process-report-test-secret"
CONN_ID = "process_report_s3"
STARTUP_TIMEOUT_S = 60


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str = BUCKET
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    def airflow_connection(self) -> str:
        """The server as an Amazon Web Services connection (AIRFLOW_CONN_* JSON): the
        keys as login and password, the endpoint in the extra, as the Amazon provider
        reads them."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": self.access_key,
                "password": self.secret_key,
                "extra": {"endpoint_url": self.endpoint, "region_name": self.region},
            }
        )

    def client(self):
        """A plain boto3 client of the server: the tests look at the bucket with it, not
        through the code under test."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object's key under `prefix`, listed by boto3."""
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start the server on a free port of 127.0.0.1, create the bucket, yield it; the
    server process is stopped on exit. Raises RuntimeError when it cannot start."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    # Its output goes to a file, never to a pipe nobody reads: a full pipe would stop
    # the server in the middle of a request, and with it every test that waits on it.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.s3_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
            text=True,
        )
        try:
            port = _read_port(process, errors)
            server = S3Server(endpoint=f"http://127.0.0.1:{port}")
            server.client().create_bucket(Bucket=server.bucket)
            yield server
        finally:
            process.stdin.close()  # the server's signal to stop
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _read_port(process: subprocess.Popen, errors: IO[bytes]) -> int:
    """The port the server prints once it listens; its error output if it exits instead."""
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()))
    reader.daemon = True
    reader.start()
    reader.join(STARTUP_TIMEOUT_S)
    line = found[0].strip() if found else ""
    if not line.isdigit():
        process.kill()
        process.wait()
        errors.seek(0)
        error = errors.read().decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"moto's S3 server did not start: {error or 'no output'}")
    return int(line)


def _serve() -> None:
    """The server process: moto's S3 on a free port of 127.0.0.1, one request at a time,
    until standard input closes."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class OneAtATime(MotoRequestHandler):
        timeout = 30  # a client that stops talking cannot hold the one thread for long

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=OneAtATime)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    print(server.server_port, flush=True)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # later prints: to the error file
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # returns when the test run closes the pipe or ends
    server.shutdown()


if __name__ == "__main__":
    _serve()
