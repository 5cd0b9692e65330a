"""compose_and_send_report on a day of hostile rows from a real PostgreSQL, fetched and
composed as the DAG does (a dry run): every process in the window is in the CSV exactly
as often as in the database, the subject counts what the CSV lists, each list comes in
the in-memory order, no password leaves, and the same inputs make the same email."""

from __future__ import annotations

import io
import re
import secrets
import uuid as uuidlib
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk import ObjectStoragePath

from process_report.processes import CATEGORIES
from process_report.report import report_email
from process_report.run_context import RunContext
from process_report.tasks import compose_report as task
from process_report.tasks import fetch_processes
from tests.process_report.tasks.runs import DAY_END, SETTINGS, compose, resolve
from tests.support.embedded_db import airflow_connection_json
from tests.support.factories import insert_client, insert_process, insert_statuses

NAMES = [
    "",
    "   ",
    "line\nbreak",
    "para\u2028graph\u2029sep",
    "bell\x07char",
    "\u202eRTL\u200f mark",
    "\U0001f680 rocket",
    "x" * 10_000,
    "acme",
    "Acme",
    "ACME",
    "caf\u00e9",
    "cafe\u0301",
]
PASSWORD = "hunter2-" + secrets.token_hex(6)
HUGE_URI = "https://cams.example.net/" + "a" * 10_000_000
DUPLICATED = str(uuidlib.uuid4())
DUPLICATES = 5000
# Airflow's masker is process-wide and masks every key fetch reads: keys here are long
# and unique, or a short one ('key-5') would mask other tests' keys that contain it.
SKIP_KEY = f"skip-key-{secrets.token_hex(8)}"


def _day(conn) -> Counter[str]:
    """The hostile rows; returns how often each UUID is in the window (skip-listed aside)."""
    insert_statuses(conn)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO process_status (id, name) VALUES (98, NULL)")
    conn.commit()
    expected: Counter[str] = Counter()
    tie = DAY_END - timedelta(hours=5)
    for n, name in enumerate(NAMES):
        source = insert_client(conn, name, f"hostile-key-{n}-{secrets.token_hex(8)}")
        for status, start in (("Finished", tie), ("Failed", tie - timedelta(minutes=n))):
            stop = start + timedelta(minutes=10)
            expected[insert_process(conn, source, status, start, stop=stop)] += 1
    odd = insert_client(conn, "Odd Rows", f"hostile-key-odd-{secrets.token_hex(8)}")
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE source SET uri = %s WHERE id = %s",
            (f"rtsp://admin:{PASSWORD}@cams.example.net/live", odd),
        )
    conn.commit()
    at = DAY_END - timedelta(hours=2)
    expected[insert_process(conn, odd, "Finished", None, stop=at)] += 1  # no start time
    expected[insert_process(conn, odd, 99, at)] += 1  # a status id with no row
    expected[insert_process(conn, odd, 98, at)] += 1  # a status row with no name
    expected[insert_process(conn, odd, "Running", at, ping=at)] += 1
    huge = insert_client(conn, "Huge URI", f"hostile-key-huge-{secrets.token_hex(8)}")
    with conn.cursor() as cur:
        cur.execute("UPDATE source SET uri = %s WHERE id = %s", (HUGE_URI, huge))
    conn.commit()
    expected[insert_process(conn, huge, "Finished", at, stop=at)] += 1
    many = insert_client(conn, "Same UUID", f"hostile-key-many-{secrets.token_hex(8)}")
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO process (uuid, source_id, status_id, start_time, stop_time) "
            "SELECT %s, %s, 2, %s - n * interval '1 second', %s FROM generate_series(1, %s) n",
            (DUPLICATED, many, at.replace(tzinfo=None), at.replace(tzinfo=None), DUPLICATES),
        )
    conn.commit()
    expected[DUPLICATED] += DUPLICATES
    skipped = insert_client(conn, "Skip Me", SKIP_KEY)
    insert_process(conn, skipped, "Failed", at, stop=at)
    return expected


@pytest.fixture
def hostile_day(process_db, process_db_uri, monkeypatch, settings_variable):
    expected = _day(process_db)
    fetched, result = _compose_dry_run(
        process_db, process_db_uri, monkeypatch, settings_variable, skip=[SKIP_KEY]
    )
    return expected, fetched, result


def _files(result) -> dict[str, bytes]:
    """The archived attachments, zips opened."""
    files = {}
    for url in result["attachments"]:
        path = ObjectStoragePath(url)
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
                files.update({n: archive.read(n) for n in archive.namelist()})
        else:
            files[path.name] = path.read_bytes()
    return files


def test_every_process_of_a_hostile_day_is_in_the_csv_as_often_as_in_the_database(hostile_day):
    import csv

    expected, fetched, result = hostile_day
    csv.field_size_limit(len(HUGE_URI) + 1)  # the huge source URI is in one cell
    rows = list(csv.DictReader(io.StringIO(_files(result)["processes.csv"].decode())))
    assert Counter(r["uuid"] for r in rows) == expected
    per_category = Counter(r["category"] for r in rows)
    assert {c: per_category[c] for c in CATEGORIES} == {c: fetched["counts"][c] for c in CATEGORIES}
    assert len(rows) == fetched["counts"]["total"] == sum(expected.values())
    # the subject says these counts
    assert f"{fetched['counts']['failed']} failed" in result["subject"]
    assert f"{fetched['counts']['finished']} finished" in result["subject"]
    assert result["body_row_limit"] is not None  # the body is cut: the full report is attached
    assert Counter(_listed_in_full_report(result)) == expected
    clients = {r["client"] for r in rows}
    assert {"line\nbreak", "para\u2028graph\u2029sep", "x" * 10_000, "caf\u00e9"} <= clients
    assert {"cafe\u0301", "acme", "Acme", "ACME"} <= clients  # never merged


