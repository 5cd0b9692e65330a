"""The report email's attachments: the CSV of every process, the failures' log extracts
zipped up to a size, and the rule that zips any attachment over ZIP_ABOVE_BYTES as it is
written. Each is made from a stream (records, extracts, rendered chunks) and never held
whole but as its compressed bytes."""

from __future__ import annotations

import csv
import io
import itertools
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from process_report.chunks import encoded

ZIP_ABOVE_BYTES = 512 * 1024
EXTRACTS_ZIP = "failure-logs.zip"
# Graph's 4 MB request counts attachments base64-encoded twice (≈ 1.8 x); 1 MB of
# extracts leaves room for the body, the CSV and the full report of a 20,000-process day.
EXTRACTS_ZIP_MAX_BYTES = 1024 * 1024
EXTRACT_TAIL_BYTES = 256 * 1024  # of each extract; the error is at its end
CSV_ROWS_PER_CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Attachment:
    """A file that goes with the email (and into the run's archive)."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class AttachedExtracts:
    """Which failures' extracts went into the zip (by UUID), out of how many."""

    attachment: Attachment | None = None
    attached: frozenset[str] = frozenset()
    total: int = 0


def attach_extracts(
    failed: Iterable[Mapping[str, Any]], read_extract: Callable[[str], str] | None
) -> AttachedExtracts:
    """The failures' extracts in one zip, in the order the email lists them, until the
    next would push it over EXTRACTS_ZIP_MAX_BYTES; each is cut to its last
    EXTRACT_TAIL_BYTES. Extracts are read one at a time and only while they fit; the
    failures are read as they come (a list of a big day's is never held)."""
    logs = (p["failure"] for p in failed if p["failure"] and p["failure"]["extract"])
    buffer, attached, size, total, full = io.BytesIO(), set(), 0, 0, read_extract is None
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for failure in logs:
            total += 1
            if full:  # counted: the email says how many of how many are attached
                continue
            data = _tail(read_extract(failure["extract"])).encode()
            entry = len(zlib.compress(data)) + 2 * len(failure["log_file"]) + 100  # + headers
            if size + entry > EXTRACTS_ZIP_MAX_BYTES:
                full = True
                continue
            archive.writestr(failure["log_file"], data)
            attached.add(failure["uuid"])
            size += entry
    if not attached:
        return AttachedExtracts(total=total)
    attachment = Attachment(EXTRACTS_ZIP, buffer.getvalue(), "application/zip")
    return AttachedExtracts(attachment, frozenset(attached), total)


def _tail(text: str) -> str:
    """The last EXTRACT_TAIL_BYTES of an extract, from a line start, saying what was cut."""
    data = text.encode()
    if len(data) <= EXTRACT_TAIL_BYTES:
        return text
    kept = data[-EXTRACT_TAIL_BYTES:]
    kept = kept[kept.find(b"\n") + 1 :].decode("utf-8", "replace")
    cut_kb = (len(data) - len(kept.encode())) // 1024
    return (
        f"[The first {cut_kb} KB of this extract are left out here; the whole extract "
        f"is in the run's archive and the report viewer.]\n{kept}"
    )


CSV_COLUMNS = (
    "category",
    "client",
    "uuid",
    "status",
    "start_time",
    "stop_time",
    "duration_min",
    "last_ping_min_ago",
    "hung",
    "source_alias",
    "source_uri",
    "videos",
    "video_error",
    "key_error",
    "extract",
    "notes",
)


def processes_csv(processes: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """Every process, one row each, as UTF-8 chunks of a few hundred rows. Cells that a
    spreadsheet would run as a formula are prefixed with a quote (CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for number, p in enumerate(processes, 1):
        failure = p.get("failure") or {}
        row = {
            **p,
            "source_uri": p.get("source_shown"),
            "videos": " ".join(v["url"] or v["name"] for v in p.get("videos", [])),
            "key_error": failure.get("key_error"),
            "extract": failure.get("extract_url") or failure.get("log_file"),
            "notes": "; ".join(p["notes"]),
        }
        writer.writerow([_csv_cell(row.get(c)) for c in CSV_COLUMNS])
        if number % CSV_ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def deliverable_chunks(name: str, chunks: Iterable[bytes], mime: str) -> Attachment:
    """The attachment `name` of `chunks`, as it is when at most ZIP_ABOVE_BYTES, else
    zipped as the chunks come: Graph's 4 MB request limit counts attachments
    base64-encoded twice (in the MIME and around it), and repetitive CSV and HTML
    compress tenfold. Only the first ZIP_ABOVE_BYTES are held to decide."""
    held, every = held_up_to(chunks, ZIP_ABOVE_BYTES, len)
    if every is None:
        return Attachment(name, b"".join(held), mime)
    return zipped(name, every)


def held_up_to(
    chunks: Iterable[T], limit: int, size: Callable[[T], int]
) -> tuple[list[T], Iterator[T] | None]:
    """The chunks, held while their size stays within `limit`: (all of them, None); or,
    once past it, (those held, every chunk: those and the rest, still to come)."""
    iterator = iter(chunks)
    held: list[T] = []
    total = 0
    for chunk in iterator:
        held.append(chunk)
        total += size(chunk)
        if total > limit:
            return held, itertools.chain(held, iterator)
    return held, None


def deliverable_text(name: str, text: str, mime: str) -> Attachment:
    """`deliverable_chunks` of `text`, encoded in chunks, so a big report's text is
    never held as bytes too."""
    return deliverable_chunks(name, encoded(text), mime)


def zipped(name: str, chunks: Iterable[bytes]) -> Attachment:
    """`name`.zip holding the chunks as the file `name`, deflated as they come (the
    member's date and mode as `ZipFile.writestr` sets them)."""
    entry = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o600 << 16
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(entry, "w") as member,
    ):
        for chunk in chunks:
            member.write(chunk)
    return Attachment(f"{name}.zip", buffer.getvalue(), "application/zip")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
