"""What the viewer shows of one run, read from the run's folder (`RunFiles`, which never
follows a link): whether and how the report went out, the failures behind the log
extracts with their client, time and key error, and a title that tells runs apart.

Pure: plain values in (the folder's files, what `resolve_window` and `fetch_processes`
left in XCom), plain values out; the viewer renders them.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from process_report.processes import CATEGORIES, FAILED, RECORDS_FILE, SUMMARY_FILE
from process_report.report_rows import local_time
from process_report.run_files import RunFiles

EXTRACTS, ATTACHMENTS, OUTBOX = "failure_logs", "attachments", "outbox"
OUTBOX_MESSAGE = "message.eml"
SENT, DRY_RUN, NOT_SENT = "sent", "dry run", "not sent"
KEY_ERROR_CHARS = 300
LOG_SHOWN_BYTES = 1024 * 1024  # a log page shows the last MiB; the download has it all
CHUNK_BYTES = 1024 * 1024
_RECORD = re.compile(r"send-record-(\d+)\.json")
_EXTRACT = re.compile(r"(?P<uuid>[^.]+)\.log(?:\.gz)?")


@dataclass(frozen=True)
class SendStatus:
    """The report's sent state as the send records and the outbox tell it."""

    state: str  # SENT, DRY_RUN or NOT_SENT
    headline: str
    details: tuple[tuple[str, str], ...] = ()  # (label, value) rows
    at: str | None = None  # when, local, for the title
    outbox_message: str | None = None  # the dry run's message, to download
    earlier: tuple[str, ...] = field(default=())  # one line per earlier clear's send


@dataclass(frozen=True)
class Failure:
    """One failure log extract and the failed process it belongs to."""

    name: str
    uuid: str
    kib: int
    client: str | None
    stopped: str | None
    key_error: str | None


def send_status(
    files: RunFiles, *, dry_run: bool, recipients: Sequence[str], tz: ZoneInfo
) -> SendStatus:
    """Sent (to whom, when, message and draft ids) / dry run (the outbox message) / not
    sent (why), from the latest clear's send record or the dry run's outbox."""
    to = ", ".join(recipients) or "(no recipients)"
    if dry_run:
        outbox = files.sizes(OUTBOX)
        if OUTBOX_MESSAGE not in outbox:
            return SendStatus(
                NOT_SENT,
                "Dry run, and no message was written yet: compose_and_send_report has not "
                "finished, or failed (see its log).",
            )
        written = _local(files.modified(f"{OUTBOX}/{OUTBOX_MESSAGE}"), tz)
        return SendStatus(
            DRY_RUN,
            "Dry run: nothing was emailed. The message that would have gone out is in the outbox.",
            (
                ("Would have gone to", to),
                ("Written", written or "—"),
                ("Message", f"{OUTBOX_MESSAGE} ({_kib(outbox)} KiB)"),
            ),
            at=written,
            outbox_message=OUTBOX_MESSAGE,
        )
    records = _send_records(files)
    if not records:
        return SendStatus(
            NOT_SENT,
            "Not sent: no send was started. compose_and_send_report has not run yet, or "
            "failed before sending (see its log).",
        )
    earlier = tuple(_record_line(name, data, tz) for name, data in records[:-1])
    name, data = records[-1]
    if data is None:
        return SendStatus(
            NOT_SENT,
            f"Unknown: the send record {name} cannot be read; see compose_and_send_report's log.",
            earlier=earlier,
        )
    at = _when(data, tz)
    state = data.get("state")
    ids = (("Message id", str(data.get("message_id") or "—")),) + (
        (("Draft id", str(data["draft_id"])),) if data.get("draft_id") else ()
    )
    if state == "sent":
        how = f" (by sending the draft of {data['completes']})" if data.get("completes") else ""
        return SendStatus(
            SENT,
            f"Sent to {len(recipients)} recipient(s){how}.",
            (("To", to), ("When", at or "—"), *ids),
            at=at,
            earlier=earlier,
        )
    if state == "not_sent":
        why = (
            f"superseded by the later send {data['superseded_by']}"
            if data.get("superseded_by")
            else "Graph shows the message was never sent"
        )
        return SendStatus(NOT_SENT, f"Not sent: {why}.", ids, at=at, earlier=earlier)
    if isinstance(data.get("refused"), int) and not isinstance(data["refused"], bool):
        return SendStatus(
            NOT_SENT,
            f"Not sent: Graph refused the message (HTTP {data['refused']}); see "
            f"compose_and_send_report's log for its answer.",
            (("Refused", at or "—"), *ids),
            at=at,
            earlier=earlier,
        )
    return SendStatus(
        NOT_SENT,
        f"Not sent (yet): sending stopped at '{state}'; a retry of compose_and_send_report "
        f"picks it up where it stopped (see its log).",
        (("Last step", at or "—"), *ids),
        at=at,
        earlier=earlier,
    )


def page_title(report_day: str, counts: Mapping[str, int] | None, status: SendStatus) -> str:
    """'Process report 2026-11-26 · 38 finished · 3 failed · 2 running · sent 08:04 CET':
    the day, the counts and the sent state, so runs of one day can be told apart."""
    parts = [f"Process report {report_day}"]
    if counts:
        parts += [f"{counts[c]} {c}" for c in CATEGORIES if counts.get(c) or c == FAILED]
    parts.append(f"{status.state} {status.at[11:]}" if status.at else status.state)
    return " · ".join(parts)


