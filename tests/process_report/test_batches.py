from __future__ import annotations

import pytest

from process_report.batches import DEFAULT_MAPPED, MAX_MAPPED, batch_count, batch_ranges


@pytest.mark.parametrize("count", [0, 1, 5, 16, 17, 3000, 20000])
@pytest.mark.parametrize("max_batches", [1, DEFAULT_MAPPED, MAX_MAPPED])
def test_batches_cover_every_item_once_in_at_most_the_cap_near_equal_parts(count, max_batches):
    ranges = batch_ranges(count, max_batches=max_batches)
    assert 1 <= len(ranges) <= max_batches
    covered = [i for r in ranges for i in range(r["start"], r["stop"])]
    assert covered == list(range(count))
    sizes = {r["stop"] - r["start"] for r in ranges}
    assert max(sizes) - min(sizes) <= 1


def test_no_items_still_gives_one_empty_batch_so_the_mapped_task_runs():
    assert batch_ranges(0) == [{"start": 0, "stop": 0}]


@pytest.mark.parametrize(
    ("count", "min_per_batch", "expected"),
    [
        (0, 100, 1),
        (60, 100, 1),
        (250, 100, 3),
        (3_000, 100, DEFAULT_MAPPED),
        (20_000, 100, DEFAULT_MAPPED),
        (300, 20, DEFAULT_MAPPED),
    ],
)
def test_a_small_day_makes_few_instances_a_big_one_at_most_the_default_cap(
    count, min_per_batch, expected
):
    assert batch_count(count, min_per_batch) == expected
    assert len(batch_ranges(count, min_per_batch)) == expected


@pytest.mark.parametrize("failures", [150, 1_500, 7_500, 50_000])
def test_batches_grow_with_the_day_instead_of_the_instances(failures):
    """The DAG's task instances stay within the issue's 40 on any day: the two mapped
    tasks make at most max_mapped_instances each, beside five unmapped tasks."""
    for cap in (DEFAULT_MAPPED, MAX_MAPPED):
        ranges = batch_ranges(failures, 100, cap)
        assert len(ranges) == min(cap, -(-failures // 100))
        assert 5 + 2 * len(ranges) <= 40
        assert max(r["stop"] - r["start"] for r in ranges) >= failures // cap
