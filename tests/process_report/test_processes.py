from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import process_report.processes as processes_module
from process_report.processes import (
    CATEGORIES,
    FAILED,
    FINISHED,
    OTHER,
    RUNNING,
    categorize,
    fetch_process_rows,
)
from tests.support.factories import (
    convert_to_timestamptz,
    insert_client,
    insert_process,
    insert_statuses,
)

END = datetime(2026, 11, 27, 7, tzinfo=UTC)
START = END - timedelta(hours=24)


def row(status="Finished", start=START + timedelta(hours=1), ping=None, stop=None, **extra):
    base = {
        "process_uuid": "u-1",
        "client_id": 1,
        "client_name": "Acme",
        "api_key": "k1",
        "status_name": status,
        "status_id": 2,
        "start_time": start,
        "ping_time": ping,
        "stop_time": stop,
        "source_uri": None,
        "source_alias": None,
        "source_uuid": None,
    }
    return {**base, **extra}


def categorized(*rows, **options):
    return categorize(list(rows), window_end=END, hung_after_minutes=60, **options)


# --- categorize: pure -----------------------------------------------------------------


def test_status_names_map_to_categories_case_insensitively():
    result = categorized(
        row(" finished "),
        row("FAILED", process_uuid="u-2"),
        row("Running", ping=END, process_uuid="u-3"),
        row("Queued", process_uuid="u-4"),
    )
    assert [p["category"] for p in result.processes] == [FINISHED, FAILED, RUNNING, OTHER]
    assert result.counts == {FINISHED: 1, FAILED: 1, RUNNING: 1, OTHER: 1, "hung": 0, "total": 4}


def test_running_process_silent_longer_than_threshold_is_hung():
    result = categorized(
        row("Running", ping=END - timedelta(minutes=61)),
        row("Running", ping=END - timedelta(minutes=59), process_uuid="u-2"),
    )
    assert [p["hung"] for p in result.processes] == [True, False]
    assert result.processes[0]["last_ping_min_ago"] == 61.0


def test_running_process_that_never_pinged_is_judged_by_its_start():
    result = categorized(row("Running", start=END - timedelta(hours=3)))
    assert result.processes[0]["hung"] is True
    assert "no ping time" in result.processes[0]["notes"]


def test_process_finished_after_window_end_counts_as_running_at_the_end():
    result = categorized(
        row("Finished", start=END - timedelta(hours=1), ping=END, stop=END + timedelta(minutes=5))
    )
    process = result.processes[0]
    assert process["category"] == RUNNING
    assert process["duration_min"] == 60.0
    assert "finished after the window ended; shown as running at its end" in process["notes"]


def test_durations_are_minutes_between_start_and_stop():
    result = categorized(row(stop=START + timedelta(hours=2, minutes=30)))
    assert result.processes[0]["duration_min"] == 90.0


def test_skip_listed_api_keys_are_excluded_and_counted():
    result = categorized(
        row(api_key="test"),
        row(api_key="real", process_uuid="u-2"),
        skip_api_keys=frozenset({"test"}),
    )
    assert [p["uuid"] for p in result.processes] == ["u-2"]
    assert result.skipped_test_processes == 1


def test_anomalous_rows_are_kept_with_notes_and_quality_lines():
    result = categorized(
        row(client_name=None, client_id=17),
        row(status=None, status_id=42, process_uuid="u-2"),
        row(start=None, stop=START + timedelta(hours=1), process_uuid="u-3"),
        row(stop=START, start=START + timedelta(hours=1), process_uuid="u-4"),
        row(process_uuid="u-1"),
    )
    assert result.counts["total"] == 5
    by_uuid = {}
    for process in result.processes:
        by_uuid.setdefault(process["uuid"], []).append(process)
    assert by_uuid["u-1"][0]["client"] == "(client #17 has no name)"
    assert by_uuid["u-2"][0]["category"] == OTHER
    assert by_uuid["u-2"][0]["status"] == "unknown (status_id 42)"
    assert "no start time" in by_uuid["u-3"][0]["notes"]
    assert "stop time is before start time" in by_uuid["u-4"][0]["notes"]
    assert all("process UUID appears 2 times" in p["notes"] for p in by_uuid["u-1"])
    assert "Process UUID u-1 appears in 2 rows; each row is listed." in result.data_quality
    assert "1 process(es): client has no name." in result.data_quality


def test_rows_without_a_uuid_are_noted_as_such_not_as_duplicates_of_each_other():
    """A NULL UUID beside a real duplicate made sorting the duplicates compare None with
    a string (fetch failed), and alone it read 'Process UUID None appears in 2 rows'."""
    result = categorized(
        row(process_uuid=None),
        row(process_uuid=None),
        row(process_uuid="u-1"),
        row(process_uuid="u-1"),
    )
    assert result.counts["total"] == 4
    no_uuid = [p for p in result.processes if p["uuid"] is None]
    assert [p["notes"] for p in no_uuid] == [["no process UUID"], ["no process UUID"]]
    assert result.data_quality == [
        "Process UUID u-1 appears in 2 rows; each row is listed.",
        "2 process(es): no process UUID.",
    ]


