"""Split a list for dynamically mapped tasks: at most MAX_MAPPED instances, whatever
the count. Airflow fails a map wider than `[core] max_map_length` (1024), and every
mapped instance is a full task instance, so maps stay in the tens."""

from __future__ import annotations

MAX_MAPPED = 16


def batch_ranges(count: int, max_batches: int = MAX_MAPPED) -> list[dict[str, int]]:
    """`[{"start": s, "stop": e}, ...]`: contiguous, near-equal, at least one (possibly
    empty) batch, so the mapped task always runs and the report always has its input."""
    batches = max(1, min(max_batches, count))
    size, extra = divmod(count, batches)
    ranges, start = [], 0
    for index in range(batches):
        stop = start + size + (1 if index < extra else 0)
        ranges.append({"start": start, "stop": stop})
        start = stop
    return ranges
