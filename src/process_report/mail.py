"""The report as an email message, ready for Graph's MIME route.

The message is MIME `multipart/alternative` (plain text first, HTML second), sent by
Graph's MIME route: its JSON route carries a single body, which would leave text-only
clients and previews without the plain-text version. `sending` sends it exactly once.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from html import escape

from process_report.report import RenderedReport
from process_report.report_attachments import Attachment

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
    request over `limit` are left out, largest first, with a note in both bodies; a
    message over `limit` even without them (`graph_request_size`) is the caller's to
    replace (the report's minimal body)."""
    kept = sorted(attachments, key=lambda a: len(a.data))
    omitted: list[Attachment] = []
    while True:
        message = _compose(report, recipients, kept, omitted, sender)
        if graph_request_size(message) <= limit or not kept:
            return message
        omitted.append(kept.pop())


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


def graph_request_size(message: EmailMessage) -> int:
    """The size of the Graph request that carries `message` (base64 MIME, headers)."""
    return len(base64.b64encode(message.as_bytes())) + _HEADROOM