def failures(files: RunFiles, tz: ZoneInfo) -> list[Failure]:
    """Every stored extract with its process's client and stop time (processes.json) and
    key error (summaries/*.json), in the order the processes stopped. What cannot be
    read leaves its field empty: the extract itself is still listed."""
    processes = _failed_processes(files)
    key_errors = _key_errors(files)
    listed = []
    for name, size in files.sizes(EXTRACTS).items():
        match = _EXTRACT.fullmatch(name)
        uuid = match["uuid"].lower() if match else name
        client, stopped = processes.get(uuid, (None, None))
        listed.append(
            Failure(
                name=name,
                uuid=uuid,
                kib=max(1, round(size / 1024)),
                client=client,
                stopped=local_time(datetime.fromisoformat(stopped), tz) if stopped else None,
                key_error=_clip(key_errors.get(uuid)),
            )
        )
    return sorted(listed, key=lambda f: (f.stopped or "~", f.client or "~", f.name))


def log_tail(files: RunFiles, name: str) -> tuple[str, bool]:
    """The extract's text (gunzipped) for its page, at most its last LOG_SHOWN_BYTES;
    True when the start was left out. Read in chunks: never more than that held."""
    kept: deque[bytes] = deque()
    held = 0
    cut = False
    with files.open(f"{EXTRACTS}/{name}") as raw:
        for chunk in _chunks(raw, gunzip=name.endswith(".gz")):
            kept.append(chunk)
            held += len(chunk)
            while held - len(kept[0]) >= LOG_SHOWN_BYTES:
                held -= len(kept.popleft())
                cut = True
    data = b"".join(kept)
    if len(data) > LOG_SHOWN_BYTES:
        data, cut = data[-LOG_SHOWN_BYTES:], True
        data = data[data.find(b"\n") + 1 :]  # from a whole line
    return data.decode("utf-8", "replace"), cut


def chunks(files: RunFiles, name: str, gunzip: bool = False) -> Iterator[bytes]:
    """A file's bytes in bounded chunks, for a download."""
    with files.open(name) as raw:
        yield from _chunks(raw, gunzip)


def _chunks(raw: IO[bytes], gunzip: bool) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=raw, mode="rb") if gunzip else raw as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def _send_records(files: RunFiles) -> list[tuple[str, dict[str, Any] | None]]:
    """The clears' send records in clear order; None for one that is not a record."""
    names = sorted((int(m[1]), n) for n in files.sizes(OUTBOX) if (m := _RECORD.fullmatch(n)))
    records = []
    for _, name in names:
        try:
            data = files.read_json(f"{OUTBOX}/{name}")
        except (OSError, ValueError):
            data = None
        records.append((name, data if isinstance(data, dict) else None))
    return records


def _record_line(name: str, data: dict[str, Any] | None, tz: ZoneInfo) -> str:
    if data is None:
        return f"{name}: cannot be read"
    return f"{name}: {str(data.get('state', '?')).replace('_', ' ')}, {_when(data, tz) or '—'}"


def _when(data: Mapping[str, Any], tz: ZoneInfo) -> str | None:
    return _local(data.get("updated_at"), tz)


def _local(stamp: Any, tz: ZoneInfo) -> str | None:
    """Seconds since the epoch in the report's timezone; None for no usable time."""
    if not isinstance(stamp, int | float) or stamp <= 0:
        return None
    return local_time(datetime.fromtimestamp(stamp, UTC), tz)


def _failed_processes(files: RunFiles) -> dict[str, tuple[str | None, str | None]]:
    """uuid → (client, stop time) of the failed processes: from processes.jsonl, a line
    at a time, or, for a run archived before the records were streamed, from inside
    processes.json. Every other process record is dropped as it is parsed, so a big day
    is never held whole (and its API keys never reach the viewer's output). A line that
    does not parse (the file cut short by a full disk) costs its own record only."""
    try:
        handle = files.open(RECORDS_FILE)
    except OSError:  # not there: a run archived before the records were streamed
        found = _failed_in_summary(files)
    else:
        found = []
        try:
            with handle:
                for line in handle:
                    found.append(_parsed(line))
        except OSError:
            pass  # what was read so far is kept
    return {p[0]: (p[1], p[2]) for p in found if isinstance(p, tuple)}


def _parsed(line: bytes) -> Any:
    try:
        return json.loads(line, object_hook=_keep_failed)
    except ValueError:
        return None


def _failed_in_summary(files: RunFiles) -> list[Any]:
    try:
        with files.open(SUMMARY_FILE) as handle:
            data = json.load(handle, object_hook=_keep_failed)
    except (OSError, ValueError):
        return []
    found = data.get("processes") if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


def _keep_failed(obj: dict[str, Any]) -> Any:
    """A failed process record as (uuid, client, stop time); any other record as None."""
    if "category" in obj and "uuid" in obj and "client" in obj:
        if obj["category"] != FAILED or not isinstance(obj["uuid"], str):
            return None
        return (obj["uuid"].lower(), obj.get("client"), obj.get("stop_time"))
    return obj


def _key_errors(files: RunFiles) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in files.sizes("summaries"):
        try:
            summaries = files.read_json(f"summaries/{name}")
        except (OSError, ValueError):
            continue
        for summary in summaries if isinstance(summaries, list) else ():
            if (
                isinstance(summary, dict)
                and isinstance(summary.get("uuid"), str)
                and isinstance(summary.get("key_error"), str)
            ):
                found[summary["uuid"].lower()] = summary["key_error"]
    return found


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= KEY_ERROR_CHARS:
        return text
    return text[: KEY_ERROR_CHARS - 1] + "…"


def _kib(sizes: Mapping[str, int]) -> int:
    return max(1, round(sizes[OUTBOX_MESSAGE] / 1024))
