"""Clients of a running Graph stand-in, built by the product's own factory."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

from process_report.graph.client import RetryPolicy
from process_report.graph.connect import graph_client, graph_config
from tests.support.graph_standin import GraphStandIn


def connection_for(
    standin: GraphStandIn, extra: dict[str, Any] | None = None, **overrides
) -> dict[str, Any]:
    """The stand-in's `msgraph_default` connection (JSON form), `extra` fields replaced."""
    connection = json.loads(standin.airflow_connection(**overrides))
    connection["extra"].update(extra or {})
    return connection


def config_for(standin: GraphStandIn, extra: dict[str, Any] | None = None, **overrides):
    return graph_config(connection_for(standin, extra, **overrides))


def client_for(
    standin: GraphStandIn,
    sleeps: list[float] | None = None,
    extra: dict[str, Any] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
    **overrides,
):
    """A client with a 30 s retry budget; waits are recorded in `sleeps`, not slept,
    unless a `sleep` (e.g. time.sleep, for tests about the timing of retries) is given."""
    if sleep is None:
        sleep = sleeps.append if sleeps is not None else (lambda _: None)
    return graph_client(
        connection_for(standin, extra, **overrides),
        policy=policy or RetryPolicy(max_wait_s=30),
        sleep=sleep,
    )


def stop_after(client, limit: int) -> None:
    """Fail the client's call with an AssertionError once it has sent `limit` requests: a
    retry loop that never ends (or spins) fails its test instead of hanging it."""
    sent: list[str] = []

    def count(response, *args, **kwargs):
        sent.append(response.url)
        assert len(sent) <= limit, f"more than {limit} requests: a retry loop that does not end"

    client.session.hooks["response"].append(count)


def batch_posts(standin) -> int:
    return sum(r.startswith("POST /v1.0/$batch") for r in standin.requests)


class Elsewhere:
    """A plain-http listener on another loopback port: where a hostile redirect points.
    Keeps every byte any client sends it, so a test can tell that no secret, token or
    report reached it (it never answers)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.received = bytearray()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self._listener.accept()
                self.connections += 1
                threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(5)
            while chunk := conn.recv(65536):
                self.received += chunk

    def close(self) -> None:
        self._listener.close()
