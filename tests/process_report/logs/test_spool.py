"""The spool on a real full disk: the write that finds it full keeps nothing, fails
with SpoolFullError, and leaves every earlier segment readable."""

from __future__ import annotations

import os

import pytest

from process_report.logs.records import Records
from process_report.logs.spool import Spool, SpoolFullError
from tests.support.small_disk import small_disk


def test_a_full_disk_fails_only_the_write_that_filled_it(tmp_path):
    first, second = os.urandom(200 << 10), os.urandom(400 << 10)
    with small_disk(tmp_path / "disk", 512) as disk, Spool(disk / "spool") as spool:
        spool.add(0, Records.whole(0, 0, first))
        with pytest.raises(SpoolFullError):
            spool.add(1, Records.whole(1, 0, second))
        spool.close()
        assert [number for number, _ in spool.groups()] == [0]
        kept = b"".join(piece for _, piece, _ in spool.stream(spool.groups()[0][1]))
        assert kept == first
        assert (disk / "spool" / "spool-0.bin").stat().st_size == len(first)


def test_segments_come_back_per_process_in_file_order(tmp_path):
    with Spool(tmp_path) as spool:
        spool.add(1, Records.whole(0, 0, b"second file\n"))
        spool.add(0, Records.whole(0, 5, b"first file, later\n"))
        spool.add(0, Records.whole(0, 0, b"first file\n"))
        spool.add(0, Records.whole(1, 0, b"other process\n"))
        spool.close()
        texts = {
            number: b"".join(piece for _, piece, _ in spool.stream(rows))
            for number, rows in spool.groups()
        }
    assert texts == {0: b"first file\nfirst file, later\nsecond file\n", 1: b"other process\n"}
