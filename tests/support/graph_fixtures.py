"""Clients of a running Graph stand-in, built by the product's own factory."""

from __future__ import annotations

import json

from process_report.graph.client import RetryPolicy
from process_report.graph.connect import graph_client, graph_config
from tests.support.graph_standin import GraphStandIn


def config_for(standin: GraphStandIn, **overrides):
    return graph_config(json.loads(standin.airflow_connection(**overrides)))


def client_for(standin: GraphStandIn, sleeps: list[float] | None = None, **overrides):
    """A client with a 30 s retry budget; waits are recorded in `sleeps`, not slept."""
    return graph_client(
        json.loads(standin.airflow_connection(**overrides)),
        policy=RetryPolicy(max_wait_s=30),
        sleep=sleeps.append if sleeps is not None else (lambda _: None),
    )
