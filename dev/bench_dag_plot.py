"""`make bench-dag`'s plot, out/bench/dag_scaling.png: wall time (top) and the largest
task's peak RSS (bottom) against processes in the window (left) and against clients at
20,000 processes (right), both on log scales, the executor runs only, with issue 21's
targets as dashed lines. Pillow only: the project has no plotting library and needs none."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image, ImageDraw, ImageFont

# The clients axis: days of this many processes over more and more clients.
CLIENTS_AXIS_PROCESSES = 20000
# Issue 21's targets on 2 cores: (value, label) per panel.
WALL_TARGETS_BY_PROCESSES = ((20, "20k: 20 s"), (120, "100k: 120 s"))
WALL_TARGETS_BY_CLIENTS = ((60, "3k: 60 s"),)
RSS_TARGETS = ((384, "384 MB"),)
WALL_COLOUR, RSS_COLOUR = "#1f5fa8", "#b8461b"
WIDTH, HEIGHT = 1200, 900
# The panels' frames (left, top, right, bottom); the targets' labels go right of them.
BOXES = {
    "wall_by_processes": (80, 70, 530, 380),
    "wall_by_clients": (670, 70, 1120, 380),
    "rss_by_processes": (80, 500, 530, 810),
    "rss_by_clients": (670, 500, 1120, 810),
}


class Panel(NamedTuple):
    title: str
    x_label: str
    box: tuple[int, int, int, int]
    points: list[tuple[float, float, str]]  # x, y, label
    targets: Sequence[tuple[float, str]]
    colour: str
    # the same days run another way (the real scheduler's): open rings, not on the line
    aside: Sequence[tuple[float, float, str]] = ()


def plot(runs: list[dict[str, Any]], path: Path, machine: dict[str, Any]) -> None:
    """Four panels from the executor runs (`runs` as bench_dag's run_day returns them).
    The processes panels take the days at their standard client count (each point says
    its clients); the clients panels the days of 20,000 processes. A day also run under
    the real scheduler is a ring beside the line in the wall-by-processes panel."""
    scheduled = [r for r in runs if r["mode"] == "scheduler"]
    runs = [r for r in runs if r["mode"] == "executor"]
    by_processes = sorted(
        (r for r in runs if r.get("standard_clients", True)), key=lambda r: r["processes"]
    )
    by_clients = sorted(
        (r for r in runs if r["processes"] == CLIENTS_AXIS_PROCESSES), key=lambda r: r["clients"]
    )

    def points(rows: list[dict[str, Any]], x: str, y: str, label) -> list:
        return [(r[x], r[y] or 0, label(r)) for r in rows]

    def wall_label(r: dict[str, Any]) -> str:
        return f"{r['wall_s']:g} s"

    def rss_label(r: dict[str, Any]) -> str:
        return f"{r['peak_rss_mb']:g} MB {(r.get('peak_rss_task') or '?').split('_')[0]}"

    def clients_note(label):
        return lambda r: f"{label(r)}, {r['clients']:,} clients"

    left, right = BOXES["wall_by_processes"], BOXES["wall_by_clients"]
    low_left, low_right = BOXES["rss_by_processes"], BOXES["rss_by_clients"]
    processes_x = "processes in the window"
    clients_x = f"clients (at {CLIENTS_AXIS_PROCESSES:,} processes)"
    panels = (
        Panel(
            "wall time of the run (s)",
            processes_x,
            left,
            points(by_processes, "processes", "wall_s", clients_note(wall_label)),
            WALL_TARGETS_BY_PROCESSES,
            WALL_COLOUR,
            points(scheduled, "processes", "wall_s", lambda r: f"{wall_label(r)}, scheduler"),
        ),
        Panel(
            "wall time of the run (s)",
            clients_x,
            right,
            points(by_clients, "clients", "wall_s", wall_label),
            WALL_TARGETS_BY_CLIENTS,
            WALL_COLOUR,
        ),
        Panel(
            "peak RSS of the largest task (MB)",
            processes_x,
            low_left,
            points(by_processes, "processes", "peak_rss_mb", rss_label),
            RSS_TARGETS,
            RSS_COLOUR,
        ),
        Panel(
            "peak RSS of the largest task (MB)",
            clients_x,
            low_right,
            points(by_clients, "clients", "peak_rss_mb", rss_label),
            RSS_TARGETS,
            RSS_COLOUR,
        ),
    )
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    draw.text(
        (20, 12),
        f"make bench-dag: whole DAG, LocalExecutor ({machine['parallelism']} slots), "
        f"{machine['nproc']} cores, {machine['date']}; dashed: issue 21's targets",
        fill="black",
        font=font,
    )
    for panel in panels:
        draw_panel(draw, panel)
    image.save(path)


def draw_panel(draw: ImageDraw.ImageDraw, panel: Panel) -> None:
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=13)
    left, top, right, bottom = panel.box
    draw.rectangle(panel.box, outline="black")
    draw.text((left, top - 22), panel.title, fill="black", font=font)
    draw.text(
        ((left + right) / 2, bottom + 30), panel.x_label, fill="black", font=small, anchor="mt"
    )
    if not panel.points:
        draw.text(
            ((left + right) / 2, (top + bottom) / 2),
            "not measured in this run",
            fill="#888888",
            font=font,
            anchor="mm",
        )
    xs = [x for x, _, _ in panel.points] or [1000]
    ys = [y for _, y, _ in panel.points]
    # x on a log scale: 1,000 and 5,000 processes would otherwise sit on one spot
    x_low = max(t for t in log_ticks(1, min(xs) * 0.8))
    x_high = min(t for t in log_ticks(max(xs) * 1.25, max(xs) * 3))
    y_max = nice_ceiling(max([*ys, *(t for t, _ in panel.targets)]) * 1.1)
    span = math.log10(x_high / x_low)

    def at(x: float, y: float) -> tuple[float, float]:
        share = math.log10(x / x_low) / span
        return (left + (right - left) * share, bottom - (bottom - top) * y / y_max)

    for i in range(6):
        _, py = at(x_low, y_max * i / 5)
        draw.line((left, py, right, py), fill="#dddddd")
        draw.text((left - 8, py), f"{y_max * i / 5:g}", fill="black", font=small, anchor="rm")
    for tick in log_ticks(x_low, x_high):
        px, _ = at(tick, 0)
        draw.line((px, bottom, px, bottom + 4), fill="black")
        draw.text((px, bottom + 8), short(tick), fill="black", font=small, anchor="mt")
    for target, label in panel.targets:
        _, ty = at(x_low, target)
        for x0 in range(left, right, 12):
            draw.line((x0, ty, min(x0 + 6, right), ty), fill="#777777", width=1)
        # beside the panel, where no point's label goes
        draw.text((right + 6, ty), label, fill="#555555", font=small, anchor="lm")
    located = [(*at(x, y), label) for x, y, label in panel.points]
    if len(located) > 1:
        draw.line([(px, py) for px, py, _ in located], fill=panel.colour, width=3)
    for n, (px, py, label) in enumerate(located):
        # above a point higher than its neighbours, else below: off the line's path
        around = [located[i][1] for i in (n - 1, n + 1) if 0 <= i < len(located)]
        above = not around or py <= sum(around) / len(around)
        spot, anchor = ((px + 8, py - 8), "lb") if above else ((px + 8, py + 8), "lt")
        if px > right - 150:  # near the right edge: label to the left of the point
            spot, anchor = (px - 8, spot[1]), "r" + anchor[1]
        draw.rectangle(draw.textbbox(spot, label, font=small, anchor=anchor), fill="white")
        draw.text(spot, label, fill=panel.colour, font=small, anchor=anchor)
    for px, py, _ in located:  # over the labels' backgrounds
        draw.ellipse((px - 5, py - 5, px + 5, py + 5), fill=panel.colour)
    for n, (x, y, label) in enumerate(panel.aside):  # a ring; its label a legend line
        px, py = at(x, y)
        draw.ellipse((px - 7, py - 7, px + 7, py + 7), outline=panel.colour, width=2)
        ly = top + 12 + 20 * n
        draw.ellipse((left + 12, ly - 6, left + 24, ly + 6), outline=panel.colour, width=2)
        legend = f"{short(x)}: {label}"
        draw.text((left + 32, ly), legend, fill=panel.colour, font=small, anchor="lm")


def short(value: float) -> str:
    """20000 -> "20k"; 300 -> "300"."""
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


def log_ticks(low: float, high: float) -> Iterator[float]:
    """1, 2 and 5 times the powers of ten from `low` to `high`."""
    power = 10 ** math.floor(math.log10(low))
    while power <= high:
        for step in (1, 2, 5):
            if low <= step * power <= high:
                yield step * power
        power *= 10


def nice_ceiling(value: float) -> float:
    """The next round value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power
