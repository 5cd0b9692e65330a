"""The email's attachments: the CSV of every process, the extracts' zip up to its cap,
and any attachment zipped as it is written once it passes ZIP_ABOVE_BYTES."""

from __future__ import annotations

import csv
import io
import zipfile

from process_report import report_attachments as attachments


def _process(n: int, **extra) -> dict:
    return {"category": "failed", "client": f"c{n}", "uuid": f"u{n}", "notes": [], **extra}


def test_the_csv_lists_every_process_in_chunks_and_no_cell_runs_as_a_formula():
    rows = [_process(n) for n in range(1, attachments.CSV_ROWS_PER_CHUNK + 2)]
    rows[0]["client"] = '=HYPERLINK("http://x")'
    rows[1]["notes"] = ["@SUM(A1)", "-1"]
    chunks = list(attachments.processes_csv(rows))
    assert len(chunks) == 2  # a chunk per CSV_ROWS_PER_CHUNK rows, then the rest
    table = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert table[0] == list(attachments.CSV_COLUMNS)
    assert [row[2] for row in table[1:]] == [p["uuid"] for p in rows]
    assert table[1][1] == '\'=HYPERLINK("http://x")'
    assert table[2][-1] == "'@SUM(A1); -1"


def test_an_attachment_stays_as_it_is_up_to_the_limit_and_is_zipped_whole_past_it():
    small = attachments.deliverable_chunks("a.csv", [b"x" * 10, b"y" * 10], "text/csv")
    assert (small.name, small.data, small.mime) == ("a.csv", b"x" * 10 + b"y" * 10, "text/csv")
    size = attachments.ZIP_ABOVE_BYTES
    chunks = [b"a" * (size // 2), b"b" * (size // 2), b"c" * 10, b"d" * size]
    big = attachments.deliverable_chunks("a.csv", iter(chunks), "text/csv")
    assert (big.name, big.mime) == ("a.csv.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(big.data)) as archive:
        assert archive.namelist() == ["a.csv"]
        assert archive.read("a.csv") == b"".join(chunks)


def test_chunks_are_held_only_until_their_size_passes_the_limit():
    seen: list[int] = []

    def chunks():
        for n in range(10):
            seen.append(n)
            yield b"x" * 4

    held, every = attachments.held_up_to(chunks(), 10, len)
    assert (len(held), seen) == (3, [0, 1, 2])  # 12 bytes > 10: the rest not read yet
    assert every is not None
    assert len(b"".join(every)) == 40
    assert attachments.held_up_to([b"x"], 10, len) == ([b"x"], None)


def test_extracts_are_counted_all_and_attached_in_order_while_they_fit():
    failed = [
        {"uuid": f"u{n}", "failure": {"uuid": f"u{n}", "extract": f"e{n}", "log_file": f"u{n}.log"}}
        for n in range(5)
    ]
    failed.append({"uuid": "none", "failure": None})  # no summary: not counted
    counted = attachments.attach_extracts(failed, None)
    assert (counted.attachment, counted.attached, counted.total) == (None, frozenset(), 5)
    texts = {f"e{n}": f"line of u{n}\n" for n in range(5)}
    bundled = attachments.attach_extracts(failed, texts.__getitem__)
    assert bundled.total == 5
    assert bundled.attached == {f"u{n}" for n in range(5)}
    with zipfile.ZipFile(io.BytesIO(bundled.attachment.data)) as archive:
        assert archive.namelist() == [f"u{n}.log" for n in range(5)]
