"""send_owner_digests against the Graph stand-in over real HTTPS: each due owner gets one
digest with only their clients, a retry of the same clear sends nothing again, a new
clear sends again, a dry run writes the outbox, and sends are paced so that the
mailbox's limit is never hit (without pacing, the limit's 429s are waited out and every
digest still goes out once)."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.pacing import Pacer
from process_report.processes import categorize
from process_report.tasks import send_owner_digests as task
from tests.process_report.tasks.runs import DAY_END, SETTINGS, resolve

CLIENTS = [{"id": 1, "name": "Acme"}, {"id": 2, "name": "Zeta"}, {"id": 3, "name": "Quiet"}]


def row(uuid, client_id, status, hours_before_end=3):
    start = DAY_END - timedelta(hours=hours_before_end + 1)
    return {
        "process_uuid": uuid,
        "client_id": client_id,
        "client_name": CLIENTS[client_id - 1]["name"],
        "api_key": f"key-{client_id}",
        "status_name": status,
        "status_id": 1,
        "start_time": start,
        "ping_time": start,
        "stop_time": start + timedelta(minutes=30),
        "source_uri": None,
        "source_alias": None,
        "source_uuid": None,
    }


def owners(*entries):
    return [{"name": n, "email": e, "clients": c, "when": w} for n, e, c, w in entries]


@pytest.fixture
def day(settings_variable, standin, monkeypatch):
    """A resolved run with Acme failing and Zeta fine; returns a function that sets the
    owners and gives (run, fetched)."""
    monkeypatch.setenv("AIRFLOW_CONN_MSGRAPH_DEFAULT", standin.airflow_connection())

    def with_owners(entries, dry_run=False):
        settings_variable({**SETTINGS, "owners": entries})
        run = resolve({"dry_run": dry_run})
        folder = ObjectStoragePath(run["folder"])
        rows = [row("a1", 1, "Failed"), row("a2", 1, "Finished"), row("z1", 2, "Finished")]
        processes = categorize(rows, window_end=DAY_END, hung_after_minutes=60)
        fetched = {
            "processes_path": artifacts.write_json(folder, "processes.json", processes.to_dict()),
            "counts": processes.counts,
            "previous_counts": processes.counts,
            "trend_path": None,
            "clients_path": artifacts.write_json(folder, "clients.json", CLIENTS),
        }
        return run, fetched

    return with_owners


def send(run, fetched, clear=0, pacer=None):
    return task.send_owner_digests_task(
        run=run,
        fetched=fetched,
        failure_batches=None,
        clear_number=clear,
        dag_id="client_process_daily_report",
        run_id="manual__1",
        pacer=pacer,
    )


def delivered(standin):
    return [message_from_bytes(p.read_bytes(), policy=default) for p in standin.sent_messages()]


def test_each_due_owner_gets_one_digest_of_their_clients_only(day, standin):
    run, fetched = day(
        owners(
            ("Alice", "alice@example.com", ["Acme"], "failures"),
            ("Bob", "bob@example.com", ["Zeta"], "failures"),  # nothing wrong: no digest
            ("Carol", "carol@example.com", ["zeta", 3], "always"),
        )
    )
    assert send(run, fetched) == {"owners": 3, "due": 2, "sent": 2}
    by_to = {m["To"]: m for m in delivered(standin)}
    assert set(by_to) == {"alice@example.com", "carol@example.com"}
    alice = by_to["alice@example.com"].get_body(("plain",)).get_content()
    assert by_to["alice@example.com"]["Subject"].startswith("Your clients 2026-11-26: 1 failed")
    assert "For Alice: Acme." in alice
    # one count a line, without a previous window (an owner's is not known)
    assert re.search(r"^  Failed +1$", alice, re.MULTILINE)
    assert "Zeta" not in alice
    carol = by_to["carol@example.com"].get_body(("plain",)).get_content()
    assert "For Carol: Zeta." in carol
    assert "Acme" not in carol


def test_a_retry_of_the_same_clear_sends_nothing_again_and_a_new_clear_does(day, standin):
    run, fetched = day(owners(("Alice", "alice@example.com", ["Acme"], "always")))
    send(run, fetched)
    send(run, fetched)
    assert len(standin.sent_messages()) == 1
    send(run, fetched, clear=1)
    assert len(standin.sent_messages()) == 2


def test_a_dry_run_writes_each_digest_to_the_outbox_and_sends_nothing(day, standin):
    run, fetched = day(owners(("Alice", "alice@example.com", ["Acme"], "always")), dry_run=True)
    assert send(run, fetched)["sent"] == 1
    assert standin.sent_messages() == []
    (eml,) = ObjectStoragePath(run["folder"]).glob("outbox/owners/*/message.eml")
    assert b"alice@example.com" in eml.read_bytes()


def test_no_owners_means_no_digests(day, standin):
    run, fetched = day(None)
    assert send(run, fetched) == {"owners": 0}


MANY = [(f"Owner {i}", f"owner{i}@example.com", ["Acme"], "always") for i in range(5)]


def test_paced_sends_stay_within_the_mailboxs_limit(day, standin):
    standin.faults.mail_limit = (2, 2.0)  # 2 messages in any 2 s, like 30 a minute
    run, fetched = day(owners(*MANY))
    send(run, fetched, pacer=Pacer(2, 2.1))
    assert len(standin.sent_messages()) == 5
    assert standin.mail_throttled == 0


def test_unpaced_sends_are_throttled_and_still_each_go_out_once(day, standin):
    standin.faults.mail_limit = (2, 2.0)
    run, fetched = day(owners(*MANY))
    send(run, fetched, pacer=Pacer(1000, 1.0))
    assert standin.mail_throttled > 0
    assert sorted(m["To"] for m in delivered(standin)) == sorted(o[1] for o in MANY)


def test_a_client_name_with_line_breaks_makes_a_one_line_digest_subject(day, standin, monkeypatch):
    """A client's name is the database's: one with a line break (or U+2028) went into
    the digest's Subject header as it is, which the email library refuses, so the
    owner got no digest at all."""
    monkeypatch.setitem(CLIENTS[0], "name", "Acme\nBcc: x@example.com\u2028Ltd")
    run, fetched = day(owners(("Alice", "alice@example.com", [1], "always")))
    assert send(run, fetched)["sent"] == 1
    (message,) = delivered(standin)
    assert message["Subject"].endswith("(Acme Bcc: x@example.com Ltd)")
    assert message["Bcc"] is None
