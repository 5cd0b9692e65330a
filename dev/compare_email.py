"""`python -m dev.compare_email A B`: are two saved report emails the same day's email?

`make bench-dag` keeps what each size's run sent under out/bench/dag/<size>/email/ (the
MIME bytes Graph received, `sent-N.eml`, and the run's archived report.* files). A
rewrite of the tasks that build the email must send the same email for the same day;
only what depends on the moment of the run may differ:

- the `Date` and `Message-ID` headers (Message-ID is made afresh for every send) and
  the MIME boundaries (compared as decoded parts, never as raw bytes);
- the report's "generated <time>" line (HTML and text);
- the run id where the report names it (links to the run, its archive and extracts):
  `manual__<time of the trigger>`, as `airflow dags test` names its run, plain or
  URL-encoded;
- the port of a loopback base URL (http://127.0.0.1:<port>): the benchmark's API
  server listens on a free port, a new one each run;
- the dates of zip members (attachments are unzipped and their members compared).

A and B are two such folders or two .eml files. Prints "same" with what was compared,
or the first difference (where, and the two sides), and exits 0 or 1.
"""

from __future__ import annotations

import argparse
import email
import io
import re
import sys
import zipfile
from collections.abc import Iterator
from email.message import Message
from email.policy import default
from pathlib import Path

# Headers that are the moment of the send, not the email's content.
MOMENT_HEADERS = {"date", "message-id"}
# "· generated 2026-11-27 08:01 CET" (HTML) and "Generated 2026-11-27 08:01 CET" (text):
# the templates' generated_at, to the minute with the zone's abbreviation.
GENERATED = re.compile(r"([Gg]enerated )\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?: [A-Za-z0-9+-]+)?")
# "manual__2026-12-06T23:15:05.186483+00:00", or URL-encoded (%3A, %2B)
RUN_ID = re.compile(r"\b(manual|scheduled)__\d{4}-\d{2}-\d{2}T[0-9A-F%:.+-]+")
LOOPBACK_PORT = re.compile(r"(https?://(?:127\.0\.0\.1|localhost)):\d+")


class DifferentError(Exception):
    """The first difference: where it is and the two sides."""

    def __init__(self, where: str, a: object, b: object):
        super().__init__(f"{where}\n  A: {a!r}\n  B: {b!r}")


def without_moment(text: str) -> str:
    """The text with its generated-at times, run ids and loopback ports replaced by
    placeholders."""
    text = GENERATED.sub(r"\1<time>", text)
    text = RUN_ID.sub(r"\1__<time>", text)
    return LOOPBACK_PORT.sub(r"\1:<port>", text)


def compare_text(where: str, a: str, b: str) -> None:
    """Line by line, generated-at times aside; the first differing line is reported."""
    lines_a, lines_b = without_moment(a).splitlines(), without_moment(b).splitlines()
    for number, (line_a, line_b) in enumerate(zip(lines_a, lines_b, strict=False), 1):
        if line_a != line_b:
            column = next(
                (i for i, (x, y) in enumerate(zip(line_a, line_b, strict=False)) if x != y),
                min(len(line_a), len(line_b)),
            )
            start = max(0, column - 60)
            raise DifferentError(
                f"{where}, line {number}, column {column + 1}",
                line_a[start : column + 60],
                line_b[start : column + 60],
            )
    if len(lines_a) != len(lines_b):
        raise DifferentError(f"{where}: number of lines", len(lines_a), len(lines_b))


def compare_zip(where: str, a: bytes, b: bytes) -> int:
    """Member names, order and contents (as text when they decode); dates aside.
    Returns how many members were compared."""
    with zipfile.ZipFile(io.BytesIO(a)) as zip_a, zipfile.ZipFile(io.BytesIO(b)) as zip_b:
        names_a, names_b = zip_a.namelist(), zip_b.namelist()
        if names_a != names_b:
            raise DifferentError(f"{where}: zip members", names_a, names_b)
        for name in names_a:
            compare_bytes(f"{where} -> {name}", zip_a.read(name), zip_b.read(name))
        return len(names_a)


