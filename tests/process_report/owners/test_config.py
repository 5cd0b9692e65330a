"""The `owners` setting: valid entries become owners; each problem names its entry by
index and never echoes more than a clipped, redacted piece of it."""

from __future__ import annotations

import re

from process_report.owners.config import Owner, parse_owners


def valid_email(address: str) -> bool:
    """A stand-in for the recipients' own check (settings.py), strict enough here."""
    return re.fullmatch(r"[^@\s,]+@[^@\s,\[\]]+\.[a-z]{2,}", address) is not None


def parse(value):
    errors: list[str] = []
    return parse_owners(value, errors, valid_email), errors


def test_owners_by_client_name_and_id_with_their_when():
    owners, errors = parse(
        [
            {"name": " Alice ", "email": "alice@contoso.com", "clients": ["Acme ", 42]},
            {"name": "Bob", "email": "bob@contoso.com", "clients": ["Zeta"], "when": "failures"},
        ]
    )
    assert errors == []
    assert owners == (
        Owner("Alice", "alice@contoso.com", ("Acme", 42), "always"),
        Owner("Bob", "bob@contoso.com", ("Zeta",), "failures"),
    )


def test_no_owners_setting_means_no_digests():
    assert parse(None) == ((), [])


def test_each_bad_entry_is_named_by_index_with_what_is_expected():
    owners, errors = parse(
        [
            {"name": "Alice", "email": "alice@contoso.com", "clients": ["Acme"]},
            {"name": "", "email": "a,b@c.co", "clients": [], "when": "sometimes", "cc": 1},
            "bob@contoso.com",
        ]
    )
    assert owners == (Owner("Alice", "alice@contoso.com", ("Acme",)),)
    assert "owners[1]: unknown key(s) ['cc']" in errors
    assert "owners[1].name: expected the owner's name" in errors
    assert any(e.startswith("owners[1].email: expected one email address") for e in errors)
    assert any(e.startswith("owners[1].clients: expected a non-empty list") for e in errors)
    assert "owners[1].when: expected 'always' or 'failures'; got 'sometimes'" in errors
    assert any(e.startswith("owners[2]: expected an object") for e in errors)


def test_an_owner_listed_twice_is_an_error():
    entry = {"name": "Alice", "email": "alice@contoso.com", "clients": ["Acme"]}
    _, errors = parse([entry, {**entry, "email": "ALICE@contoso.com"}])
    assert errors == [
        "owners: alice@contoso.com is listed more than once; give each owner one entry"
    ]


def test_a_secret_in_a_bad_entry_is_not_echoed_and_echoes_are_clipped():
    _, errors = parse([{"name": "A", "email": "password=hunter2-secret", "clients": ["x" * 500]}])
    assert not any("hunter2-secret" in e for e in errors)
    assert all(len(e) < 300 for e in errors)


def test_booleans_are_not_client_ids():
    _, errors = parse([{"name": "A", "email": "a@contoso.com", "clients": [True]}])
    assert any(e.startswith("owners[0].clients") for e in errors)
