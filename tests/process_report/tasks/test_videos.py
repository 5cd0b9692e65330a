"""resolve_videos: Graph's short troubles are absorbed, longer ones retried, and on
the last try (or without a connection) links are marked unavailable with the reason."""

from __future__ import annotations

import logging

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.tasks import videos as task
from tests.process_report.tasks.runs import SETTINGS, UUID, resolve
from tests.support.graph_standin import Answer


def resolve_videos(run, uuids_by_key, try_number=1, max_tries=3):
    """resolve_videos_task on a one-batch plan; the results it stored."""
    plan = artifacts.write_json(
        ObjectStoragePath(run["folder"]), "videos/plan.json", [uuids_by_key]
    )
    found = task.resolve_videos_task(
        run=run,
        batch={"plan_path": plan, "index": 0},
        try_number=try_number,
        max_tries=max_tries,
    )
    return artifacts.read_json(found["path"])


@pytest.fixture
def video_run(settings_variable, monkeypatch, standin):
    """A run whose videos are on the Graph stand-in; client folder `api-key-7c1d` holds
    one video of process UUID."""
    standin.add_file(f"Videos/api-key-7c1d/{UUID}.mp4")
    settings_variable({**SETTINGS, "onedrive_root": "Videos"})
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    return resolve()


def test_token_endpoint_503_once_is_absorbed_inside_the_video_task(video_run, standin):
    standin.faults.token_unavailable = 1
    (video,) = resolve_videos(video_run, {"api-key-7c1d": [UUID]})[UUID]["videos"]
    assert video["name"] == f"{UUID}.mp4"


def test_sign_in_outage_fails_the_video_task_so_that_airflow_retries_it(video_run, standin):
    standin.faults.token_unavailable, standin.faults.token_retry_after_s = 10, 600
    with pytest.raises(ConnectionError, match="Airflow retries") as caught:
        resolve_videos(video_run, {"api-key-7c1d": [UUID]}, try_number=1, max_tries=3)
    assert not isinstance(caught.value, AirflowFailException)
    assert "api-key-7c1d" not in str(caught.value)


def test_sign_in_outage_on_the_last_try_marks_links_unavailable_with_the_reason(video_run, standin):
    standin.faults.token_unavailable, standin.faults.token_retry_after_s = 10, 600
    found = resolve_videos(video_run, {"api-key-7c1d": [UUID]}, try_number=4, max_tries=3)
    error = found[UUID]["error"]
    assert error.startswith("link unavailable:")
    assert "Sign-in failed (503 temporarily_unavailable)" in error
    assert "api-key-7c1d" not in error


def test_sharing_links_replace_web_urls_when_the_setting_asks(
    settings_variable, monkeypatch, standin, tmp_path
):
    standin.add_file(f"Videos/key1/{UUID}.mp4")
    settings_variable({**SETTINGS, "onedrive_root": "Videos", "create_sharing_links": True})
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    (video,) = resolve_videos(resolve(), {"key1": [UUID]})[UUID]["videos"]
    assert video["url"].startswith("https://contoso.example/share/")
    assert any(r.endswith("/createLink") for r in standin.requests)


@pytest.mark.parametrize("body", [b"<html>proxy login</html>", b'{"link": null}', b"[]"])
def test_a_sharing_link_answer_that_is_no_link_is_a_reason_not_a_crash(
    settings_variable, monkeypatch, standin, body
):
    standin.add_file(f"Videos/key1/{UUID}.mp4")
    settings_variable({**SETTINGS, "onedrive_root": "Videos", "create_sharing_links": True})
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())
    standin.faults.graph_answers.extend(
        [Answer(200, body, {"Content-Type": "text/html"}, match="createLink")] * 20
    )
    found = resolve_videos(resolve(), {"key1": [UUID]}, try_number=4, max_tries=3)[UUID]
    assert found["videos"] == []
    assert found["error"].startswith("link unavailable: ")


def test_missing_graph_connection_marks_links_unavailable_instead_of_failing(
    settings_variable, monkeypatch, tmp_path
):
    settings_variable(SETTINGS)
    monkeypatch.delenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", raising=False)
    error = resolve_videos(resolve(), {"secret-key-1": ["u1"]})["u1"]["error"]
    assert error.startswith("link unavailable:")
    assert "msgraph_default" in error
    assert "secret-key-1" not in error


def test_log_counts_unavailable_links_per_reason(video_run, standin, caplog):
    standin.faults.batch_item_statuses = [403]  # the first folder's listing is refused
    with caplog.at_level(logging.INFO, logger=task.__name__):
        found = resolve_videos(
            video_run, {"api-key-7c1d": [UUID], "missing-key-1": ["u1"], "missing-key-2": ["u2"]}
        )
    (line,) = [r.getMessage() for r in caplog.records if r.name == task.__name__]
    missing = "the client's folder is missing under Videos in OneDrive"
    refused = "no permission to list the client's folder (generalException)"
    assert found["u1"]["error"] == f"link unavailable: {missing}"
    assert found[UUID]["error"] == f"link unavailable: {refused}"
    assert line == (
        "Looked up 3 client folder(s): 0 of 3 process(es) with a video, 3 without one; "
        f"links unavailable: 3 ({missing}: 2, {refused}: 1)"
    )
    assert "missing-key" not in line
