"""`make bench-dag`'s plot: both axes drawn from the runs' figures, each in its panel."""

from __future__ import annotations

from PIL import Image

from dev.bench_dag_plot import BOXES, RSS_COLOUR, WALL_COLOUR, log_ticks, nice_ceiling, plot

MACHINE = {"parallelism": 4, "nproc": 2, "date": "2026-12-06 23:00 UTC"}


def run(processes, clients, wall_s, rss, *, standard=True):
    return {
        "mode": "executor",
        "processes": processes,
        "clients": clients,
        "standard_clients": standard,
        "wall_s": wall_s,
        "peak_rss_mb": rss,
        "peak_rss_task": "scan_failure_logs",
    }


def colour_in(image: Image.Image, box: tuple[int, int, int, int], colour: str) -> bool:
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(pixel == rgb for pixel in image.crop(box).getdata())


def test_the_plot_draws_the_processes_and_the_clients_axes_in_their_panels(tmp_path):
    runs = [
        run(1000, 15, 15.2, 268),
        run(20000, 300, 26.1, 370),
        run(100000, 300, 110.0, 380),
        run(20000, 3000, 40.0, 360, standard=False),
        {**run(20000, 300, 73.9, 484), "mode": "plain"},  # not plotted
    ]
    path = tmp_path / "dag_scaling.png"
    plot(runs, path, MACHINE)
    image = Image.open(path).convert("RGB")
    assert image.size == (1200, 900)
    wall_by_processes, wall_by_clients = BOXES["wall_by_processes"], BOXES["wall_by_clients"]
    rss_by_processes, rss_by_clients = BOXES["rss_by_processes"], BOXES["rss_by_clients"]
    assert colour_in(image, wall_by_processes, WALL_COLOUR)
    assert colour_in(image, wall_by_clients, WALL_COLOUR)
    assert colour_in(image, rss_by_processes, RSS_COLOUR)
    assert colour_in(image, rss_by_clients, RSS_COLOUR)
    assert not colour_in(image, wall_by_processes, RSS_COLOUR)


def test_a_day_run_by_the_scheduler_is_a_ring_with_a_legend_in_the_wall_panel(tmp_path):
    runs = [run(1000, 15, 15.2, 268), run(20000, 300, 26.1, 370)]
    plot(runs, tmp_path / "without.png", MACHINE)
    scheduled = {**run(20000, 300, 19.5, 372), "mode": "scheduler"}
    plot([*runs, scheduled], tmp_path / "with.png", MACHINE)
    without = Image.open(tmp_path / "without.png").convert("RGB")
    with_ring = Image.open(tmp_path / "with.png").convert("RGB")
    left, top, *_ = BOXES["wall_by_processes"]
    legend = (left, top, left + 250, top + 24)
    assert colour_in(with_ring, legend, WALL_COLOUR)
    assert not colour_in(without, legend, WALL_COLOUR)
    for box in ("wall_by_clients", "rss_by_processes", "rss_by_clients"):  # there only
        assert with_ring.crop(BOXES[box]).tobytes() == without.crop(BOXES[box]).tobytes()


def test_a_run_without_the_clients_axis_leaves_its_panels_empty(tmp_path):
    path = tmp_path / "dag_scaling.png"
    plot([run(1000, 15, 15.2, 268)], path, MACHINE)
    image = Image.open(path).convert("RGB")
    assert colour_in(image, BOXES["wall_by_processes"], WALL_COLOUR)
    assert not colour_in(image, BOXES["wall_by_clients"], WALL_COLOUR)
    assert not colour_in(image, BOXES["rss_by_clients"], RSS_COLOUR)


def test_log_axis_ticks_are_one_two_five_times_powers_of_ten():
    assert list(log_ticks(100, 10_000)) == [100, 200, 500, 1000, 2000, 5000, 10_000]


def test_axis_ends_are_round_numbers_above_the_data():
    assert nice_ceiling(108_000) == 120_000
    assert nice_ceiling(26.1 * 1.1) == 30
    assert nice_ceiling(0) == 1
