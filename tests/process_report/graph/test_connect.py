"""The one factory from the `msgraph_default` connection to a working Graph client."""

from __future__ import annotations

import json

import pytest

from process_report.graph.auth import GraphConfigError
from process_report.graph.connect import graph_client, graph_config


def test_client_from_the_connections_json_form_signs_in_and_lists_a_folder(standin):
    standin.add_file("Videos/key1/a.mp4")
    client, config = graph_client(json.loads(standin.airflow_connection()))
    children = client.get_json(f"{config.drive_root}/root:/Videos/key1:/children")
    assert [item["name"] for item in children["value"]] == ["a.mp4"]
    assert config.graph_origin == standin.base_url


def test_extra_given_as_json_text_is_read_like_a_mapping(standin):
    connection = json.loads(standin.airflow_connection())
    as_text = {**connection, "extra": json.dumps(connection["extra"])}
    assert graph_config(as_text) == graph_config(connection)


def test_connection_without_extra_names_every_missing_field():
    with pytest.raises(GraphConfigError) as caught:
        graph_config({"host": "graph.microsoft.com", "login": "app", "password": "s"})
    assert "tenant_id" in str(caught.value)
    assert "mailbox" in str(caught.value)
