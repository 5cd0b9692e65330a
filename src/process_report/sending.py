"""Sending a message through Microsoft Graph exactly once.

Graph has no idempotency key, so sending goes through a send record per clear of the
run (`send_record`), claimed before anything exists in the mailbox, and a Message-ID
derived from that record, so the message can always be found again by its
`internetMessageId`. The record moves `claimed` → `drafted` (the draft's immutable id,
`Prefer: IdType="ImmutableId"`, which survives sending) → `sending` (written before
`/send`) → `sent`. Whatever an attempt finds, it finishes from there:

- a lost answer to the draft's creation: the draft is looked for in Drafts by its
  Message-ID before another is made;
- a lost answer to `/send`: Graph is asked, for up to `settle_s`, whether the draft
  went out (its `isDraft`, then Sent Items by Message-ID): Graph sends after its 202,
  so one look could be stale. Still a draft after that: it was not sent, send it;
- another attempt owns the record: wait for its outcome; an owner that has not touched
  it for `lease_s` (killed) or gave up (`released`) is taken over by exactly one
  attempt; every owner checks it still owns the record before each write;
- a clear (a new record) first settles the earlier clears' records whose outcome was
  never known: a report that went out is sent again, as the clear asks; one that did
  not is completed (its draft sent) instead of sending a new one; never both;
- a record that cannot be read, or a deleted draft whose send may have gone out,
  stops with an error that names the file to remove and what to clear, unless Graph
  proves the report went out (then the record is repaired).

The one assumption: no attempt stalls for longer than `lease_s` between checking it
owns the record and its next request to Graph (Airflow kills a task whose heartbeats
fail long before that).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from process_report.graph.client import AmbiguousSendError, GraphClient, GraphError, json_object
from process_report.send_record import BrokenSendRecordError, SendRecord, SendRecordError

log = logging.getLogger(__name__)

FINAL = ("sent", "not_sent")


@dataclass(frozen=True)
class SendPolicy:
    """How long sending waits for Graph and for other attempts of the same send."""

    settle_s: float = 180.0  # how long Graph may take to show an accepted send as sent
    poll_s: float = 5.0  # between two looks at Graph or at the record
    lease_s: float = 600.0  # a record its owner has not touched this long is abandoned


class SendInProgressError(RuntimeError):
    """Another attempt owns this send and is still at it; this attempt sent nothing."""


class SendNotSettledError(RuntimeError):
    """Graph did not show in time whether a request was carried out; nothing more was
    sent. The task's retry takes the send over and looks again."""


def send_once(
    client: GraphClient,
    mail_root: str,
    message: EmailMessage,
    record: SendRecord,
    earlier: Sequence[SendRecord] = (),
    policy: SendPolicy = SendPolicy(),
) -> dict[str, Any]:
    """Send `message` from `mail_root` (`/users/{mailbox}` or `/me`) exactly once per
    send record, after settling the `earlier` clears' records. Sets the message's
    Message-ID. Returns the record (`state` "sent", `draft_id`)."""
    return _Sender(client, mail_root, message, policy).send(record, earlier)


