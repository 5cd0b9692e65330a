from __future__ import annotations

import pytest

from process_report.batches import MAX_MAPPED, batch_count, batch_ranges


@pytest.mark.parametrize("count", [0, 1, 5, 16, 17, 3000, 20000])
def test_batches_cover_every_item_once_in_at_most_sixteen_near_equal_parts(count):
    ranges = batch_ranges(count)
    assert 1 <= len(ranges) <= MAX_MAPPED
    covered = [i for r in ranges for i in range(r["start"], r["stop"])]
    assert covered == list(range(count))
    sizes = {r["stop"] - r["start"] for r in ranges}
    assert max(sizes) - min(sizes) <= 1


def test_no_items_still_gives_one_empty_batch_so_the_mapped_task_runs():
    assert batch_ranges(0) == [{"start": 0, "stop": 0}]


@pytest.mark.parametrize(
    ("count", "min_per_batch", "expected"),
    [(0, 100, 1), (60, 100, 1), (250, 100, 3), (20_000, 100, 16), (300, 20, 15)],
)
def test_a_small_day_makes_few_instances_a_big_one_at_most_sixteen(count, min_per_batch, expected):
    assert batch_count(count, min_per_batch) == expected
    assert len(batch_ranges(count, min_per_batch)) == expected
