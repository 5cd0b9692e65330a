"""Which of the day's processes each owner's digest holds, and whether it goes out.

Pure: the processes are the report's own records (categorized, with their failure
summaries and video lookups), so a digest shows exactly what the team report shows of
those clients. Skip-listed accounts are not in them to begin with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from process_report.owners.config import Owner
from process_report.processes import FAILED


@dataclass
class OwnerDigest:
    owner: Owner
    processes: list[Mapping[str, Any]] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)  # the owner's clients seen today

    @property
    def needs_attention(self) -> bool:
        """A failure, a hung process or a missing video among the owner's clients."""
        return any(
            p["category"] == FAILED or p.get("hung") or p.get("video_missing")
            for p in self.processes
        )

    @property
    def goes_out(self) -> bool:
        return self.owner.when == "always" or self.needs_attention


def select_digests(
    owners: Sequence[Owner],
    processes: Iterable[Mapping[str, Any]],
    known_clients: Sequence[Mapping[str, Any]],
) -> tuple[list[OwnerDigest], list[str]]:
    """One digest per owner (those that do not go out too: the caller logs them), and
    data-quality notes for owners' clients that match no client."""
    # Only the processes of clients some owner names are kept: the records stream past.
    entries = [client for owner in owners for client in owner.clients]
    wanted_ids = {client for client in entries if isinstance(client, int)}
    wanted_text = {client for client in entries if isinstance(client, str)}
    wanted_names = {client.casefold() for client in wanted_text}
    by_id: dict[int, list[Mapping[str, Any]]] = {}
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    api_keys: set[str] = set()  # the entries that are a client's API key
    for p in processes:
        if p.get("client_id") is not None and int(p["client_id"]) in wanted_ids:
            by_id.setdefault(int(p["client_id"]), []).append(p)
        if (name := str(p["client"]).casefold()) in wanted_names:
            by_name.setdefault(name, []).append(p)
        if p.get("api_key") in wanted_text:
            api_keys.add(p["api_key"])
    known_ids = {int(c["id"]) for c in known_clients if c.get("id") is not None}
    known_names = {str(c["name"]).casefold() for c in known_clients if c.get("name")}
    digests, notes = [], []
    for index, owner in enumerate(owners):
        digest = OwnerDigest(owner)
        seen: set[int] = set()
        for position, client in enumerate(owner.clients):
            found = (
                by_id.get(client, [])
                if isinstance(client, int)
                else by_name.get(client.casefold(), [])
            )
            where = f"Owner {owner.name} (owners[{index}].clients[{position}])"
            note = _unknown(where, client, found, known_ids, known_names, api_keys)
            if note:
                notes.append(note)
                continue
            for p in found:
                if id(p) not in seen:
                    seen.add(id(p))
                    digest.processes.append(p)
        digest.clients = sorted({str(p["client"]) for p in digest.processes}, key=str.casefold)
        digests.append(digest)
    return digests, notes


def _unknown(
    where: str,
    client: str | int,
    found: list[Mapping[str, Any]],
    known_ids: set[int],
    known_names: set[str],
    api_keys: set[str],
) -> str | None:
    """The note for an owner's client that matches nothing, else None. The entry is
    named by its place, never echoed: a mistyped entry may be an API key."""
    if isinstance(client, str) and client in api_keys:
        return (
            f"{where} is a client's API key, which the settings must not hold: use the "
            "client's name or id."
        )
    if found:
        return None
    exists = client in known_ids if isinstance(client, int) else client.casefold() in known_names
    if exists:
        return None  # a client of theirs with no process in the window: nothing to say
    return f"{where} matches no client in the database: no digest holds it."