def _listed_in_full_report(result) -> list[str]:
    """The UUID of each process the attached full report lists (<wbr> taken out)."""
    html = _files(result)["full-report.html"].decode().replace("<wbr>", "")
    return re.findall(r'<div class="mono">([^<]*)</div>', html)


def test_a_hostile_day_leaks_no_password_into_any_file_of_the_run(hostile_day):
    _, fetched, result = hostile_day
    folder = ObjectStoragePath(fetched["processes_path"]).parent
    for path in folder.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    assert all(PASSWORD.encode() not in data for data in _files(result).values())


def _list_order(p):
    return (p["client"].lower(), p["start_time"] or "", p["uuid"] or "")


def test_a_hostile_days_lists_come_in_the_in_memory_order_and_render_the_same_twice(
    hostile_day,
):
    """Read from the store, each category's list is what sorting the records in memory
    gave (client without case, start, UUID, ties in the query's order); the same inputs
    rendered twice give the same bodies and attachment contents."""
    _, fetched, _ = hostile_day
    with task.report_inputs(fetched, None, None) as (store, _, _):
        records = list(store.records())
        for category in CATEGORIES:
            in_memory = sorted((p for p in records if p["category"] == category), key=_list_order)
            assert list(store.listed(category)) == in_memory
        window = RunContext.from_xcom(resolve()).window
        emails = [
            report_email(
                window=window,
                process_data=store,
                previous_counts=fetched["previous_counts"],
                generated_at=datetime(2026, 11, 27, 7, 5, tzinfo=UTC),
            )
            for _ in range(2)
        ]
    assert emails[0].body == emails[1].body
    assert [a.name for a in emails[0].attachments] == [a.name for a in emails[1].attachments]
    first, second = ({a.name: a for a in e.attachments} for e in emails)
    for name, attachment in first.items():
        if name.endswith(".zip"):
            with (
                zipfile.ZipFile(io.BytesIO(attachment.data)) as one,
                zipfile.ZipFile(io.BytesIO(second[name].data)) as two,
            ):
                assert {n: one.read(n) for n in one.namelist()} == {
                    n: two.read(n) for n in two.namelist()
                }
        else:
            assert attachment.data == second[name].data


def _compose_dry_run(conn, uri, monkeypatch, settings_variable, skip=()):
    monkeypatch.setenv("AIRFLOW_CONN_PROCESS_DB", airflow_connection_json(uri))
    settings_variable({**SETTINGS, "skip_api_keys": list(skip)})
    run = resolve({"dry_run": True})
    fetched = fetch_processes.fetch_processes_task(run=run)
    return fetched, compose(run, fetched)


@pytest.mark.parametrize("skip_listed", [False, True], ids=["no-processes", "all-skip-listed"])
def test_a_day_with_nothing_to_report_still_sends_a_report_of_none(
    process_db, process_db_uri, monkeypatch, settings_variable, skip_listed
):
    insert_statuses(process_db)
    if skip_listed:
        source = insert_client(process_db, "Test Rig", SKIP_KEY)
        insert_process(process_db, source, "Failed", DAY_END - timedelta(hours=2))
    fetched, result = _compose_dry_run(
        process_db, process_db_uri, monkeypatch, settings_variable, skip=[SKIP_KEY]
    )
    assert fetched["counts"]["total"] == 0
    assert result["subject"] == "Daily process report 2026-11-26: 0 finished · 0 failed · 0 running"
    assert _files(result)["processes.csv"].decode().splitlines()[1:] == []
    assert ObjectStoragePath(result["outbox_path"]).exists()
    text = ObjectStoragePath(result["text_path"]).read_text()
    said = "1 process(es) of skip-listed test accounts left out."
    assert (said in text) is skip_listed


def test_three_thousand_clients_of_one_process_each_are_each_counted_once(
    process_db, process_db_uri, monkeypatch, settings_variable
):
    insert_statuses(process_db)
    start = (DAY_END - timedelta(hours=3)).replace(tzinfo=None)
    with process_db.cursor() as cur:
        cur.execute(
            'INSERT INTO "USER" (id, name, role_id, api_key) SELECT n, '
            "CASE WHEN n %% 2 = 0 THEN 'Client ' ELSE 'client ' END || (n / 2), 2, "
            "%s || n FROM generate_series(1, 3000) n",
            (f"hostile-key-{secrets.token_hex(8)}-",),
        )
        cur.execute(
            "INSERT INTO source (id, user_id, uri) SELECT n, n, NULL FROM "
            "generate_series(1, 3000) n"
        )
        cur.execute(
            "INSERT INTO process (uuid, source_id, status_id, start_time, stop_time) "
            "SELECT gen_random_uuid(), n, 3, %s, %s FROM generate_series(1, 3000) n",
            (start, start + timedelta(minutes=5)),
        )
    process_db.commit()
    fetched, result = _compose_dry_run(process_db, process_db_uri, monkeypatch, settings_variable)
    assert fetched["counts"]["total"] == fetched["counts"]["failed"] == 3000
    rows = _files(result)["processes.csv"].decode().splitlines()[1:]
    assert len(rows) == 3000
    assert len({row.split(",")[1] for row in rows}) == 3000  # 'Client 7' and 'client 7' apart
    assert result["subject"].startswith("Daily process report 2026-11-26: 3000 failed")
    assert Counter(_listed_in_full_report(result)).total() == 3000
