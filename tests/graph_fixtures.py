"""A running Graph stand-in and clients configured for it, for the Graph tests."""

from __future__ import annotations

import json

from include.graph_standin.server import GraphStandIn
from process_report.graph import GraphClient, RetryPolicy
from process_report.graph_auth import config_from_connection, http_session, token_provider


def config_for(standin: GraphStandIn, **overrides):
    conn = json.loads(standin.airflow_connection(**overrides))
    return config_from_connection(
        host=conn["host"],
        schema=conn["schema"],
        login=conn["login"],
        password=conn["password"],
        extra=conn["extra"],
    )


def client_for(standin: GraphStandIn, sleeps: list[float] | None = None, **overrides):
    config = config_for(standin, **overrides)
    session = http_session(config)
    sleep = sleeps.append if sleeps is not None else (lambda _: None)
    client = GraphClient(
        config.graph_url,
        token_provider(config, session),
        session=session,
        policy=RetryPolicy(max_wait_s=30),
        sleep=sleep,
    )
    return client, config
