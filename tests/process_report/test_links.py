"""The run's addresses: the Airflow UI's run page and the viewer's pages, as the email
writes them and as the UI's tab fills them in."""

from __future__ import annotations

from urllib.parse import quote

from process_report.links import DAG_ID, EXTERNAL_VIEW, VIEWER_PREFIX, RunLinks, run_links

RUN_ID = "manual__2026-11-27T07:00:00+00:00"


def test_run_link_is_the_airflow_ui_run_page_with_the_run_id_encoded_like_the_ui():
    links = RunLinks("https://airflow.example.net/", DAG_ID, RUN_ID)
    assert links.run == (
        "https://airflow.example.net/dags/client_process_daily_report/runs/"
        "manual__2026-11-27T07%3A00%3A00%2B00%3A00"
    )


def test_viewer_links_sit_below_the_plugins_prefix():
    links = RunLinks("https://airflow.example.net", DAG_ID, RUN_ID)
    page = (
        f"https://airflow.example.net{VIEWER_PREFIX}/dags/{DAG_ID}/runs/{quote(RUN_ID, safe='')}/"
    )
    assert links.viewer == page
    assert links.report == page + "report"
    assert links.extract("a b.log.gz") == page + "extracts/a%20b.log.gz"
    assert links.attachment("processes.csv") == page + "files/processes.csv"


def test_a_base_url_with_a_path_keeps_it():
    links = RunLinks("https://example.net/airflow/", DAG_ID, RUN_ID)
    assert links.run.startswith("https://example.net/airflow/dags/")
    assert links.viewer.startswith(f"https://example.net/airflow{VIEWER_PREFIX}/dags/")


def test_the_ui_tab_opens_the_same_page_the_email_links():
    # The UI replaces the placeholders with encodeURIComponent(id) and resolves the
    # relative address against its base URL.
    filled = EXTERNAL_VIEW["href"].replace("{DAG_ID}", DAG_ID)
    filled = filled.replace("{RUN_ID}", quote(RUN_ID, safe=""))
    assert (
        "https://airflow.example.net/" + filled
        == RunLinks("https://airflow.example.net/", DAG_ID, RUN_ID).viewer
    )
    assert EXTERNAL_VIEW["destination"] == "dag_run"
    assert not EXTERNAL_VIEW["href"].startswith("/")


def test_without_a_base_url_there_are_no_links():
    assert run_links(None, DAG_ID, RUN_ID) is None
    assert run_links("  ", DAG_ID, RUN_ID) is None
    assert run_links(" https://a.example/ ", DAG_ID, RUN_ID) == RunLinks(
        "https://a.example/", DAG_ID, RUN_ID
    )
