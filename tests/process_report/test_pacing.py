"""The pacer keeps a mailbox within its messages per minute, waiting only when needed."""

from __future__ import annotations

from process_report.pacing import Pacer


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_no_wait_until_the_limit_then_each_send_waits_for_the_oldest_to_age_out():
    clock = FakeClock()
    pacer = Pacer(3, 60.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(7):
        pacer.wait()
        times.append(clock.now)
        clock.now += 1.0  # each send takes a second, and counts at its end
        pacer.sent()
    assert times == [0.0, 1.0, 2.0, 61.0, 62.0, 63.0, 122.0]
    assert pacer.waited_s == 58.0 + 58.0


def test_in_any_window_at_most_limit_sends():
    clock = FakeClock()
    pacer = Pacer(30, 60.0, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(200):
        pacer.wait()
        clock.now += 0.3
        pacer.sent()
        sent.append(clock.now)
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < start + 60.0) <= 30
