"""Redaction throughput on ~100 MB of log text like the failure extracts of a bad day.

Not part of the test suite (speed claims come from runs like this one, never from timed
asserts): `python -m dev.bench_redact [megabytes] [--against REV]` builds the text in
memory and times

- `redact` on extract-sized pieces (43 KB, the mean of the benchmark day's 3,000
  extracts), as the extract writer calls it;
- `redact_stream` over 64 KB blocks of the same text, as a streaming writer calls it;

each on three texts: plain (an encoder's lines with no word a rule looks for), clean
(no secret, but words that look like secret names: "key frame", "tokens", "task"), and
the clean text with a secret of some shape on one line in 200. Best of three; writes
out/bench/redact.json. With `--against REV`, redact.py as of that git revision is timed
too, the two taking turns, since the load of a shared machine changes from one minute to
the next.

It also times the registration of client API keys with Airflow's secrets masker, as a
task does it (`mask_api_keys`: MASKED_KEYS keys in one step) and as `mask_secret` per key
did (PER_KEY keys, quadratic), and the masking of one log line once they are registered.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
import types
import uuid

from dev.figures import save
from process_report.redact import Redactor
from tests.support import PROJECT_DIR

MB = 1_000_000
EXTRACT_BYTES = 43_000
STREAM_BLOCK = 64 * 1024
RUNS = 3
KNOWN_KEYS = [f"client-key-{n:012d}" for n in range(300)]
MASKED_KEYS = 3000
PER_KEY = 300

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


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(text: bytes, redactors: dict[str, Redactor]) -> dict[str, dict[str, float]]:
    """Each redactor's best time, the redactors taking turns run by run."""
    pieces = [text[i : i + EXTRACT_BYTES] for i in range(0, len(text), EXTRACT_BYTES)]
    blocks = [text[i : i + STREAM_BLOCK] for i in range(0, len(text), STREAM_BLOCK)]
    best: dict[str, dict[str, float]] = {name: {} for name in redactors}
    for _ in range(RUNS):
        for name, redactor in redactors.items():
            timings = {
                "redact_s": timed(lambda r=redactor: [r.redact(piece) for piece in pieces]),
                "redact_stream_s": timed(
                    lambda r=redactor: sum(len(b) for b in r.redact_stream(blocks))
                ),
            }
            for key, seconds in timings.items():
                best[name][key] = min(best[name].get(key, seconds), seconds)
    return {
        name: {
            "mb": round(len(text) / MB, 1),
            **{key: round(seconds, 3) for key, seconds in times.items()},
            "redact_mb_per_s": round(len(text) / MB / times["redact_s"]),
            "redact_stream_mb_per_s": round(len(text) / MB / times["redact_stream_s"]),
        }
        for name, times in best.items()
    }


def redactor_at(revision: str) -> type:
    """The Redactor class of redact.py as of a git revision of this project."""
    source = subprocess.run(
        ["git", "show", f"{revision}:src/process_report/redact.py"],
        cwd=PROJECT_DIR,
        capture_output=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"redact_at_{revision}")
    exec(compile(source, f"{revision}:redact.py", "exec"), module.__dict__)
    return module.Redactor


def masking(masked_keys: int = MASKED_KEYS, per_key: int = PER_KEY) -> dict[str, float]:
    """Seconds to register client API keys with a fresh secrets masker: in one step
    (`add_masks`, as the tasks do) and one by one (`add_mask`, as `mask_secret` does);
    and to mask one log line holding a key among MASKED_KEYS."""
    from airflow.sdk._shared.secrets_masker.secrets_masker import SecretsMasker

    from process_report.tasks.common import add_masks

    keys = [f"{uuid.UUID(int=random.Random(n).getrandbits(128))}" for n in range(masked_keys)]
    bulk = SecretsMasker()
    bulk_s = timed(lambda: add_masks(bulk, keys))
    line = f"listing folder Videos/{keys[masked_keys // 2]}/ failed: 404 itemNotFound"
    line_s = timed(lambda: [bulk.redact(line) for _ in range(100)]) / 100
    one_by_one = SecretsMasker()
    per_key_s = timed(lambda: [one_by_one.add_mask(key) for key in keys[:per_key]])
    assert keys[0] not in bulk.redact(keys[0]), "the bulk registration masked nothing"
    return {
        f"add_masks_{masked_keys}_keys_s": round(bulk_s, 3),
        f"add_mask_one_by_one_{per_key}_keys_s": round(per_key_s, 3),
        f"mask_one_line_among_{masked_keys}_keys_ms": round(line_s * 1000, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("megabytes", nargs="?", type=int, default=100)
    parser.add_argument("--against", metavar="REV", help="also time redact.py as of REV")
    args = parser.parse_args()
    size = args.megabytes * MB
    classes = {
        "current": Redactor,
        **({args.against: redactor_at(args.against)} if args.against else {}),
    }
    redactors = {name: cls(KNOWN_KEYS) for name, cls in classes.items()}
    figures = {
        "plain": measure(build_text(size, 0, ordinary=ORDINARY[:1]), redactors),
        "clean": measure(build_text(size, 0), redactors),
        "one_secret_line_in_200": measure(build_text(size, 200), redactors),
        "masking": masking(),
    }
    save("redact.json", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
