"""The window's processes as the report reads them: in the query's order (the CSV),
by category in the order the email lists them, and counted, without holding them.

`ListedProcesses` wraps records already in memory (a test's day, an owner's digest).
`StoredProcesses` is a big day's: the records streamed from the run's folder into a
SQLite file in a temporary folder, with the failure summaries and the video lookups
beside them by UUID, so a list is read in order one record at a time. SQLite keeps a few
MB of pages in memory whatever the day holds and sorts on its disk; it is in Python's
standard library, and the file goes with the task.

Both give the same records in the same orders: a category's list is sorted by
`list_order` (the client without case, then start time and UUID), ties in the query's
order, which is what `sorted` gave when the lists were held in memory. SQLite compares
the keys as UTF-8 bytes, whose order is that of the code points Python compares.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from process_report.processes import CATEGORIES

INSERT_BATCH = 1000


def list_order(process: Mapping[str, Any]) -> tuple[str, str, str]:
    """The order of a category's list in the email: client (without case), start, UUID."""
    return (process["client"].lower(), process["start_time"] or "", process["uuid"] or "")


class ListedProcesses:
    """Process data held in memory (`{"processes", "counts", ...}` as tests and owner
    digests build it), read the way `StoredProcesses` is."""

    def __init__(self, process_data: Mapping[str, Any]) -> None:
        self._processes = list(process_data["processes"])
        self.counts: dict[str, int] = dict(process_data["counts"])
        self.skipped_test_processes: int = process_data.get("skipped_test_processes", 0)
        self.data_quality: list[Any] = list(process_data.get("data_quality", []))

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, in the query's order."""
        return iter(self._processes)

    def listed(self, category: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """A category's records in the email's order (the first `limit`)."""
        chosen = sorted((p for p in self._processes if p["category"] == category), key=list_order)
        return iter(chosen if limit is None else chosen[:limit])

    def count(self, category: str) -> int:
        return sum(1 for p in self._processes if p["category"] == category)

    def reconnect(self) -> None:
        """Nothing to do in a forked child process: the records are in memory."""


class StoredProcesses:
    """The records in a SQLite file (see the module's doc); made by `stored_processes`."""

    def __init__(self, db: sqlite3.Connection, summary: Mapping[str, Any], path: Path) -> None:
        self._db, self._path = db, path
        self.counts: dict[str, int] = dict(summary["counts"])
        self.skipped_test_processes: int = summary.get("skipped_test_processes", 0)
        self.data_quality: list[Any] = list(summary.get("data_quality", []))
        self._per_category = dict(
            db.execute("SELECT category, count(*) FROM records GROUP BY category").fetchall()
        )

    def records(self) -> Iterator[dict[str, Any]]:
        return self._decoded("SELECT data FROM records ORDER BY seq", ())

    def listed(self, category: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        return self._decoded(
            "SELECT data FROM records WHERE category = ? ORDER BY client, start, uuid, seq LIMIT ?",
            (category, -1 if limit is None else limit),
        )

    def count(self, category: str) -> int:
        return self._per_category.get(category, 0)

    def lookup(self, kind: str) -> StoredLookup:
        return StoredLookup(self, kind)

    def reconnect(self) -> None:
        """A connection of its own, read-only, for a forked child process that reads the
        store (report.py renders the complete report in one): an SQLite connection must
        not be used on both sides of a fork. The inherited one is left untouched, and the
        lookups made before read through the new one too."""
        self._db = sqlite3.connect(f"{self._path.as_uri()}?mode=ro", uri=True)

    def execute(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        return self._db.execute(sql, args)

    def _decoded(self, sql: str, args: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
        for (data,) in self.execute(sql, args):
            yield json.loads(data)


class StoredLookup(Mapping[str, Any]):
    """UUID -> a stored value (a failure summary, a video lookup), read when asked."""

    def __init__(self, store: StoredProcesses, kind: str) -> None:
        self._store, self._kind = store, kind

    def __getitem__(self, uuid: str) -> Any:
        row = self._store.execute(
            "SELECT data FROM lookups WHERE kind = ? AND uuid = ?", (self._kind, uuid)
        ).fetchone()
        if row is None:
            raise KeyError(uuid)
        return json.loads(row[0])

    def __iter__(self) -> Iterator[str]:
        rows = self._store.execute(
            "SELECT uuid FROM lookups WHERE kind = ? ORDER BY rowid", (self._kind,)
        )
        return (uuid for (uuid,) in rows)

    def __len__(self) -> int:
        (size,) = self._store.execute(
            "SELECT count(*) FROM lookups WHERE kind = ?", (self._kind,)
        ).fetchone()
        return int(size)


@contextmanager
def stored_processes(
    summary: Mapping[str, Any],
    records: Iterable[Mapping[str, Any]],
    lookups: Mapping[str, Iterable[tuple[str, Any]] | None] | None = None,
) -> Iterator[StoredProcesses]:
    """The window's `records` (with the `summary` of them: counts, notes) and the
    `lookups` (kind -> (UUID, value) pairs; a later pair of a UUID replaces an earlier,
    as in a dict) in a SQLite file that lives as long as the context."""
    with tempfile.TemporaryDirectory(prefix="process-store-") as folder:
        path = Path(folder) / "processes.sqlite"
        db = sqlite3.connect(path)
        try:
            _create(db)
            _insert_records(db, records)
            for kind, pairs in (lookups or {}).items():
                _insert_lookups(db, kind, pairs or ())
            db.execute("CREATE INDEX listed ON records (category, client, start, uuid, seq)")
            db.commit()
            yield StoredProcesses(db, summary, path)
        finally:
            db.close()


def _create(db: sqlite3.Connection) -> None:
    # A scratch file: nothing to recover after a crash, so no journal and no syncs.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(
        "CREATE TABLE records (seq INTEGER PRIMARY KEY, category TEXT NOT NULL,"
        " client BLOB, start BLOB, uuid BLOB, data TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE lookups (kind TEXT NOT NULL, uuid TEXT NOT NULL, data TEXT NOT NULL,"
        " PRIMARY KEY (kind, uuid))"
    )


def _insert_records(db: sqlite3.Connection, records: Iterable[Mapping[str, Any]]) -> None:
    rows = (
        (
            seq,
            p["category"],
            *(_key(part) for part in list_order(p)),
            json.dumps(p, sort_keys=True),
        )
        for seq, p in enumerate(records)
    )
    for batch in _batched(rows):
        if any(row[1] not in CATEGORIES for row in batch):
            raise ValueError("a process record without a known category")
        db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", batch)


def _insert_lookups(db: sqlite3.Connection, kind: str, pairs: Iterable[tuple[str, Any]]) -> None:
    rows = ((kind, uuid, json.dumps(value)) for uuid, value in pairs if isinstance(uuid, str))
    for batch in _batched(rows):
        db.executemany("INSERT OR REPLACE INTO lookups VALUES (?, ?, ?)", batch)


def _key(text: str) -> bytes:
    """A sort key as SQLite compares it (bytes): UTF-8, lone surrogates kept in order."""
    return text.encode("utf-8", "surrogatepass")


def _batched(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, INSERT_BATCH)):
        yield batch


ProcessSource = ListedProcesses | StoredProcesses