def compare_bytes(where: str, a: bytes, b: bytes) -> int:
    """A file's content by its kind: zip, text (UTF-8) or bytes. Returns the zip members
    compared (0 for a plain file)."""
    if a[:4] == b[:4] == b"PK\x03\x04":
        return compare_zip(where, a, b)
    try:
        text_a, text_b = a.decode(), b.decode()
    except UnicodeDecodeError:
        if a != b:
            offset = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
            raise DifferentError(
                f"{where}: bytes differ at offset {offset}", len(a), len(b)
            ) from None
        return 0
    compare_text(where, text_a, text_b)
    return 0


def leaves(message: Message, path: str = "") -> Iterator[tuple[str, Message]]:
    """Every part of the MIME tree with a path like `1.2` (its place), depth first."""
    yield path or "message", message
    if message.is_multipart():
        for n, part in enumerate(message.get_payload(), 1):
            yield from leaves(part, f"{path}.{n}" if path else str(n))


def headers(part: Message) -> list[tuple[str, str]]:
    """The part's headers that are content: no Date or Message-ID, and a multipart's
    Content-Type without its boundary."""
    kept = []
    for name, value in part.items():
        if name.lower() in MOMENT_HEADERS:
            continue
        if name.lower() == "content-type" and part.is_multipart():
            value = re.sub(r';\s*boundary="?[^";]+"?', "", str(value))
        kept.append((name, str(value)))
    return kept


def compare_eml(where: str, a: bytes, b: bytes) -> tuple[int, int]:
    """Two MIME messages part by part: headers (moment aside), then each leaf's decoded
    content. Returns (parts, zip members) compared."""
    message_a = email.message_from_bytes(a, policy=default)
    message_b = email.message_from_bytes(b, policy=default)
    parts_a, parts_b = list(leaves(message_a)), list(leaves(message_b))
    shape_a = [(p, m.get_content_type()) for p, m in parts_a]
    shape_b = [(p, m.get_content_type()) for p, m in parts_b]
    if shape_a != shape_b:
        raise DifferentError(f"{where}: MIME structure", shape_a, shape_b)
    members = 0
    for (path, part_a), (_, part_b) in zip(parts_a, parts_b, strict=True):
        here = f"{where} part {path} ({part_a.get_content_type()})"
        headers_a, headers_b = [*headers(part_a), None], [*headers(part_b), None]
        if headers_a != headers_b:
            first = next((x, y) for x, y in zip(headers_a, headers_b, strict=False) if x != y)
            raise DifferentError(f"{here}: header", *first)
        if not part_a.is_multipart():
            payload_a = part_a.get_payload(decode=True) or b""
            payload_b = part_b.get_payload(decode=True) or b""
            members += compare_bytes(here, payload_a, payload_b)
    return len(parts_a), members


def compare_folders(a: Path, b: Path) -> str:
    """Two saved emails (folders): the same files, each compared by its kind."""
    names_a = sorted(p.name for p in a.iterdir() if p.is_file())
    names_b = sorted(p.name for p in b.iterdir() if p.is_file())
    if names_a != names_b:
        raise DifferentError("files", names_a, names_b)
    if not names_a:
        raise DifferentError("files: both folders are empty", str(a), str(b))
    summary = []
    for name in names_a:
        data_a, data_b = (a / name).read_bytes(), (b / name).read_bytes()
        if name.endswith(".eml"):
            parts, members = compare_eml(name, data_a, data_b)
            summary.append(f"{name}: {parts} MIME parts, {members} zip members")
        else:
            members = compare_bytes(name, data_a, data_b)
            summary.append(
                f"{name}: {len(data_a):,} bytes" + (f", {members} zip members" if members else "")
            )
    return "; ".join(summary)


def compare(a: Path, b: Path) -> str:
    """What was compared, or raises DifferentError at the first difference."""
    if a.is_dir() and b.is_dir():
        return compare_folders(a, b)
    if a.is_file() and b.is_file():
        parts, members = compare_eml(a.name, a.read_bytes(), b.read_bytes())
        return f"{parts} MIME parts, {members} zip members"
    raise SystemExit(f"compare two folders or two .eml files: {a}, {b}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    try:
        compared = compare(args.a, args.b)
    except DifferentError as difference:
        print(f"different: {difference}")
        return 1
    print(f"same except timestamps ({compared})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
