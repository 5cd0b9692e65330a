"""One send attempt in a process of its own, for tests that kill an attempt in the
middle of a request or race two of them. It imports only what sending needs, so a
spawned child starts in about a second."""

from __future__ import annotations

import json
import logging
import multiprocessing
from email import message_from_bytes
from email.policy import SMTP

from upath import UPath

from process_report.graph.client import RetryPolicy
from process_report.graph.connect import graph_client
from process_report.send_record import SendRecord
from process_report.sending import SendPolicy, send_once


def run(
    connection: str, record_path: str, mime: bytes, policy: SendPolicy, log: str | None
) -> None:
    if log:
        logging.basicConfig(filename=log, level=logging.INFO)
    client, config = graph_client(json.loads(connection), policy=RetryPolicy(max_wait_s=30))
    message = message_from_bytes(mime, policy=SMTP)
    send_once(client, config.mail_root, message, SendRecord(UPath(record_path)), (), policy)


def start(
    connection: str, record_path: str, mime: bytes, policy: SendPolicy, log: str | None = None
):
    """The attempt, started in a spawned (fresh) interpreter; its INFO log to `log`."""
    child = multiprocessing.get_context("spawn").Process(
        target=run, args=(connection, record_path, mime, policy, log and str(log))
    )
    child.start()
    return child
