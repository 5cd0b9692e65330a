"""Which processes each owner's digest holds: by client name (any case) or id, the
`when` rule, skip-listed accounts absent, and a note (never the entry itself) for a
client that does not exist or is given by its API key."""

from __future__ import annotations

from process_report.owners.config import Owner
from process_report.owners.routing import select_digests

KNOWN = [{"id": 1, "name": "Acme"}, {"id": 2, "name": "Zeta"}, {"id": 3, "name": "Quiet"}]


def process(uuid, client_id, client, category="finished", **extra):
    return {
        "uuid": uuid,
        "client_id": client_id,
        "client": client,
        "category": category,
        "api_key": f"key-{client_id}-secret",
        "hung": False,
        **extra,
    }


PROCESSES = [
    process("a1", 1, "Acme", "failed"),
    process("a2", 1, "Acme"),
    process("z1", 2, "Zeta"),
    process("z2", 2, "Zeta", "running", hung=False),
]


def test_an_owner_gets_the_processes_of_their_clients_by_name_or_id():
    owners = [Owner("Alice", "alice@contoso.com", ("acme", 2))]
    (digest,), notes = select_digests(owners, PROCESSES, KNOWN)
    assert [p["uuid"] for p in digest.processes] == ["a1", "a2", "z1", "z2"]
    assert digest.clients == ["Acme", "Zeta"]
    assert notes == []


def test_a_client_named_twice_is_listed_once():
    owners = [Owner("Alice", "alice@contoso.com", ("Acme", 1))]
    (digest,), _ = select_digests(owners, PROCESSES, KNOWN)
    assert [p["uuid"] for p in digest.processes] == ["a1", "a2"]


def test_when_failures_sends_only_for_a_failure_a_hung_process_or_a_missing_video():
    bob = Owner("Bob", "bob@contoso.com", ("Zeta",), "failures")
    (quiet,), _ = select_digests([bob], PROCESSES, KNOWN)
    assert not quiet.needs_attention
    assert not quiet.goes_out
    for trouble in ({"hung": True}, {"video_missing": True}, {"category": "failed"}):
        changed = [{**p, **trouble} if p["uuid"] == "z1" else p for p in PROCESSES]
        (digest,), _ = select_digests([bob], changed, KNOWN)
        assert digest.goes_out, trouble


def test_when_always_sends_even_on_a_quiet_day_and_with_no_process():
    owners = [Owner("Carol", "carol@contoso.com", ("Quiet",), "always")]
    (digest,), notes = select_digests(owners, PROCESSES, KNOWN)
    assert digest.processes == []
    assert digest.goes_out
    assert notes == []  # a known client with no process today is nothing to report


def test_a_client_that_does_not_exist_is_a_note_naming_the_entry_not_its_value():
    owners = [Owner("Alice", "alice@contoso.com", ("Acme", "Acmee-typo", 99))]
    (digest,), notes = select_digests(owners, PROCESSES, KNOWN)
    assert len(digest.processes) == 2
    assert notes == [
        "Owner Alice (owners[0].clients[1]) matches no client in the database: no digest holds it.",
        "Owner Alice (owners[0].clients[2]) matches no client in the database: no digest holds it.",
    ]


def test_a_client_given_by_its_api_key_is_not_matched_and_not_echoed():
    owners = [Owner("Alice", "alice@contoso.com", ("key-1-secret",))]
    (digest,), notes = select_digests(owners, PROCESSES, KNOWN)
    assert digest.processes == []
    assert len(notes) == 1
    assert "API key" in notes[0]
    assert "key-1-secret" not in notes[0]


def test_skip_listed_accounts_never_reach_a_digest():
    # the report's processes have skip-listed accounts removed already; a skip-listed
    # client that an owner names is then simply absent (known clients exclude it too)
    owners = [Owner("Alice", "alice@contoso.com", ("Test account",))]
    (digest,), notes = select_digests(owners, PROCESSES, KNOWN)
    assert digest.processes == []
    assert len(notes) == 1
