"""forked_work: work done in a forked child gives what the work gives here, and a
child that fails or is not asked for never costs the result or outlives its block."""

from __future__ import annotations

import logging
import os

import pytest

from process_report.forked_work import forked


def _child_pid_and_value() -> tuple[int, list[int]]:
    return os.getpid(), list(range(5))


def test_the_work_runs_in_a_child_process_and_its_value_comes_back():
    with forked(_child_pid_and_value) as pending:
        pid, value = pending.result()
    assert pid != os.getpid()
    assert value == [0, 1, 2, 3, 4]


def test_without_fork_the_work_runs_here_when_its_result_is_asked_for():
    with forked(_child_pid_and_value, fork=False) as pending:
        pid, value = pending.result()
    assert pid == os.getpid()
    assert value == [0, 1, 2, 3, 4]


def test_the_child_calls_in_child_first_and_its_effects_stay_in_the_child():
    seen: list[str] = []

    def work() -> list[str]:
        return list(seen)

    with forked(work, in_child=lambda: seen.append("reconnected")) as pending:
        assert pending.result() == ["reconnected"]
    assert seen == []  # the parent's list was never touched


def test_a_failing_child_costs_time_not_the_result_and_says_so(caplog):
    calls: list[int] = []

    def work() -> str:
        calls.append(os.getpid())
        return "done"

    def broken() -> None:
        raise RuntimeError("no connection in the child")

    with caplog.at_level(logging.WARNING), forked(work, in_child=broken) as pending:
        assert pending.result() == "done"
    assert calls == [os.getpid()]  # done here, after the child failed
    assert "was lost (exit 1): doing it here" in caplog.text


def test_a_child_whose_result_is_never_asked_for_does_not_outlive_the_block():
    def slow() -> None:
        import time

        time.sleep(60)

    child = None
    with pytest.raises(KeyError), forked(slow) as pending:  # noqa: PT012 (the block is tested)
        child = pending._pid
        raise KeyError("the caller failed")
    assert child is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # already reaped: stopped by the block


def test_a_child_that_does_not_finish_in_time_is_stopped_and_the_work_done_here(caplog):
    def stuck() -> None:
        import time

        time.sleep(60)

    def work() -> int:
        return os.getpid()

    with caplog.at_level(logging.WARNING), forked(work, in_child=stuck, timeout_s=0.5) as pending:
        child = pending._pid
        assert pending.result() == os.getpid()
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # stopped and reaped
    assert "did not finish in 0.5 s: doing its work here" in caplog.text
