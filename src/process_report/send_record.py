"""The send record: the small JSON file in a run's outbox that makes sending exactly once.

Two attempts of the same send (a zombie and its retry, a task started twice) must agree
on one owner before any draft exists, and no reader may ever see half a record, so the
file is only ever created or replaced whole:

- `claim` creates it exclusively, content included. A local or mounted folder: the
  content goes to a temporary file, which is then hard-linked to the record's name;
  link(2) fails when the name exists and is atomic, NFS included (where O_EXCL once
  was not). Object storage: one conditional PUT (`If-None-Match: *`, GCS
  `ifGenerationMatch=0`), which fsspec exposes as mode "xb" in s3fs, gcsfs and adlfs;
  other stores are refused rather than trusted, as their "xb" may check and then write.
  s3fs sends the PUT with `If-None-Match: *` and turns S3's 412 into FileExistsError
  (tests/process_report/test_send_record.py races two processes on a real S3 server).
- `write` replaces it: a temporary file renamed over it locally; a single PUT, atomic
  per object, on object storage.
- `take_over` creates `{record}.takeover-{generation}` the same exclusive way, so of
  several attempts that find the same abandoned record, exactly one continues it.

Works on any universal-pathlib path; the tasks pass ObjectStoragePath.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from upath import UPath

LOCAL = {"", "file", "local"}
# memory: in-process only (tests), where "xb" cannot race with another process.
EXCLUSIVE_CREATE = {"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "memory"}
REQUIRED = ("state", "message_id", "generation", "updated_at")


class SendRecordError(RuntimeError):
    """The send cannot go on without a person; the message names the record and the fix."""


class BrokenSendRecordError(SendRecordError):
    """The record exists but cannot be read as a record."""


class SendRecord:
    def __init__(self, path: UPath) -> None:
        self.path = path
        self.local = path.protocol in LOCAL
        if not self.local and path.protocol not in EXCLUSIVE_CREATE:
            raise SendRecordError(
                f"The artifacts root {path.protocol}:// cannot create a file exclusively, "
                f"which sending exactly once needs: use a local or shared folder, S3, GCS "
                f"or Azure Blob Storage as artifacts_root"
            )

    def __str__(self) -> str:
        return str(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    def claim(self, data: dict[str, Any]) -> bool:
        """Create the record with `data`; False when it already exists."""
        return self._create(self.path, data)

    def take_over(self, generation: int) -> bool:
        """Win the right to continue an abandoned record as its `generation`-th owner."""
        marker = self.path.with_name(f"{self.name}.takeover-{generation}")
        return self._create(marker, {"generation": generation})

    def read(self) -> dict[str, Any] | None:
        """The record; None when there is none. A record that is not one is an error.

        On object storage it is always asked of the store: fsspec filesystems (s3fs)
        answer from folder listings they cached, which never expire, and the record
        is exactly what another worker writes after this process may have listed."""
        if not self.local:
            self.path.fs.invalidate_cache(self.path.path)
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BrokenSendRecordError(f"{self} is not JSON ({exc})") from None
        if isinstance(data, dict) and {"draft_id", "sent"} == set(data):
            return _from_first_version(data)
        missing = [k for k in REQUIRED if not isinstance(data, dict) or k not in data]
        if missing:
            raise BrokenSendRecordError(f"{self} lacks {', '.join(missing)}")
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the whole record at once."""
        payload = _encode(data)
        if not self.local:
            self.path.fs.pipe_file(self.path.path, payload)
            return
        temporary = _write_temporary(self.path.path, payload)
        os.replace(temporary, self.path.path)
        _sync_folder(self.path.path)

    def _create(self, path: UPath, data: dict[str, Any]) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = _encode(data)
        try:
            if self.local:
                _link_new(path.path, payload)
            else:
                with path.fs.open(path.path, "xb") as file:
                    file.write(payload)
        except FileExistsError:
            return False
        return True


def _from_first_version(data: dict[str, Any]) -> dict[str, Any]:
    """A record written before claims existed (`{"draft_id", "sent"}`, written after the
    draft was made): its owner is long gone, and "not sent" meant "/send may be in
    flight". It has no Message-ID of ours."""
    return {
        "state": "sent" if data["sent"] else "sending",
        "draft_id": data["draft_id"],
        "message_id": "",
        "generation": 0,
        "updated_at": 0.0,
    }


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, indent=1).encode()


def _link_new(target: str, payload: bytes) -> None:
    """Create `target` holding `payload`, or raise FileExistsError; never half-written."""
    temporary = _write_temporary(target, payload)
    try:
        os.link(temporary, target)
    finally:
        os.unlink(temporary)
    _sync_folder(target)


def _write_temporary(target: str, payload: bytes) -> str:
    """A new file beside `target`, readable by its owner only like every archive file
    (artifacts.py), holding `payload` on disk before it is linked or renamed."""
    temporary = f"{target}.{uuid.uuid4().hex}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(descriptor, "wb") as file:
        file.write(payload)
        file.flush()
        os.fsync(file.fileno())
    return temporary


def _sync_folder(target: str) -> None:
    """Make the new name durable: a crash must not bring back the previous record."""
    folder = os.open(os.path.dirname(target) or ".", os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
