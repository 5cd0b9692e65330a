"""A total deadline per HTTP request: connect, headers and the whole body.

`requests`' timeout is per socket operation: a server (or a proxy) that drips its
answer one byte a second never times out, and one such answer holds a task until its
execution timeout, on every try. So each request of the Graph client and of MSAL's
HTTP client runs under a deadline: when it passes, the request's socket is shut down,
the blocked read fails at once, and the caller sees `DeadlineExceeded` (a
`requests.Timeout`, so it is handled like any lost answer: waited out when the request
may be sent again, an ambiguous send otherwise).

Cheap: one watchdog thread per process holds the deadlines in a heap; a request costs a
heap push and, if it finishes in time, nothing more. The sockets are found by the
session's own connection classes (`DeadlineAdapter`), which note the connection a
request uses on the deadline the requesting thread registered.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class DeadlineExceeded(requests.Timeout):
    """The request's answer was not complete within its total deadline."""


class _Cut:
    """One request's deadline: the connection it uses, and whether it was cut."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connection: HTTPConnection | None = None
        self.finished = self.fired = False

    def cut(self) -> None:
        with self.lock:
            if self.finished:
                return
            self.fired = True
            sock = self.connection.sock if self.connection is not None else None
        if sock is not None:
            # The plain socket's shutdown, also under TLS: SSLSocket's own would unwrap
            # the TLS object under the reading thread's feet. The blocked read then ends.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that cuts the requests whose deadline has passed."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Cut]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, cut: _Cut, at: float) -> None:
        with self._condition:
            heapq.heappush(self._heap, (at, next(self._order), cut))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadline", daemon=True)
                self._thread.start()
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._condition.wait(wait)
                _, _, cut = heapq.heappop(self._heap)
            cut.cut()


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG._reset)  # a forked child has no watchdog thread
_CURRENT = threading.local()  # the deadline of the request this thread is sending


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Run one request (and the reading of its body) within `seconds`; a request cut
    at the deadline raises DeadlineExceeded naming `what` (no URL: paths name client
    folders). Sessions must use `DeadlineAdapter` for the cut to reach their sockets."""
    cut = _Cut()
    _CURRENT.cut = cut
    _WATCHDOG.watch(cut, time.monotonic() + seconds)
    try:
        yield
    except (requests.RequestException, OSError) as exc:
        if cut.fired:
            raise DeadlineExceeded(
                f"{what}: no complete answer within the {seconds:.0f} s deadline"
            ) from exc
        raise
    finally:
        with cut.lock:
            cut.finished = True
        _CURRENT.cut = None
    if cut.fired:  # cut just as the body ended: what was read may be incomplete
        raise DeadlineExceeded(f"{what}: no complete answer within the {seconds:.0f} s deadline")


def _noted(connection: HTTPConnection) -> None:
    cut = getattr(_CURRENT, "cut", None)
    if cut is not None:
        with cut.lock:
            cut.connection = connection


class _Noting:
    """Connection mix-in: note the connection on the thread's current deadline."""

    def connect(self: Any) -> None:
        _noted(self)
        super().connect()  # type: ignore[misc]

    def request(self: Any, *args: Any, **kwargs: Any) -> None:
        _noted(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Noting, HTTPConnection):
    pass


class _HTTPSConnection(_Noting, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An adapter whose connections can be cut by `deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def mount_deadlines(session: requests.Session) -> None:
    """Make `session`'s connections cuttable by `deadline`."""
    adapter = DeadlineAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
