"""How many mapped instances, and which part each takes.

Airflow fails a map wider than `[core] max_map_length` (1024), and every mapped
instance is a full task instance (a database row, scheduling checks, a forked task
process that parses the DAG file, Execution API calls), so each mapped task makes at most
the settings' `max_mapped_instances` (DEFAULT_MAPPED: one per executor slot of a small
worker; at most MAX_MAPPED), and each instance holds at least a minimum of work, so a
small day makes one or two instances. A bigger day gets bigger batches, not more."""

from __future__ import annotations

DEFAULT_MAPPED = 4
MAX_MAPPED = 16


def batch_count(items: int, min_per_batch: int = 1, max_batches: int = DEFAULT_MAPPED) -> int:
    """At least one batch (possibly empty, so the mapped task always runs and the report
    always has its input), at least `min_per_batch` items in each, at most `max_batches`."""
    return max(1, min(max_batches, -(-items // max(1, min_per_batch))))


def batch_ranges(
    count: int, min_per_batch: int = 1, max_batches: int = DEFAULT_MAPPED
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
