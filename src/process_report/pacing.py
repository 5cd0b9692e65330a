"""Pacing the messages a run sends from one mailbox within Exchange Online's limits:
30 messages a minute per mailbox (platform notes). Throttling (429 with Retry-After) is
still waited out by the Graph client; pacing is what keeps 200 owner digests from being
throttled in the first place, and from slowing the next run's report.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MESSAGES_PER_MINUTE = 30


class Pacer:
    """At most `limit` messages in any `window_s` seconds: `wait()` before each send
    sleeps until the oldest of the last `limit` sends is `window_s` old; `sent()` after
    it counts the send at its end, the latest moment the mailbox can have counted it."""

    def __init__(
        self,
        limit: int = MESSAGES_PER_MINUTE,
        window_s: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit, self.window_s = limit, window_s
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque(maxlen=limit)
        self.waited_s = 0.0

    def wait(self) -> None:
        """Block until one more message fits the window."""
        if len(self._sent) == self.limit:
            pause = self._sent[0] + self.window_s - self._clock()
            if pause > 0:
                self._sleep(pause)
                self.waited_s += pause

    def sent(self) -> None:
        """Count a message as sent now."""
        self._sent.append(self._clock())
