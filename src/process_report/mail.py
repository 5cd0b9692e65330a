"""The report as an email message, and sending it through Microsoft Graph exactly once.

The message is MIME `multipart/alternative` (plain text first, HTML second), sent by
Graph's MIME route: its JSON route carries a single body, which would leave text-only
clients and previews without the plain-text version.

Graph has no idempotency key, so sending is two steps with a record in between: create
a draft from the MIME (`Prefer: IdType="ImmutableId"`, an id that survives sending),
write its id to the run's send record, then send it. A retry after a lost answer finds
the record, asks Graph whether that draft is still a draft, and sends only if it is:
never a second copy. A deliberate rerun (the run cleared from the UI) has a new record,
so it sends again.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from html import escape
from typing import Any

from process_report.graph.client import GraphClient
from process_report.report import Attachment, RenderedReport

GRAPH_REQUEST_LIMIT = 4 * 1024 * 1024
_HEADROOM = 16 * 1024  # headers and JSON around the base64 body


def build_message(
    report: RenderedReport,
    recipients: Sequence[str],
    attachments: Sequence[Attachment] = (),
    sender: str | None = None,
    limit: int = GRAPH_REQUEST_LIMIT,
) -> EmailMessage:
    """A complete message with both bodies. Attachments that would push the Graph
    request over `limit` are left out, largest first, with a note in both bodies."""
    kept = sorted(attachments, key=lambda a: len(a.data))
    omitted: list[Attachment] = []
    while True:
        message = _compose(report, recipients, kept, omitted, sender)
        if _graph_size(message) <= limit or not kept:
            return message
        omitted.append(kept.pop())


def send_once(
    client: GraphClient,
    mail_root: str,
    message: EmailMessage,
    read_record: Callable[[], dict[str, Any] | None],
    write_record: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Send `message` from `mail_root` (`/users/{mailbox}` or `/me`) at most once per send
    record. Returns the record: draft id and whether Graph accepted the send."""
    record = read_record() or {}
    if record.get("sent"):
        return record
    if record.get("draft_id"):
        draft = client.get_json(f"{mail_root}/messages/{record['draft_id']}?$select=isDraft")
        if not draft.get("isDraft", True):
            record["sent"] = True  # the earlier attempt's send went through
            write_record(record)
            return record
    else:
        created = client.request(
            "POST",
            f"{mail_root}/messages",
            idempotent=False,
            data=base64.b64encode(message.as_bytes()),
            headers={"Content-Type": "text/plain", "Prefer": 'IdType="ImmutableId"'},
        ).json()
        record = {"draft_id": created["id"], "sent": False}
        write_record(record)
    client.request("POST", f"{mail_root}/messages/{record['draft_id']}/send", idempotent=False)
    record["sent"] = True
    write_record(record)
    return record


def send_mail(client: GraphClient, mail_root: str, message: EmailMessage) -> None:
    """Send a message in one step (`sendMail`, MIME), for alerts: unlike the report,
    an alert is not worth a draft, and a lost answer is reported, not retried."""
    client.request(
        "POST",
        f"{mail_root}/sendMail",
        idempotent=False,
        data=base64.b64encode(message.as_bytes()),
        headers={"Content-Type": "text/plain"},
    )


def _compose(
    report: RenderedReport,
    recipients: Sequence[str],
    attachments: Sequence[Attachment],
    omitted: Sequence[Attachment],
    sender: str | None,
) -> EmailMessage:
    note_text, note_html = "", ""
    if omitted:
        names = ", ".join(a.name for a in omitted)
        note_text = (
            f"\nNot attached (over Graph's 4 MB message limit): {names}. They are in "
            f"the run's archive.\n"
        )
        note_html = f'<p style="color:#8a5a00;">{escape(note_text.strip())}</p>'
    message = EmailMessage(policy=SMTP)
    message["Subject"] = report.subject
    if sender:
        message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(report.text + note_text, subtype="plain", charset="utf-8")
    message.add_alternative(
        report.html.replace("</body>", note_html + "</body>", 1), subtype="html", charset="utf-8"
    )
    for attachment in attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name
        )
    return message


def _graph_size(message: EmailMessage) -> int:
    return len(base64.b64encode(message.as_bytes())) + _HEADROOM
