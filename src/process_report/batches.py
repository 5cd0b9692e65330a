"""How many mapped instances, and which part each takes.

Airflow fails a map wider than `[core] max_map_length` (1024), and every mapped
instance is a full task instance (a database row, scheduling checks, a DAG parse and an
interpreter on the worker), so maps stay in the tens: at most MAX_MAPPED instances, and
each holds at least a minimum of work, so a small day makes one or two instances."""

from __future__ import annotations

MAX_MAPPED = 16


def batch_count(items: int, min_per_batch: int = 1, max_batches: int = MAX_MAPPED) -> int:
    """At least one batch (possibly empty, so the mapped task always runs and the report
    always has its input), at least `min_per_batch` items in each, at most `max_batches`."""
    return max(1, min(max_batches, -(-items // max(1, min_per_batch))))


def batch_ranges(
    count: int, min_per_batch: int = 1, max_batches: int = MAX_MAPPED
) -> list[dict[str, int]]:
    """`[{"start": s, "stop": e}, ...]`: contiguous and near-equal."""
    batches = batch_count(count, min_per_batch, max_batches)
    size, extra = divmod(count, batches)
    ranges, start = [], 0
    for index in range(batches):
        stop = start + size + (1 if index < extra else 0)
        ranges.append({"start": start, "stop": stop})
        start = stop
    return ranges