# --- the query on a real PostgreSQL ---------------------------------------------------


@pytest.fixture
def client_source(process_db):
    insert_statuses(process_db)
    return insert_client(process_db, "Acme Surveys", "acme-key")


def uuids(conn, start=START, end=END, db_timezone="UTC"):
    return {r["process_uuid"] for r in fetch_process_rows(conn, start, end, db_timezone)}


def test_query_keeps_processes_overlapping_the_window_and_nothing_else(process_db, client_source):
    def add(start, stop, status="Finished"):
        return insert_process(process_db, client_source, status, start, stop, stop)

    inside = add(START + timedelta(hours=1), START + timedelta(hours=2))
    long_finished_today = add(START - timedelta(hours=30), START + timedelta(hours=1))
    still_running = add(START - timedelta(days=3), None, "Running")
    stopped_exactly_at_start = add(START - timedelta(hours=1), START)
    add(START - timedelta(hours=3), START - timedelta(seconds=1))  # stopped before
    add(END, None, "Running")  # starts at the (exclusive) end
    no_start_but_stopped_inside = add(None, START + timedelta(hours=5))
    add(None, START - timedelta(hours=5))  # no start, stopped long before
    assert uuids(process_db) == {
        inside,
        long_finished_today,
        still_running,
        stopped_exactly_at_start,
        no_start_but_stopped_inside,
    }


def test_query_reads_only_client_users(process_db, client_source):
    admin_source = insert_client(process_db, "Admin", "admin-key", role_id=1)
    client = insert_process(process_db, client_source, "Failed", START + timedelta(hours=1))
    insert_process(process_db, admin_source, "Failed", START + timedelta(hours=1))
    assert uuids(process_db) == {client}


def test_query_returns_aware_times_and_every_report_column(process_db, client_source):
    started = START + timedelta(hours=1)
    insert_process(process_db, client_source, "Running", started, started)
    (fetched,) = fetch_process_rows(process_db, START, END, "UTC")
    assert fetched["start_time"] == started
    assert fetched["start_time"].utcoffset() is not None
    assert {
        "client_name",
        "api_key",
        "status_name",
        "source_uri",
        "source_alias",
        "source_uuid",
        "client_id",
    } <= set(fetched)


@pytest.mark.parametrize("column_type", ["timestamp", "timestamptz"])
def test_naive_and_aware_columns_give_the_same_instants(process_db, client_source, column_type):
    db_timezone = "America/New_York"
    near_start = insert_process(
        process_db,
        client_source,
        "Finished",
        START - timedelta(hours=2),
        stop=START + timedelta(minutes=1),
        db_timezone=db_timezone,
    )
    insert_process(
        process_db,
        client_source,
        "Finished",
        START - timedelta(hours=2),
        stop=START - timedelta(minutes=1),
        db_timezone=db_timezone,
    )
    if column_type == "timestamptz":
        convert_to_timestamptz(process_db, db_timezone)
    rows = fetch_process_rows(process_db, START, END, db_timezone)
    assert [r["process_uuid"] for r in rows] == [near_start]
    assert rows[0]["stop_time"] == START + timedelta(minutes=1)


def test_session_time_zone_does_not_leak_into_the_connection(process_db, client_source):
    fetch_process_rows(process_db, START, END, "Asia/Tokyo")
    with process_db.cursor() as cur:
        cur.execute("SHOW TimeZone")
        assert cur.fetchone()[0] != "Asia/Tokyo"


def test_urls_from_the_database_lose_their_credentials_before_they_leave(process_db, client_source):
    """The rows become processes.json, the email and its CSV: a source URI (or any other
    field holding a URL) keeps its host and path but not its user:password@ or its
    secret parameters."""
    with process_db.cursor() as cur:
        cur.execute(
            "UPDATE source SET uri = %s, alias = %s WHERE id = %s",
            (
                "rtsp://admin:CamPass123@cam.example/live?token=T0k3n-Abc&ch=2",
                "lobby (rtsp://view:AliasPw9@cam.example/sub)",
                client_source,
            ),
        )
        cur.execute('UPDATE "USER" SET name = %s', ("Acme https://ops:NamePw77@portal.example/",))
    process_db.commit()
    insert_process(process_db, client_source, "Finished", START + timedelta(hours=1))
    (row,) = fetch_process_rows(process_db, START, END, "UTC")
    shown = json.dumps(row, default=str)
    for secret in ("CamPass123", "T0k3n-Abc", "AliasPw9", "NamePw77", "admin:", "view:", "ops:"):
        assert secret not in shown
    assert row["source_uri"] == "rtsp://cam.example/live?token=[REDACTED]&ch=2"
    assert row["source_alias"] == "lobby (rtsp://cam.example/sub)"
    assert row["api_key"] == "acme-key"


