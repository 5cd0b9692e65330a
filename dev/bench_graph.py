"""`make bench-graph`: OneDrive video lookup against the original one-search-per-UUID.

On the Graph stand-in with 100 ms latency per request: 300 client folders, each with a
year folder and two month folders (three levels), 15,000 videos and 30,000 other files;
15,000 finished processes. The lookup runs as the DAG runs it: planned into at most 4
batches (the DAG's default max_mapped_instances), four at a time, each with its own
client and token. The baseline sends one search request per UUID, as the original
system did, timed on a sample and scaled (all of it would take about 25 minutes). Then
the lookup again with 10 % of requests and batch items throttled (Retry-After: 1).
Writes out/bench/graph.json.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dev.figures import OUT, save
from process_report.graph.connect import graph_client
from process_report.videos import find_videos, plan_batches
from tests.support.graph_standin import Faults, GraphStandIn

ROOT = "Videos/Client/Production_Sources_Backup"
CLIENTS, VIDEOS, OTHERS, LATENCY_S, NAIVE_SAMPLE = 300, 15000, 30000, 0.1, 100


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        standin = GraphStandIn(Path(work), faults=Faults(latency_s=LATENCY_S))
        finished = populate(standin)
        with standin:
            ours = timed_lookup(standin, finished)
            naive = timed_naive(standin, finished[:NAIVE_SAMPLE])
            standin.faults.throttle_rate = 0.10
            throttled = timed_lookup(standin, finished)
    figures = {
        "requests": ours["requests"],
        "wall_s": ours["wall_s"],
        "naive_requests": naive["requests_per_uuid"] * len(finished),
        "naive_wall_s": round(naive["wall_s"] / NAIVE_SAMPLE * len(finished), 1),
        "links_found": ours["links_found"],
        "links_expected": len(finished),
        "naive_sampled_uuids": NAIVE_SAMPLE,
        "latency_s": LATENCY_S,
        "throttled_share": 0.10,
        "throttled_requests": throttled["requests"],
        "throttled_wall_s": throttled["wall_s"],
        "throttled_links_found": throttled["links_found"],
    }
    save("graph.json", figures)
    return 0 if figures["links_found"] == figures["throttled_links_found"] == len(finished) else 1


def populate(
    standin: GraphStandIn, clients: int = CLIENTS, videos: int = VIDEOS, others: int = OTHERS
) -> list[dict]:
    """The tree, and one finished process per video (its UUID in the file name); other
    files (sidecars, noise) carry UUIDs of no finished process. make bench-dag uses it
    at other sizes."""
    rng = random.Random(3)
    keys = [f"{rng.getrandbits(96):024x}" for _ in range(clients)]
    finished = []
    for n in range(videos + others):
        key = keys[n % clients]
        folder = f"{ROOT}/{key}/2026/{10 + n % 2:02d}"
        process_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if n < videos:
            standin.add_file(f"{folder}/cam_{process_uuid}.mp4")
            finished.append({"uuid": process_uuid, "api_key": key})
        else:
            standin.add_file(f"{folder}/{process_uuid}{rng.choice(['.json', '.srt', '.txt'])}")
    return finished


def client_for(standin: GraphStandIn):
    return graph_client(json.loads(standin.airflow_connection()))


def timed_lookup(standin: GraphStandIn, finished: list[dict]) -> dict:
    batches = plan_batches(finished, frozenset())
    before = len(standin.requests)
    started = time.perf_counter()

    def run(batch):
        client, config = client_for(standin)
        return find_videos(
            client, drive_root=config.drive_root, onedrive_root=ROOT, uuids_by_key=batch
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [r for part in pool.map(run, batches) for r in part.values()]
    return {
        "requests": len(standin.requests) - before,
        "wall_s": round(time.perf_counter() - started, 2),
        "links_found": sum(1 for r in results if r["videos"]),
    }


def timed_naive(standin: GraphStandIn, sample: list[dict]) -> dict:
    """The original onedrive_manager: one search request per process UUID, in turn."""
    client, config = client_for(standin)
    client.get_json(f"{config.drive_root}/root/children")  # sign in outside the timing
    before = len(standin.requests)
    started = time.perf_counter()
    for process in sample:
        hits = list(client.pages(f"{config.drive_root}/root/search(q='{process['uuid']}')"))
        assert any(h["name"].endswith(".mp4") for h in hits)
    return {
        "wall_s": time.perf_counter() - started,
        "requests_per_uuid": (len(standin.requests) - before) / len(sample),
    }


if __name__ == "__main__":
    sys.exit(main())
