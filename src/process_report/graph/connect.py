"""The `msgraph_default` connection → a Graph client: the one factory the tasks, the
sign-in command, the tests and the benchmarks share, so all of them sign in and verify
TLS the same way.

The connection comes as its JSON form (`host`, `schema`, `login`, `password`, `extra`),
the shape of `AIRFLOW_CONN_MSGRAPH_DEFAULT` and of an Airflow `Connection`'s fields, so
this module needs no Airflow.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from process_report.graph.auth import (
    GraphConfig,
    config_from_connection,
    http_session,
    token_provider,
)
from process_report.graph.client import GraphClient, RetryPolicy


def graph_config(connection: Mapping[str, Any]) -> GraphConfig:
    """The validated configuration; raises GraphConfigError naming every bad field."""
    extra = connection.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra)
    return config_from_connection(
        host=connection.get("host"),
        schema=connection.get("schema"),
        login=connection.get("login"),
        password=connection.get("password"),
        extra=extra,
    )


def graph_client(
    connection: Mapping[str, Any],
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[GraphClient, GraphConfig]:
    """A client signed in as the connection says, and the configuration it came from."""
    config = graph_config(connection)
    session = http_session(config)
    client = GraphClient(
        config.graph_url,
        token_provider(config, session),
        session=session,
        policy=policy,
        sleep=sleep,
    )
    return client, config
