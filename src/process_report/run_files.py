"""Reading one run's archive folder without ever following a symbolic link.

The viewer serves what the tasks wrote under `{artifacts_root}/{report_day}/{run}/`. A
link planted anywhere below the root (at `report.html`, at `attachments/`, at the run's
folder itself) could make it serve any file the API server may read, such as the auth
manager's password file. So on a local disk every component below the root is opened
relative to its parent's descriptor with `O_NOFOLLOW` (`openat`), which leaves no gap
between a check and the open for a link to be swapped in; the last one must be a
regular file (a FIFO is opened non-blocking and refused, never waited on). Object
storage has no links: its paths are read as they are, but always asked of the store
(the API server lives long, the tasks write the run's files meanwhile, and fsspec's
filesystems answer from folder listings they cached, which never expire), and only an
object is a file (a key prefix, a "folder", is refused like a local folder). Names are
plain components: never empty, `.`, `..`, or holding `/`, `\\` or NUL.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
from collections.abc import Iterator
from typing import IO, Any

from upath import UPath

LOCAL = ("", "file", "local")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class RefusedError(FileNotFoundError):
    """The name is not a regular file of the run's folder reached without a link."""


class RunFiles:
    """The files of one run's folder: `root` is trusted (an operator may make it a
    link), each of `below` (the report day, the run's folder name) and every name
    inside must not be one."""

    def __init__(self, root: UPath, below: tuple[str, ...]) -> None:
        self.root = root
        self.below = tuple(_component(part) for part in below)
        self.local = root.protocol in LOCAL

    def open(self, name: str) -> IO[bytes]:
        """A regular file by its relative name (`report.html`, `outbox/message.eml`)."""
        parts = _parts(name)
        if not self.local:
            path = self._path(parts)
            if not path.is_file():
                raise RefusedError(name)
            return path.open("rb")
        with self._folder(parts[:-1]) as folder:
            try:
                descriptor = os.open(parts[-1], _FILE_FLAGS, dir_fd=folder)
            except OSError:
                raise RefusedError(name) from None
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise RefusedError(name)
        os.set_blocking(descriptor, True)
        return open(descriptor, "rb")  # the caller closes it

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()

    def read_json(self, name: str) -> Any:
        with self.open(name) as handle:
            return json.load(io.TextIOWrapper(handle, encoding="utf-8"))

    def modified(self, name: str) -> float:
        """When the file was last written (seconds since the epoch)."""
        with self.open(name) as handle:
            if self.local:
                return os.fstat(handle.fileno()).st_mtime
        return self._path(_parts(name)).stat().st_mtime

    def exists(self, name: str) -> bool:
        try:
            self.open(name).close()
        except OSError:
            return False
        return True

    def sizes(self, subfolder: str) -> dict[str, int]:
        """The regular files directly in `subfolder`, name → bytes; links, folders and
        anything else are left out (an absent or refused subfolder has none)."""
        parts = _parts(subfolder)
        if not self.local:
            base = self._path(parts)
            if not base.is_dir():
                return {}
            return {p.name: p.stat().st_size for p in base.iterdir() if p.is_file()}
        try:
            with self._folder(parts) as folder, os.scandir(folder) as entries:
                return {
                    e.name: e.stat(follow_symlinks=False).st_size
                    for e in entries
                    if e.is_file(follow_symlinks=False)
                }
        except FileNotFoundError:
            return {}

    def _path(self, parts: tuple[str, ...]) -> UPath:
        """The path on object storage, with what its filesystem cached about it and its
        folders dropped, so it is read as the store holds it now."""
        path = self.root.joinpath(*self.below, *parts)
        path.fs.invalidate_cache(path.path)
        return path

    @contextlib.contextmanager
    def _folder(self, parts: tuple[str, ...]) -> Iterator[int]:
        """A descriptor of the folder `parts` below the run's folder, each component
        opened from its parent without following a link."""
        try:
            descriptor = os.open(self.root.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            raise RefusedError(str(self.root)) from None
        try:
            for part in (*self.below, *parts):
                try:
                    inner = os.open(part, _DIR_FLAGS, dir_fd=descriptor)
                except OSError:
                    raise RefusedError(part) from None
                os.close(descriptor)
                descriptor = inner
            yield descriptor
        finally:
            os.close(descriptor)


def _parts(name: str) -> tuple[str, ...]:
    return tuple(_component(part) for part in name.split("/"))


def _component(part: str) -> str:
    if part in ("", ".", "..") or any(c in part for c in "/\\\0"):
        raise RefusedError(part)
    return part