class _Sender:
    """One attempt at one send; owns the records it claimed or took over."""

    def __init__(
        self, client: GraphClient, mail_root: str, message: EmailMessage, policy: SendPolicy
    ) -> None:
        self.client, self.mail_root, self.message, self.policy = client, mail_root, message, policy
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.domain = parseaddr(message["From"] or "")[1].rpartition("@")[2] or "report.invalid"
        self.owned: list[SendRecord] = []
        self.earlier: Sequence[SendRecord] = ()
        self.sends_left = 2  # /send requests per attempt: the first and one after settling

    def send(self, record: SendRecord, earlier: Sequence[SendRecord]) -> dict[str, Any]:
        self.earlier = earlier
        try:
            data = self._acquire(record)
            if data["state"] == "claimed":
                data = self._settle_earlier(record, data)
            data = self._drive(record, data)
        except BaseException:
            self._release()
            raise
        if record not in self.owned:
            how = f"found {data['state']}: another attempt did it"
        elif data.get("completes"):
            how = f"sent by completing {data['completes']}"
        else:
            how = data["state"]
        log.info("Send record %s: %s (draft %s)", record, how, data["draft_id"])
        return data

    # --- owning records --------------------------------------------------------------
    def _acquire(self, record: SendRecord) -> dict[str, Any]:
        """Claim `record`, or take it over once its owner is gone, or wait for that
        owner's outcome. Final records come back as they are."""
        fresh = {
            "state": "claimed",
            "message_id": self._message_id(record),
            "draft_id": None,
            "generation": 0,
            "owner": self.owner,
            "updated_at": time.time(),
        }
        if record.claim(fresh):
            self.owned.append(record)
            log.info("Claimed send record %s", record)
            return fresh
        deadline = time.monotonic() + self.policy.lease_s + self.policy.poll_s
        while True:
            data = self._read(record)
            if data is None:  # removed meanwhile
                return self._acquire(record)
            if data["state"] in FINAL:
                return data
            age = time.time() - data["updated_at"]
            if data.get("released") or age > self.policy.lease_s:
                taken = self._take_over(record, data)
                if taken is not None:
                    return taken
            elif time.monotonic() > deadline:
                raise SendInProgressError(
                    f"{record} is owned by {data.get('owner')}, updated {age:.0f} s ago, "
                    f"which has not finished: this attempt sent nothing. The task's retry "
                    f"finds its outcome, or takes the send over once the record is "
                    f"{self.policy.lease_s:.0f} s old."
                )
            log.info(
                "Send record %s is owned by %s (updated %.0f s ago): waiting for its outcome",
                record.name,
                data.get("owner"),
                age,
            )
            self._wait()

    def _take_over(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any] | None:
        generation = data["generation"] + 1
        if not record.take_over(generation):
            return None  # another attempt took it over; wait for that one
        data = self._read(record) or data  # as the gone owner last left it
        if data["state"] in FINAL:
            return data
        log.info(
            "Took over send record %s (state %s) from %s",
            record.name,
            data["state"],
            data.get("owner"),
        )
        data = {**data, "owner": self.owner, "generation": generation, "released": False}
        record.write({**data, "updated_at": time.time()})
        self.owned.append(record)
        return data

    def _read(self, record: SendRecord) -> dict[str, Any] | None:
        try:
            return record.read()
        except BrokenSendRecordError as exc:
            return self._repair(record, exc)

    def _repair(self, record: SendRecord, broken: BrokenSendRecordError) -> dict[str, Any]:
        """An unreadable record is rewritten only when Graph proves its report went out."""
        message_id = self._message_id(record)
        sent = self._lookup("sentitems", message_id)
        completed = [r for r in self.earlier if (r.read() or {}).get("completed_by") == record.name]
        if not (sent or completed):
            raise SendRecordError(
                f"{broken}. Whether this report went out cannot be told from it, and the "
                f"mailbox's Sent Items do not hold it (Message-ID {message_id}). Check that "
                f"the recipients did not get it, then remove {record} and clear "
                f"compose_and_send_report: the clear looks this report up by its "
                f"Message-ID and sends its draft if there is one, else a new one."
            ) from None
        log.warning("%s; the report is in Sent Items: the record is rewritten as sent", broken)
        data = {
            "state": "sent",
            "message_id": message_id,
            "draft_id": sent[0]["id"] if sent else None,
            "generation": 0,
            "owner": self.owner,
            "updated_at": time.time(),
        }
        record.write(data)
        return data

    def _save(self, record: SendRecord, data: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """Write the record, as long as this attempt still owns it."""
        self._check_owner(record, data)
        data = {**data, **changes, "updated_at": time.time()}
        record.write(data)
        return data

    def _check_owner(self, record: SendRecord, data: dict[str, Any]) -> None:
        current = record.read() or {}
        if (current.get("owner"), current.get("generation")) != (self.owner, data["generation"]):
            raise SendInProgressError(
                f"{record} was taken over by {current.get('owner')}: this attempt stops "
                f"here and sends nothing more"
            )

    def _wait(self) -> None:
        """Sleep one poll, first telling attempts that wait on this one's records that it
        is alive; stop if one of them was taken over meanwhile."""
        for record in self.owned:
            data = record.read() or {}
            if data.get("state") not in FINAL:
                self._save(record, data)
        time.sleep(self.policy.poll_s)

    def _release(self) -> None:
        """On failure, hand the records over at once instead of after the lease."""
        for record in self.owned:
            try:
                data = record.read()
                if data and data["owner"] == self.owner and data["state"] not in FINAL:
                    record.write({**data, "released": True, "updated_at": time.time()})
            except Exception as exc:  # the original error matters more
                log.warning("Could not release send record %s: %s", record, exc)

    # --- the steps -------------------------------------------------------------------
    def _drive(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any]:
        """Finish the send from whatever state the record is in."""
        steps: dict[str, Callable[[SendRecord, dict[str, Any]], dict[str, Any]]] = {
            "claimed": self._make_draft,
            "drafted": self._send_draft,
            "sending": self._settle,
        }
        while data["state"] not in FINAL:
            data = steps[data["state"]](record, data)
        return data

    def _make_draft(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any]:
        """The draft, found by its Message-ID (an earlier owner may have made it and
        lost the answer), else created."""
        found = self._find(data["message_id"])
        if found:
            return self._save(record, data, **found)
        self._check_owner(record, data)
        del self.message["Message-ID"]
        self.message["Message-ID"] = data["message_id"]
        try:
            created = json_object(
                self.client.request(
                    "POST",
                    f"{self.mail_root}/messages",
                    idempotent=False,
                    data=base64.b64encode(self.message.as_bytes()),
                    headers={"Content-Type": "text/plain", "Prefer": 'IdType="ImmutableId"'},
                )
            )
        except AmbiguousSendError:
            return self._save(record, data, **self._find_after_lost_answer(data["message_id"]))
        except GraphError as exc:
            if exc.code == "MalformedAnswer":  # created, but its answer cannot be read
                return self._save(record, data, **self._find_after_lost_answer(data["message_id"]))
            if not refused(exc):  # a 5xx: Graph says it failed, the retry looks again
                raise
            # Graph refused the draft (413: too large; 400, 403): nothing is in the mailbox.
            # The record stays "claimed" and is released on the way out, so that a second
            # message (a smaller one) can be sent under the same record at once.
            self._save(record, data, refused=exc.status)
            log.info("Graph refused the draft (%d %s): nothing was sent", exc.status, exc.code)
            raise
        draft_id = created.get("id")
        if not isinstance(draft_id, str) or not draft_id:
            return self._save(record, data, **self._find_after_lost_answer(data["message_id"]))
        message_id = created.get("internetMessageId")
        message_id = (
            message_id if isinstance(message_id, str) and message_id else data["message_id"]
        )
        return self._save(record, data, state="drafted", draft_id=draft_id, message_id=message_id)

    def _find_after_lost_answer(self, message_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.policy.settle_s
        for poll in itertools.count(1):
            found = self._find(message_id)
            log.info(
                "Draft creation's answer was lost; poll %d for %s in Drafts: %s",
                poll,
                message_id,
                f"found {found['draft_id']}" if found else "not there",
            )
            if found:
                return found
            if time.monotonic() >= deadline:
                break
            self._wait()
        raise SendNotSettledError(
            f"Graph did not answer the draft's creation and no draft {message_id} showed "
            f"up in {self.policy.settle_s:.0f} s"
        )

    def _send_draft(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any]:
        if self.sends_left == 0:
            raise SendNotSettledError(
                f"Graph never confirmed a send of draft {data['draft_id']}; nothing more was sent"
            )
        self.sends_left -= 1
        data = self._save(record, data, state="sending")  # before: a lost answer is settled
        try:
            self.client.request(
                "POST", f"{self.mail_root}/messages/{data['draft_id']}/send", idempotent=False
            )
        except AmbiguousSendError:
            log.info("The answer to /send was lost; asking Graph whether the draft went out")
            return self._settle(record, data)
        except GraphError as exc:
            if exc.status == 404:  # Graph answered: nothing was sent, and the draft is gone
                log.info(
                    "Draft %s was deleted before it was sent: making it again", data["draft_id"]
                )
                return self._save(record, data, state="claimed", draft_id=None)
            # Graph answered (whatever the shape of its error body): nothing was sent, so
            # the record is settled at once, with no look at Sent Items.
            self._save(record, data, state="drafted", refused=exc.status)
            raise
        return self._save(record, data, state="sent")

    def _settle(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any]:
        """The outcome of a /send that may or may not have been carried out."""
        outcome = self._await_outcome(record, data)
        if outcome == "gone":
            raise SendRecordError(
                f"The draft {data['draft_id']} of this report was deleted and is not in "
                f"Sent Items, while a send of it may have been accepted: whether the report "
                f"went out cannot be told. If the recipients did not get it, remove {record} "
                f"and clear compose_and_send_report; if they did, mark the task successful."
            )
        return self._save(record, data, state="sent" if outcome == "sent" else "drafted")

    def _await_outcome(self, record: SendRecord, data: dict[str, Any]) -> str:
        """Look until Graph shows the draft sent or gone, for at most `settle_s`: it
        sends after its 202, so a single look could be stale."""
        deadline = time.monotonic() + self.policy.settle_s
        for poll in itertools.count(1):
            outcome = self._look(data)
            log.info("Send of draft %s, poll %d: %s", data["draft_id"], poll, outcome)
            if outcome != "draft" or time.monotonic() >= deadline:
                break
            self._wait()
        if outcome == "draft":
            log.info(
                "Draft %s is still a draft after %.0f s: it was not sent",
                data["draft_id"],
                self.policy.settle_s,
            )
        return outcome

    def _look(self, data: dict[str, Any]) -> str:
        """What Graph shows of the draft: "sent", "draft" (not sent yet) or "gone"
        (deleted, and not in Sent Items)."""
        try:
            draft = self.client.get_json(
                f"{self.mail_root}/messages/{data['draft_id']}", params={"$select": "isDraft"}
            )
        except GraphError as exc:
            if exc.status != 404:
                raise
            draft = None
        if (draft is not None and not draft.get("isDraft", True)) or self._lookup(
            "sentitems", data["message_id"]
        ):
            return "sent"
        return "draft" if draft is not None else "gone"

    # --- earlier clears --------------------------------------------------------------
    def _settle_earlier(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any]:
        """Settle the earlier clears' unfinished records. The latest one that did not go
        out is completed as this clear's send; older ones are closed as not sent. A
        missing record (never written, or removed to clear an error) is claimed, so its
        message is still looked up in Graph by its Message-ID."""
        unsent = []
        for other in self.earlier:
            other_data = self._acquire(other)
            if other_data["state"] not in FINAL:
                other_data = self._settle_one(other, other_data)
                if other_data["state"] == "drafted":
                    unsent.append((other, other_data))
        if not unsent:
            return data
        *older, (latest, latest_data) = unsent
        for other, other_data in older:
            self._save(other, other_data, state="not_sent", superseded_by=latest.name)
        log.info("%s did not go out: this clear sends it instead of a new one", latest.name)
        latest_data = self._save(latest, latest_data, completed_by=record.name)
        latest_data = self._drive(latest, latest_data)
        return self._save(
            record, data, state="sent", draft_id=latest_data["draft_id"], completes=latest.name
        )

    def _settle_one(self, record: SendRecord, data: dict[str, Any]) -> dict[str, Any]:
        """An earlier clear's record, settled: final, or "drafted" (not sent)."""
        if data["state"] == "sending":
            return self._settle(record, data)
        found = self._find(data["message_id"]) or {"state": "not_sent"}
        return self._save(record, data, **found)

    # --- Graph lookups ---------------------------------------------------------------
    def _find(self, message_id: str) -> dict[str, Any] | None:
        """This message in Sent Items, else in Drafts."""
        for folder, state in (("sentitems", "sent"), ("drafts", "drafted")):
            found = self._lookup(folder, message_id)
            if found:
                return {"state": state, "draft_id": found[0]["id"]}
        return None

    def _lookup(self, folder: str, message_id: str) -> list[dict[str, Any]]:
        if not message_id:  # a first-version record: its draft is known by id only
            return []
        escaped = message_id.replace("'", "''")
        return self.client.get_json(
            f"{self.mail_root}/mailFolders/{folder}/messages",
            params={"$filter": f"internetMessageId eq '{escaped}'", "$select": "id,isDraft"},
        ).get("value", [])

    def _message_id(self, record: SendRecord) -> str:
        """The same for every attempt at one record, so its message can be found
        without the record; different for each clear and run."""
        digest = hashlib.sha256(f"{self.mail_root}|{record}".encode()).hexdigest()[:32]
        return f"<report-{digest}@{self.domain}>"


def refused(error: GraphError) -> bool:
    """Whether Graph definitely refused a request, so nothing was carried out: a 4xx
    other than 408 and 429 (those are retried by the client), or a redirect that was
    not followed. A 5xx or an answer that could not be read leaves it open."""
    return 300 <= error.status < 500 and error.status not in (408, 429)


def send_mail(client: GraphClient, mail_root: str, message: EmailMessage) -> None:
    """Send a message in one step (`sendMail`, MIME), for alerts: unlike the report, an
    alert is not worth a claimed record and a draft, and a lost answer is reported (at
    ERROR, by the caller), never retried blindly."""
    client.request(
        "POST",
        f"{mail_root}/sendMail",
        idempotent=False,
        data=base64.b64encode(message.as_bytes()),
        headers={"Content-Type": "text/plain"},
    )
