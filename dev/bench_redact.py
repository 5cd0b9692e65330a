"""Redaction throughput on ~100 MB of log text like the failure extracts of a bad day.

Not part of the test suite (speed claims come from runs like this one, never from timed
asserts): `python -m dev.bench_redact [megabytes]` builds the text in memory and times

- `redact` on extract-sized pieces (43 KB, the mean of the benchmark day's 3,000
  extracts), as the extract writer calls it;
- `redact_stream` over 64 KB blocks of the same text, as a streaming writer calls it;

each on three texts: plain (an encoder's lines with no word a rule looks for), clean
(no secret, but words that look like secret names: "key frame", "tokens", "task"), and
the clean text with a secret of some shape on one line in 200. Best of three; writes
out/bench/redact.json.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid

from process_report.redact import Redactor
from tests.support import PROJECT_DIR

OUT = PROJECT_DIR / "out" / "bench"
MB = 1_000_000
EXTRACT_BYTES = 43_000
STREAM_BLOCK = 64 * 1024
RUNS = 3
KNOWN_KEYS = [f"client-key-{n:012d}" for n in range(300)]

# Ordinary lines of an encoder's log, with the words that look like secret names
# without being secrets ("key frame", "task", "disk", "passed", "token count").
ORDINARY = [
    "INFO  [worker-{w}] process {u} encoded segment {n} bitrate=4500k fps=30 queue={q}",
    "INFO  [worker-{w}] process {u} key frame {n} written to /scratch/job_{n}/out.ts",
    "DEBUG [worker-{w}] task encode_{n} passed checks; disk usage {q}% of /scratch",
    "INFO  [uploader] process {u} uploaded chunk {n} of 40 to OneDrive in {q}.2 s",
    "WARN  [worker-{w}] process {u} slow segment {n}: {q} s (budget 10 s), retrying",
    'INFO  {{"ts": "2026-11-26T09:00:00Z", "process": "{u}", "event": "progress", '
    '"segment": {n}, "tokens": {q}, "status": "ok"}}',
    "DEBUG [scheduler] signal SIGCHLD from pid {n}; assigned slot {q} to process {u}",
]
TRACEBACK = (
    "ERROR [worker-{w}] process {u} failed\n"
    "Traceback (most recent call last):\n"
    '  File "/srv/encoder/pipeline.py", line 212, in run\n'
    "    self.encode(segment)\n"
    '  File "/srv/encoder/encode.py", line 88, in encode\n'
    "    raise error\n"
    "ValueError: corrupt frame {n} in /data/src/chunk_{n}.ts"
)
SECRETS = [
    "WARN  [db] reconnecting to postgresql://encoder:Enc0der-Pa55@db.internal:5432/jobs",
    'DEBUG [http] POST /token body {{"client_id": "app", "clientSecret": "s3cr3t-{n}"}}',
    "INFO  [auth] Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    "DEBUG [azure] DefaultEndpointsProtocol=https;AccountName=vid;AccountKey=a2V5{n}==;",
    "INFO  [source] opened rtsp://admin:CamPass{n}@cam.example/live for client-key-{n:012d}",
    "DEBUG [cli] mysql -uroot -pR00t{n} jobs --password Secret{n}",
]


def build_text(
    size: int, secret_every: int, seed: int = 11, ordinary: list[str] = ORDINARY
) -> bytes:
    """Log text of about `size` bytes; one line in `secret_every` carries a secret
    (none when 0)."""
    rng = random.Random(seed)
    uuids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(500)]
    lines, total, count = [], 0, 0
    while total < size:
        count += 1
        fields = {
            "w": rng.randint(1, 8),
            "u": rng.choice(uuids),
            "n": rng.randint(1, 99999),
            "q": rng.randint(1, 99),
        }
        if secret_every and count % secret_every == 0:
            template = rng.choice(SECRETS)
        elif count % 97 == 0:
            template = TRACEBACK
        else:
            template = rng.choice(ordinary)
        second = count % 86400
        stamp = f"2026-11-26 {second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d},000"
        line = f"{stamp} {template.format(**fields)}\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


def best_of(runs: int, work) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def measure(text: bytes, redactor: Redactor) -> dict[str, float]:
    pieces = [text[i : i + EXTRACT_BYTES] for i in range(0, len(text), EXTRACT_BYTES)]
    blocks = [text[i : i + STREAM_BLOCK] for i in range(0, len(text), STREAM_BLOCK)]
    whole_s = best_of(RUNS, lambda: [redactor.redact(piece) for piece in pieces])
    stream_s = best_of(RUNS, lambda: sum(len(b) for b in redactor.redact_stream(blocks)))
    return {
        "mb": round(len(text) / MB, 1),
        "redact_s": round(whole_s, 3),
        "redact_mb_per_s": round(len(text) / MB / whole_s),
        "redact_stream_s": round(stream_s, 3),
        "redact_stream_mb_per_s": round(len(text) / MB / stream_s),
    }


def main() -> int:
    size = int(sys.argv[1]) * MB if len(sys.argv) > 1 else 100 * MB
    redactor = Redactor(KNOWN_KEYS)
    figures = {
        "plain": measure(build_text(size, 0, ordinary=ORDINARY[:1]), redactor),
        "clean": measure(build_text(size, 0), redactor),
        "one_secret_line_in_200": measure(build_text(size, 200), redactor),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "redact.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
