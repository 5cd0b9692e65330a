"""Work done beside the caller in a forked child process, its result read back after.

The report task renders the complete HTML report of a big day (2.7 s of the 5 s its
email took at 20,000 processes) while it writes the CSV and cuts the body: Python
renders on one core, and the machine has more. A fork starts in milliseconds and
shares what the task has read so far (copy-on-write), so the work needs no inputs
sent over. The child writes its pickled result to an unnamed temporary file and
leaves with `os._exit`, running none of the parent's exit handlers and flushing none
of its buffered output, so nothing it inherited is done twice.

A child that cannot start, that fails or that has not finished within its timeout
(stuck, say, on a lock another thread held at the fork) costs time, never the result:
`result()` then stops it and does the work in the caller's process, which gives the
same value (the work must be a pure function of what both processes hold), and says so
in the task log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
CHILD_TIMEOUT_S = 120.0  # the email's complete report of 100,000 processes: ~8 s
POLL_S = 0.02


class Pending(Generic[T]):
    """The result of work started beside the caller (or not started: then done when asked)."""

    def __init__(
        self, work: Callable[[], T], pid: int | None, output: BinaryIO | None, timeout_s: float
    ) -> None:
        self._work, self._pid, self._output, self._timeout_s = work, pid, output, timeout_s

    def result(self) -> T:
        """The work's value: the child's once it has exited, else the work done here (also
        when the child has not exited within the timeout: it is stopped first)."""
        if self._pid is None:
            return self._work()
        pid = self._pid
        code = self._exit_code(pid, time.monotonic() + self._timeout_s)
        if code is None:
            self.abandon()
            log.warning(
                "Child process %d did not finish in %g s: doing its work here",
                pid,
                self._timeout_s,
            )
            return self._work()
        self._pid = None
        if code == 0 and self._output is not None:
            self._output.seek(0)
            with contextlib.suppress(pickle.UnpicklingError, EOFError):
                return pickle.load(self._output)  # our own child's output
        log.warning("The work of child process %d was lost (exit %d): doing it here", pid, code)
        return self._work()

    @staticmethod
    def _exit_code(pid: int, deadline: float) -> int | None:
        """The child's exit code once it has exited, or None at the deadline (a child
        that cannot finish, say stuck on a lock another thread held at the fork, must
        not hold the task until its execution timeout)."""
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_S)

    def abandon(self) -> None:
        """Stop a child whose result will not be asked for, so none outlives the task."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


@contextlib.contextmanager
def forked(
    work: Callable[[], T],
    *,
    fork: bool = True,
    in_child: Callable[[], Any] = lambda: None,
    timeout_s: float = CHILD_TIMEOUT_S,
) -> Iterator[Pending[T]]:
    """`work` started in a forked child (when `fork` and the platform can), `in_child`
    called there first (for example to open its own database connection); the block's
    `pending.result()` is its value, waited for at most `timeout_s`. A child still
    running when the block is left without asking (an exception) is stopped."""
    if not fork or not hasattr(os, "fork"):
        yield Pending(work, None, None, timeout_s)
        return
    with tempfile.TemporaryFile() as output:
        try:
            pid = os.fork()
        except OSError as exc:
            log.warning("No child process for the work (%s): doing it here", exc)
            yield Pending(work, None, None, timeout_s)
            return
        if pid == 0:  # pragma: no cover (the child's coverage is not collected)
            _run_child(work, in_child, output)
        pending = Pending(work, pid, output, timeout_s)
        try:
            yield pending
        finally:
            pending.abandon()


def _run_child(work: Callable[[], Any], in_child: Callable[[], Any], output: BinaryIO) -> None:
    """The child's whole life: the work, its result written, then gone without cleanup
    of what belongs to the parent (exit handlers, buffers, the task runner's signals)."""
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        in_child()
        pickle.dump(work(), output, protocol=pickle.HIGHEST_PROTOCOL)
        output.flush()
        code = 0
    finally:
        os._exit(code)
