"""The report as an email message, and the dry-run outbox.

The message is MIME `multipart/alternative` (plain text first, HTML second), the form
Graph's MIME sendMail route accepts: its JSON route carries a single body, which would
leave text-only clients and previews without the plain-text version.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP

from process_report.report import RenderedReport


def build_message(report: RenderedReport, recipients: Sequence[str]) -> EmailMessage:
    """A complete message with both bodies. The sender is set by whoever sends it."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = report.subject
    message["To"] = ", ".join(recipients)
    message.set_content(report.text, subtype="plain", charset="utf-8")
    message.add_alternative(report.html, subtype="html", charset="utf-8")
    return message
