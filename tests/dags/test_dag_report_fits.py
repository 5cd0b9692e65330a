"""The whole DAG under `dag.test()` on a day that used to lose the report: 40,000 links
in the logs folder (links into an archive volume), then a Graph that refuses the full
message as too large (413 above a gateway's limit). A report goes out both times:
first whole, within the body budget; then in its minimal form."""

from __future__ import annotations

import os
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from process_report.report_budget import BODY_BUDGET_BYTES
from tests.dags.test_dag_faults import timed_run
from tests.dags.test_dag_run import configured_run  # noqa: F401  (the sample day, configured)
from tests.support.graph_standin import Faults

LINKS = 40_000


def plant_links(logs: Path, target: Path) -> None:
    """LINKS links in the logs folder, each to a file outside it."""
    folder = logs / "archive-links"
    folder.mkdir()
    for n in range(LINKS):
        os.symlink(target, folder / f"{n:06d}.log")


def html_of(path: Path):
    message = message_from_bytes(path.read_bytes(), policy=default)
    return message, message.get_body(("html",)).get_content()


def test_forty_thousand_links_and_a_413_still_send_a_report_each_time(
    configured_run,  # noqa: F811
    standin,
    monkeypatch,
    tmp_path,
):
    dag, _, _, _ = configured_run
    outside = tmp_path / "archive-volume" / "process.log"
    outside.parent.mkdir()
    outside.write_text("2026-11-26 09:00:00 INFO archived\n")
    plant_links(tmp_path / "logs", outside)

    run, _ = timed_run(dag, monkeypatch, tmp_path / "links")
    assert run.state == "success"
    (sent,) = standin.sent_messages()
    message, html = html_of(sent)
    # the scan notes a few links per kind and counts the rest; the report groups what
    # it gets (40,000 notes rendered: tests/process_report/test_report_budget.py)
    assert len(html.encode()) <= BODY_BUDGET_BYTES
    assert len(message.get_body(("plain",)).get_content().encode()) <= BODY_BUDGET_BYTES

    standin.faults = Faults(max_request_bytes=60_000)  # the full message is larger
    run, _ = timed_run(dag, monkeypatch, tmp_path / "refused")
    assert run.state == "success"
    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert tries["compose_and_send_report"] == 1
    _, minimal = standin.sent_messages()
    message, html = html_of(minimal)
    assert message["Subject"] == html_of(sent)[0]["Subject"]
    assert "short form of the report" in html
    assert list(message.iter_attachments()) == []
