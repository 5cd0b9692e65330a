from __future__ import annotations

import threading
import time

import pytest

from process_report.logs.workers import map_on_threads


def test_results_come_in_item_order_whatever_order_the_threads_finish_in():
    def slow_first(n: int) -> int:
        time.sleep(0.05 if n == 0 else 0)
        return n * n

    assert map_on_threads(slow_first, range(50), workers=2) == [n * n for n in range(50)]


def test_few_items_are_handed_over_ahead_and_a_long_item_does_not_hold_up_the_rest():
    lock, taken, done, most_ahead = threading.Lock(), [0], [0], [0]
    long_item_running = threading.Event()

    def items():
        for n in range(200):
            with lock:
                taken[0] += 1
                most_ahead[0] = max(most_ahead[0], taken[0] - done[0])
            yield n

    def work(n: int) -> int:
        if n == 0:
            long_item_running.set()
            time.sleep(0.5)
        with lock:
            done[0] += 1
            finished_while_long = long_item_running.is_set() and n != 0
        return finished_while_long

    results = map_on_threads(work, items(), workers=2)
    assert most_ahead[0] <= 4 * 2 + 1
    assert sum(results) >= 190  # the other thread went through (nearly) all the rest meanwhile


def test_the_first_error_is_raised():
    def fail_on_seven(n: int) -> int:
        if n == 7:
            raise ValueError("seven")
        return n

    with pytest.raises(ValueError, match="seven"):
        map_on_threads(fail_on_seven, range(100), workers=2)