@pytest.mark.parametrize(
    ("uri", "alias", "secrets"),
    [
        (
            " rtsp://admin:it's-Pw1@cam.example/live",
            "lobby (admin:SECRET@10.0.0.5)",
            ("it's-Pw1", "SECRET"),
        ),
        ("https://cam.example/live?pw=QPw2&x=1", "cam ?p=QPw3", ("QPw2", "QPw3")),
        (
            "rtsp://cam.example/s?loginuse=a&loginpas=QPw4",
            "password is Hunter2x",
            ("QPw4", "Hunter2x"),
        ),
    ],
)
def test_every_database_field_goes_through_the_log_scrub(
    process_db, client_source, uri, alias, secrets
):
    """Issue 17: `'` in a URI password, `?pw=`/`?p=`/`loginpas=`, credentials in an alias
    with no scheme, a leading space, free text: none of it reaches the report."""
    with process_db.cursor() as cur:
        cur.execute(
            "UPDATE source SET uri = %s, alias = %s WHERE id = %s", (uri, alias, client_source)
        )
    process_db.commit()
    insert_process(process_db, client_source, "Finished", START + timedelta(hours=1))
    (row,) = fetch_process_rows(process_db, START, END, "UTC")
    shown = json.dumps(row, default=str)
    assert [secret for secret in secrets if secret in shown] == []
    assert "cam.example" in row["source_uri"]  # the address itself is kept


# --- property: every in-window process lands in exactly one category -------------------

OFFSETS = st.integers(min_value=-72 * 60, max_value=30 * 60).map(lambda m: timedelta(minutes=m))
PROCESS = st.tuples(
    st.sampled_from(["Running", "Finished", "Failed", "Queued", "Cancelled", None]),
    st.one_of(st.none(), OFFSETS),  # start, relative to the window start
    st.one_of(st.none(), st.integers(0, 40 * 60).map(lambda m: timedelta(minutes=m))),
    st.one_of(st.none(), st.integers(0, 40 * 60).map(lambda m: timedelta(minutes=m))),
    st.booleans(),  # skip-listed test account
)


def expected_in_window(start, stop, ping):
    if start is not None:
        return start < END and (stop is None or stop >= START)
    last = stop if stop is not None else ping
    return last is not None and START <= last < END


@pytest.mark.parametrize("column_type", ["timestamp", "timestamptz"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(processes=st.lists(PROCESS, max_size=25))
def test_every_in_window_process_lands_in_exactly_one_category(process_db, column_type, processes):
    db_timezone = "Europe/Paris"
    with process_db.cursor() as cur:
        cur.execute('TRUNCATE process, source, "USER", process_status RESTART IDENTITY CASCADE')
        cur.execute(
            "ALTER TABLE process ALTER COLUMN start_time TYPE timestamp; "
            "ALTER TABLE process ALTER COLUMN ping_time TYPE timestamp; "
            "ALTER TABLE process ALTER COLUMN stop_time TYPE timestamp"
        )
    process_db.commit()
    insert_statuses(process_db)
    real = insert_client(process_db, "Real client", "real-key")
    test = insert_client(process_db, "Test account", "test-key")
    expected = set()
    for status, start_offset, run, ping_after, skipped in processes:
        start = START + start_offset if start_offset is not None else None
        base = start or START
        stop = base + run if run is not None else None
        ping = base + ping_after if ping_after is not None else None
        process_uuid = insert_process(
            process_db,
            test if skipped else real,
            status,
            start,
            ping,
            stop,
            db_timezone=db_timezone,
        )
        if not skipped and expected_in_window(start, stop, ping):
            expected.add(process_uuid)
    if column_type == "timestamptz":
        convert_to_timestamptz(process_db, db_timezone)

    rows = fetch_process_rows(process_db, START, END, db_timezone)
    result = categorize(
        rows, window_end=END, hung_after_minutes=60, skip_api_keys=frozenset({"test-key"})
    )

    listed = [p["uuid"] for p in result.processes]
    assert sorted(listed) == sorted(expected)  # nothing dropped, nothing extra, no repeats
    assert all(p["category"] in CATEGORIES for p in result.processes)
    counts = result.counts
    assert sum(counts[c] for c in CATEGORIES) == counts["total"] == len(expected)
    assert counts["hung"] <= counts[RUNNING]
    assert result.skipped_test_processes == sum(1 for r in rows if r["api_key"] == "test-key")


def test_repeated_short_fields_are_scrubbed_once_and_long_ones_never_kept():
    processes = processes_module
    processes._scrubbed_short.cache_clear()
    short = "rtsp://admin:hunter2@cam1.example.net/live"
    long = "rtsp://admin:hunter2@cam2.example.net/" + "x" * processes.REMEMBERED_FIELD_CHARS
    rows = [processes._shown({"source_uri": uri}) for uri in (short, long, short, long)]
    assert [row["source_uri"] for row in rows[:2]] == [
        "rtsp://cam1.example.net/live",
        "rtsp://cam2.example.net/" + "x" * processes.REMEMBERED_FIELD_CHARS,
    ]
    assert rows[2:] == rows[:2]
    info = processes._scrubbed_short.cache_info()
    assert (info.hits, info.currsize) == (1, 1)  # the short one remembered, the long one not
