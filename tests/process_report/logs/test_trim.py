from __future__ import annotations

import json
import subprocess
import sys

# Run in a fresh interpreter: in the test process, arenas earlier tests left behind
# are reused by the new thread and blur what it makes resident.
SCRIPT = """
import json, threading
import psutil
from process_report.logs.trim import give_back_freed_memory

def rss_mb():
    return psutil.Process().memory_info().rss / 2**20

kept = []

def work():
    blocks = [bytes(2000) + bytes([i % 256]) * 1000 for i in range(20_000)]  # 60 MB
    kept.append(bytes(3000))  # allocated last: the top of the thread's heap stays used
    del blocks

before = rss_mb()
thread = threading.Thread(target=work)
thread.start()
thread.join()
freed = rss_mb()
trimmed = give_back_freed_memory()
print(json.dumps({"before": before, "freed": freed, "after": rss_mb(), "trimmed": trimmed}))
"""


def test_what_a_finished_thread_freed_goes_back_to_the_os():
    """The case of the scan's threads: memory freed in a thread's arena below a block
    still in use stays resident until it is trimmed."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    rss = json.loads(result.stdout)
    assert rss["trimmed"]
    assert rss["freed"] - rss["before"] > 40  # freed, but still resident
    assert rss["after"] - rss["before"] < 10
