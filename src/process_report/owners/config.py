"""The `owners` setting: who owns which clients, and when they want a digest.

    "owners": [
      {"name": "Alice Martin", "email": "alice@contoso.com", "clients": ["Acme", 42],
       "when": "failures"}
    ]

Clients are named by their name (any case) or their numeric id, never by API key: the
settings are shown in Airflow's UI, and an API key is a client's secret. `when` is
`always` (a digest every day) or `failures` (only when one of the owner's clients has a
failure, a hung process or a missing video).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from process_report.redact import Redactor

WHEN = ("always", "failures")
EXAMPLE = {
    "name": "Alice Martin",
    "email": "alice@example.com",
    "clients": ["Acme", 42],
    "when": "failures",
}
MAX_OWNERS = 2_000  # Exchange's 10,000 recipients a day leave room for the team report
_SHOWN = 80  # characters of a bad entry echoed in an error


@dataclass(frozen=True)
class Owner:
    name: str
    email: str
    clients: tuple[str | int, ...]  # names (compared case-insensitively) or ids
    when: str = "always"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "clients": list(self.clients),
            "when": self.when,
        }


def parse_owners(value: Any, errors: list[str], valid_email: Any) -> tuple[Owner, ...]:
    """Validate the setting; problems are appended to `errors`, each naming the entry by
    its index (and never echoing more than a clipped, redacted piece of it).
    `valid_email(address) -> bool` is the recipients' own check."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_OWNERS:
        errors.append(
            f"owners: expected a list of at most {MAX_OWNERS} owners; got {_shown(value)}"
        )
        return ()
    owners = []
    for index, entry in enumerate(value):
        owner = _owner(entry, f"owners[{index}]", errors, valid_email)
        if owner:
            owners.append(owner)
    emails = [o.email.lower() for o in owners]
    for email in sorted({e for e in emails if emails.count(e) > 1}):
        errors.append(f"owners: {email} is listed more than once; give each owner one entry")
    return tuple(owners)


def _owner(entry: Any, where: str, errors: list[str], valid_email: Any) -> Owner | None:
    if not isinstance(entry, dict):
        errors.append(f"{where}: expected an object with name, email, clients; got {_shown(entry)}")
        return None
    unknown = sorted(set(entry) - {"name", "email", "clients", "when"})
    name, email = entry.get("name"), entry.get("email")
    clients, when = entry.get("clients"), entry.get("when", "always")
    problems = []
    if unknown:
        problems.append(f"unknown key(s) {unknown}")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: expected the owner's name")
    if not isinstance(email, str) or not valid_email(email.strip()):
        problems.append(f"email: expected one email address; got {_shown(email)}")
    if not _client_list(clients):
        problems.append(
            'clients: expected a non-empty list of client names or ids such as ["Acme", 42]; '
            f"got {_shown(clients)}"
        )
    if when not in WHEN:
        problems.append(f"when: expected 'always' or 'failures'; got {_shown(when)}")
    if problems:
        errors.extend(
            f"{where}.{p}" if not p.startswith("unknown") else f"{where}: {p}" for p in problems
        )
        return None
    return Owner(name.strip(), email.strip(), tuple(_clean(c) for c in clients), when)


def _client_list(clients: Any) -> bool:
    return (
        isinstance(clients, list)
        and bool(clients)
        and all(
            (isinstance(c, str) and c.strip()) or (isinstance(c, int) and not isinstance(c, bool))
            for c in clients
        )
    )


def _clean(client: str | int) -> str | int:
    return client.strip() if isinstance(client, str) else client


def _shown(value: Any) -> str:
    text = Redactor().redact_text(repr(value))
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
